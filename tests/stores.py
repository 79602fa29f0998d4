"""Stores opened by tests the way the edge opens them: with the passphrase given, never
found in the environment (only the CLI and the demo read SANWU_PASSPHRASE); a batch
imported in one call; and records arriving from central as a pull brings them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from client import audit
from client.identity import Identity
from client.store import ImportOutcome, Store
from models.ids import new_id
from models.kinds import kind_spec
from sync.protocol import Change, PullResponse
from sync.signing import new_private_key

TEST_PASSPHRASE = "test passphrase 测试"
"""Every in-process test home's passphrase (scrypt runs at a low cost in tests: see
tests/conftest.py)."""


def open_store(home: Path, *, passphrase: str | None = TEST_PASSPHRASE) -> Store:
    """The home's store, unlocked with the test passphrase (``None``: left locked)."""
    return Store(home, passphrase=passphrase)


UNITS = {
    "clerk": ("150202101200", "黑麻板村", "150202101200"),
    "town": ("150202101000", "沙尔沁镇", "150202101"),
    "supervisor": ("150202000000", "东河区", "150202"),
    "support": ("150202000000", "东河区", "150202"),
}
"""Where each role's test device is enrolled: unit, its name, scope (the demo's units)."""


def enrolled_as(store: Store, role: str) -> Store:
    """``store`` enrolled as ``role`` at its unit in ``UNITS`` (a central nobody runs)."""
    org_code, org_name, scope = UNITS[role]
    store.save_identity(
        Identity(
            device_id=f"dev-{role}",
            private_key=new_private_key(),
            server_url="http://127.0.0.1:9",
            org_code=org_code,
            org_name=org_name,
            role=role,
            scope=scope,
        )
    )
    return store


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


def arrived(
    store: Store, kind: str, fields: Mapping[str, Any], *, version: int = 1, deleted: bool = False
) -> str:
    """A record as a pull brings it from central, made by another device (a warning a
    supervisor issued, a reminder central raised): no rule of this device applies to
    what it receives. Returns its id."""
    spec = kind_spec(kind)
    record: dict[str, Any] = {**spec.defaults(), **fields}
    record.setdefault("id", new_id())
    seq = store.cursor() + 1
    record |= {
        "version": version,
        "deleted": deleted,
        "updated_by": "another-device",
        "recorded_at": "2026-11-01T08:00:00Z",
        "received_at": "2026-11-01T08:00:01Z",
        "seq": seq,
    }
    store.apply_pull(
        PullResponse(changes=[Change(kind=kind, seq=seq, record=record)], cursor=seq, more=False)
    )
    return str(record["id"])


def held_project(store: Store, project_id: str, org_code: str) -> str:
    """A subsidy project of ``org_code`` this home holds, as pulled from central: a payment
    names only a project its writer holds (``models.rules.references``)."""
    fields = {"id": project_id, "org_code": org_code, "name": "项目", "category": "agriculture"}
    return arrived(store, "subsidy_project", fields)


def verify_chain(conn: Connection) -> int | None:
    """The id of the first local audit entry that does not fit the chain, or None when
    all fit (central checks the links it is sent; this checks a home's whole log)."""
    prev_hash = audit.GENESIS
    table = audit.AuditEntry.__table__  # type: ignore[attr-defined]
    for row in conn.execute(sa.select(table).order_by(table.c.id)):
        if row.prev_hash != prev_hash or row.hash != audit.entry_hash(
            prev_hash, audit.entry_body(row)
        ):
            return int(row.id)
        prev_hash = row.hash
    return None
