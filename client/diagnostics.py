"""The diagnostics bundle support staff ask for: a zip of what helps, nothing personal.

Contents (JSON files): ``rounds.json`` (sync history with figures and errors),
``queue.json`` (pending and quarantined ops: kind, record, fields, attempts,
errors; never values), ``conflicts.json`` (open conflicts, personal values
masked), ``audit.json`` (the latest local audit entries, masked when written),
``versions.json`` (program, schema and record counts), ``attachments.json`` (each
file's digest, size and sync state: never its name, which may name a person, nor
its bytes) and ``settings.json`` (an allow-list of settings: never the device key
or anything secret).
"""

from __future__ import annotations

import json
import platform
import sqlite3
import zipfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from client.attachments import Attachments
from client.audit import IMPORT
from client.files import write_whole
from client.store import Store
from client.tables import AuditEntry, Setting
from models.kinds import KINDS
from models.masking import mask_record

__all__ = ["SAFE_SETTINGS", "bundle_contents", "write_bundle"]

SAFE_SETTINGS = frozenset(
    {"device_id", "server_url", "org_code", "org_name", "role", "scope", "cursor"}
)
"""The only settings a bundle carries; keys, passphrase material and the rest stay home."""

AUDIT_TAIL = 500

_audit = AuditEntry.__table__  # type: ignore[attr-defined]
_setting = Setting.__table__  # type: ignore[attr-defined]


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _masked_value(kind: str, field: str, value: Any) -> Any:
    if value is None or kind not in KINDS:
        return value
    if isinstance(value, dict):  # a duplicate's whole record
        return mask_record(kind, value)
    return mask_record(kind, {field: value}).get(field, value)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def bundle_contents(store: Store, *, now: datetime | None = None) -> dict[str, Any]:
    """What goes in the bundle, file name -> JSON-able value (personal data masked)."""
    made_at = now or datetime.now(UTC)
    with store.engine.connect() as conn:
        settings = {
            key: value
            for key, value in conn.execute(sa.select(_setting.c.key, _setting.c.value))
            if key in SAFE_SETTINGS
        }
        audit_rows = conn.execute(
            sa.select(_audit).order_by(_audit.c.id.desc()).limit(AUDIT_TAIL)
        ).all()
        schema = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
        counts = {
            name: int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(spec.table.__table__)  # type: ignore[attr-defined]
                ).scalar_one()
            )
            for name, spec in KINDS.items()
        }
    queue = [
        {
            "seq": op.seq,
            "op_id": op.op_id,
            "kind": op.kind,
            "record_id": op.record_id,
            "action": op.action,
            "fields": list(op.fields),
            "state": op.state,
            "attempts": op.attempts,
            "recorded_at": op.recorded_at,
            "last_attempt_at": op.last_attempt_at,
            "last_error": op.last_error,
        }
        for op in store.queue()
    ]
    conflicts = [
        {
            "id": c.id,
            "kind": c.kind,
            "record_id": c.record_id,
            "type": c.type,
            "field": c.field,
            "base": _masked_value(c.kind, c.field, c.base),
            "mine": _masked_value(c.kind, c.field, c.mine),
            "theirs": _masked_value(c.kind, c.field, c.theirs),
            "version": c.version,
            "created_at": c.created_at,
        }
        for c in store.conflicts()
    ]
    audit = [
        {
            "id": row.id,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "kind": row.kind,
            "record_id": row.record_id,
            "changes": _audit_changes(row),
        }
        for row in audit_rows
    ]
    versions = {
        "made_at": made_at,
        "sanwu": _version("sanwu"),
        "textual": _version("textual"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "schema": list(schema),
        "records": counts,
    }
    files = [
        {
            "digest": item.digest,
            "size": item.size,
            "state": item.state,
            "here": item.here,
            "added_at": item.added_at,
            "synced_at": item.synced_at,
            "last_error": item.last_error,
        }
        for item in Attachments(store).all()
    ]
    return {
        "rounds.json": store.rounds(limit=1000),
        "attachments.json": files,
        "queue.json": queue,
        "conflicts.json": conflicts,
        "audit.json": audit,
        "versions.json": versions,
        "settings.json": settings,
    }


def _audit_changes(row: Any) -> Any:
    """An entry's changes for the bundle. An imported record's entry holds no values (its
    file's name and the values' digest): as it is."""
    if row.action == IMPORT:
        return row.changes
    # Masked when written for personal fields; names are masked here too.
    return {
        field: [_masked_value(row.kind, field, value) for value in pair]
        for field, pair in (row.changes or {}).items()
    }


def write_bundle(store: Store, out: Path, *, now: datetime | None = None) -> list[str]:
    """Write the zip at ``out``; returns the names of the files in it."""
    contents = bundle_contents(store, now=now)

    def zipped(handle: IO[bytes]) -> None:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for name, value in contents.items():
                text = json.dumps(value, ensure_ascii=False, indent=2, default=_json_default)
                bundle.writestr(name, text)

    write_whole(out, zipped)
    return list(contents)
