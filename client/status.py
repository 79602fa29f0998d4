"""``sanwu status`` read with the standard library alone.

A scheduler, or support staff at a shell, ask for the queue and the last round every
few minutes: nothing in the answer is personal, so it needs no SQLAlchemy (a third of
a second of start-up on a village PC). The passphrase is still checked, as the store
checks it: a scheduler learns from ``status`` that its passphrase file is right. A
home that has no
database yet, or needs a migration, is read through the store instead (``None``
here). ``tests/client/test_status.py`` holds this to the store's own answer.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from client.crypto import DATA_KEY_SETTING, unlock
from client.home import DB_NAME, database_header_ok
from client.migrate import HEAD_REVISION

if TYPE_CHECKING:
    from client.store import Store

__all__ = ["quick_status", "store_status", "supervision_counts"]

_TIMESTAMPS = ("started_at", "finished_at")
"""The sync round's timestamp columns: stored as UTC text, shown as aware datetimes."""


def quick_status(home: Path, passphrase: str) -> dict[str, Any] | None:
    """The figures of ``sanwu status``, or None when the store must answer; raises
    ``BadPassphrase`` as the store does."""
    path = home / DB_NAME
    if not path.is_file() or not database_header_ok(path):
        return None  # the store's open names what is wrong with the file
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:
        connection.row_factory = sqlite3.Row
        return _read(connection, passphrase)
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def _read(connection: sqlite3.Connection, passphrase: str) -> dict[str, Any] | None:
    (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone() or (None,)
    if version != HEAD_REVISION:
        return None
    settings = dict(connection.execute("SELECT key, value FROM setting").fetchall())
    if DATA_KEY_SETTING not in settings:
        return None  # a new home: its first command through the store sets the passphrase
    unlock(passphrase, settings[DATA_KEY_SETTING])
    enrolled = "device_id" in settings
    ops = dict(connection.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    files = dict(
        connection.execute("SELECT state, count(*) FROM local_attachment GROUP BY state").fetchall()
    )
    (conflicts,) = connection.execute(
        "SELECT count(*) FROM conflict WHERE resolved_at IS NULL"
    ).fetchone()
    last = connection.execute("SELECT * FROM sync_round ORDER BY id DESC LIMIT 1").fetchone()
    return {
        "enrolled": enrolled,
        "org_code": settings.get("org_code") if enrolled else None,
        "role": settings.get("role") if enrolled else None,
        "server": settings.get("server_url") if enrolled else None,
        "pending": int(ops.get("pending", 0)),
        "quarantined": int(ops.get("quarantined", 0)) + int(ops.get("refused", 0)),
        "conflicts": int(conflicts),
        "files_to_send": int(files.get("pending", 0)),
        "files_to_fetch": int(files.get("wanted", 0)),
        "last_round": None if last is None else _round(dict(last)),
    } | supervision_counts(connection)


def supervision_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Warnings not yet closed (销号) and reminders still open, in what this device
    holds (its unit, or a supervising level's scope): what a scheduled check or support
    staff look at first."""
    (warnings,) = connection.execute(
        "SELECT count(*) FROM warning WHERE NOT deleted AND status != 'closed'"
    ).fetchone()
    (reminders,) = connection.execute(
        "SELECT count(*) FROM reminder WHERE NOT deleted AND status = 'open'"
    ).fetchone()
    return {"warnings_open": int(warnings), "reminders_open": int(reminders)}


def _round(row: dict[str, Any]) -> dict[str, Any]:
    for name in _TIMESTAMPS:
        value = row.get(name)
        if isinstance(value, str):
            row[name] = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return row


def store_status(store: Store) -> dict[str, Any]:
    """The same figures through the store (a new home, or one just migrated)."""
    from client.attachments import Attachments

    status, identity, files = store.status(), store.identity, Attachments(store).counts()
    raw = store.engine.raw_connection()
    try:
        counts = supervision_counts(raw.driver_connection)  # type: ignore[arg-type]
    finally:
        raw.close()
    return {
        "enrolled": identity is not None,
        "org_code": identity.org_code if identity else None,
        "role": identity.role if identity else None,
        "server": identity.server_url if identity else None,
        "pending": status.pending,
        "quarantined": status.quarantined,
        "conflicts": status.conflicts,
        "files_to_send": files.get("pending", 0),
        "files_to_fetch": files.get("wanted", 0),
        "last_round": status.last_round,
    } | counts
