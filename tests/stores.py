"""Stores opened by tests the way the edge opens them: with the passphrase given, never
found in the environment (only the CLI and the demo read SANWU_PASSPHRASE); and a batch
imported in one call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from client.store import ImportOutcome, Store

TEST_PASSPHRASE = "test passphrase 测试"
"""Every in-process test home's passphrase (scrypt runs at a low cost in tests: see
tests/conftest.py)."""


def open_store(home: Path, *, passphrase: str | None = TEST_PASSPHRASE) -> Store:
    """The home's store, unlocked with the test passphrase (``None``: left locked)."""
    return Store(home, passphrase=passphrase)


def import_rows(
    store: Store,
    kind: str,
    records: Sequence[Mapping[str, Any]],
    *,
    import_keys: Sequence[str] | None = None,
    write: bool = True,
    source: str = "",
) -> ImportOutcome:
    """One batch in an import of its own (``Store.importing`` and ``BulkImport.add``), as
    the importer feeds a whole file batch by batch."""
    with store.importing(kind, write=write, source=source) as bulk:
        return bulk.add(records, import_keys=import_keys)
