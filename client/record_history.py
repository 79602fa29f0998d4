"""A record's whole life: this computer's audit entries and the versions central holds
(made on other devices too), kept as last fetched so the history shows them offline.

Headless and without network: ``client.syncing.fetch_history`` asks central and keeps
the answer here; the screens read ``record_history`` and show each entry where it came
from. A version this computer made is its own audit entry already: listed once, from
here. Central's versions are kept by version number (a new fetch replaces the copy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from client import queries
from client.tables import CentralHistory
from models.kinds import timestamp_from_wire
from sync.protocol_history import HistoryResponse

__all__ = ["HERE", "ON_CENTRAL", "Kept", "Row", "keep", "kept", "record_history"]

HERE = "here"
"""An entry of this computer's audit log."""
ON_CENTRAL = "central"
"""A version central holds, made by another device (or central's own work)."""

_table = CentralHistory.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Row:
    """One line of a record's history, wherever it came from."""

    at: datetime
    actor: str
    """The device that made it (central's pseudo devices included)."""
    action: str
    """create, update, delete, resolve or import (``queries.HistoryEntry.action``)."""
    changes: dict[str, Any]
    """``{field: [from, to]}``, personal values masked (by the audit log or by central)."""
    source: str
    """``HERE`` or ``ON_CENTRAL``."""
    version: int | None = None
    """Central's version number (None for this computer's entries)."""


@dataclass(frozen=True)
class Kept:
    """Central's history of one record as last fetched."""

    fetched_at: datetime
    versions: list[dict[str, Any]] = field(default_factory=list)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def keep(engine: Engine, answer: HistoryResponse, *, now: datetime | None = None) -> None:
    """Keep central's answer for its record (one per version, the newest fetch wins), in
    one transaction."""
    by_version = {entry.version: entry.model_dump(mode="json") for entry in answer.versions}
    row = {
        "record_id": answer.record_id,
        "kind": answer.kind,
        "fetched_at": now or datetime.now(UTC),
        "versions": [by_version[number] for number in sorted(by_version)],
    }
    with engine.begin() as conn:
        conn.execute(sa.delete(_table).where(_table.c.record_id == answer.record_id))
        conn.execute(sa.insert(_table).values(**row))


def kept(engine: Engine, record_id: str) -> Kept | None:
    """Central's history of a record as last fetched (None: never fetched)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(_table.c.fetched_at, _table.c.versions).where(_table.c.record_id == record_id)
        ).first()
    if row is None:
        return None
    return Kept(_aware(row.fetched_at), list(row.versions or []))


def _when(text: Any) -> datetime | None:
    """Central's timestamp of a version (None when it sent none that reads as one)."""
    try:
        return timestamp_from_wire(str(text)) if text else None
    except ValueError:
        return None


def _action(version: dict[str, Any]) -> str:
    changes = version.get("changes") or {}
    if (changes.get("deleted") or [None, None])[1] is True:
        return "delete"
    return "create" if version.get("version") == 1 else "update"


def record_history(
    engine: Engine, record_id: str, *, this_device: str
) -> tuple[list[Row], Kept | None]:
    """Every entry of a record's life, oldest first: this computer's, and central's
    versions made elsewhere (as last fetched); and what was kept of central's answer."""
    rows = [
        Row(_aware(entry.at), entry.actor, entry.action, entry.changes, HERE)
        for entry in queries.history(engine, record_id)
    ]
    copy = kept(engine, record_id)
    if copy is None:
        return rows, None
    for version in copy.versions:
        if version.get("device_id") == this_device:
            continue  # this computer's own change: its audit entry is listed already
        at = _when(version.get("at")) or copy.fetched_at
        rows.append(
            Row(
                _aware(at),
                str(version.get("device_id") or ""),
                _action(version),
                dict(version.get("changes") or {}),
                ON_CENTRAL,
                int(version.get("version") or 0),
            )
        )
    rows.sort(key=lambda row: row.at)
    return rows, copy
