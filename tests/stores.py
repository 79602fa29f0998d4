"""Stores opened by tests the way the edge opens them: with the passphrase given, never
found in the environment (only the CLI and the demo read SANWU_PASSPHRASE)."""

from __future__ import annotations

from pathlib import Path

from client.store import Store

TEST_PASSPHRASE = "test passphrase 测试"
"""Every in-process test home's passphrase (scrypt runs at a low cost in tests: see
tests/conftest.py)."""


def open_store(home: Path, *, passphrase: str | None = TEST_PASSPHRASE) -> Store:
    """The home's store, unlocked with the test passphrase (``None``: left locked)."""
    return Store(home, passphrase=passphrase)
