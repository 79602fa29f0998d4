"""The outbox: local changes waiting for central, in order, each idempotent by op_id.

Every function works inside the caller's transaction. An op leaves the outbox
only when central has answered for it; one that central rejects as invalid is
quarantined with the reason, so it never blocks the ops behind it.

A create may be queued "as the record is" (``AS_RECORD``: an imported row's, so its
values are not written a second time): its changes are made from the record when the
op is read, by the caller's ``AsRecord``, exactly as a typed create's are made when it
is saved. Every reader here takes one, so none can hand such an op on half made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from client.tables import OutboxOp
from models.ids import new_id
from models.kinds import timestamp_to_wire
from sync.protocol import Action, Op

PENDING = "pending"
QUARANTINED = "quarantined"
REFUSED = "refused"
"""Refused by a rule both ends apply: kept for support staff like a quarantined op, but
never re-applied on top of what central sends (the device took central's record back)."""
HELD = (QUARANTINED, REFUSED)
"""States of ops a person must look at (``sanwu queue``); ``retry`` puts them back in line."""

_outbox = OutboxOp.__table__  # type: ignore[attr-defined]

AS_RECORD = "null"
"""The stored ``changes`` text of a create queued as the record is: JSON null (the
column stays NOT NULL; it reads back as None). Only ``Action.CREATE`` ops carry it."""

Changes = Mapping[str, Sequence[Any]]
AsRecord = Callable[[str, Sequence[str]], Mapping[str, Changes]]
"""(kind, record ids) → each record's create changes ``{field: (None, value)}``, made
from the record as it is now (``Records.as_record``); a record id it does not answer for
gets no changes (central then refuses the create as invalid, and it is quarantined)."""


@dataclass(frozen=True)
class QueuedOp:
    """An outbox row as support staff see it (no field values: they may be personal)."""

    seq: int
    op_id: str
    kind: str
    record_id: str
    action: str
    fields: tuple[str, ...]
    state: str
    attempts: int
    recorded_at: datetime
    last_attempt_at: datetime | None
    last_error: str


def enqueue(
    conn: Connection,
    *,
    kind: str,
    record_id: str,
    action: Action,
    changes: Mapping[str, Sequence[Any]] | None,
    base_version: int,
    at: datetime,
    op_id: str | None = None,
) -> str:
    """Queue one op; ``op_id`` defaults to a new id (a record's first create uses the
    record's own id: unique already, and one id fewer on the wire). ``changes`` None: a
    create queued as the record is (AS_RECORD)."""
    op_id = op_id or new_id()
    conn.execute(
        _outbox.insert(),
        {
            "op_id": op_id,
            "kind": kind,
            "record_id": record_id,
            "action": action.value,
            "changes": None
            if changes is None
            else {name: list(pair) for name, pair in changes.items()},
            "base_version": base_version,
            "recorded_at": at,
            "state": PENDING,
            "attempts": 0,
            "last_error": "",
        },
    )
    return op_id


def _as_records(rows: Sequence[Any], as_record: AsRecord) -> dict[tuple[str, str], Changes]:
    """The changes of the rows queued as the record is, one ``as_record`` call per kind."""
    wanted: dict[str, list[str]] = {}
    for row in rows:
        if row.changes is None:
            wanted.setdefault(row.kind, []).append(row.record_id)
    made: dict[tuple[str, str], Changes] = {}
    for kind, record_ids in wanted.items():
        for record_id, changes in as_record(kind, record_ids).items():
            made[(kind, record_id)] = changes
    return made


def _changes(row: Any, made: Mapping[tuple[str, str], Changes]) -> Changes:
    if row.changes is None:
        return made.get((row.kind, row.record_id), {})
    changes: Changes = row.changes
    return changes


def _to_op(row: Any, made: Mapping[tuple[str, str], Changes]) -> Op:
    return Op(
        op_id=row.op_id,
        kind=row.kind,
        record_id=row.record_id,
        action=Action(row.action),
        changes={name: (pair[0], pair[1]) for name, pair in _changes(row, made).items()},
        base_version=row.base_version,
        recorded_at=timestamp_to_wire(row.recorded_at) or "",
    )


def pending(
    conn: Connection, *, after_seq: int, limit: int, as_record: AsRecord
) -> list[tuple[int, Op]]:
    """Pending ops after a local position, oldest first, with their positions."""
    rows = conn.execute(
        sa.select(_outbox)
        .where(_outbox.c.state == PENDING, _outbox.c.seq > after_seq)
        .order_by(_outbox.c.seq)
        .limit(limit)
    ).all()
    made = _as_records(rows, as_record)
    return [(int(row.seq), _to_op(row, made)) for row in rows]


def pending_changes(
    conn: Connection, record_ids: Iterable[str], *, as_record: AsRecord
) -> dict[str, list[Changes]]:
    """The changes of every op not yet applied by central, per record, oldest first."""
    out: dict[str, list[Changes]] = {}
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            sa.select(_outbox.c.kind, _outbox.c.record_id, _outbox.c.changes)
            .where(_outbox.c.record_id.in_(chunk), _outbox.c.state != REFUSED)
            .order_by(_outbox.c.seq)
        ).all()
        made = _as_records(rows, as_record)
        for row in rows:
            out.setdefault(row.record_id, []).append(_changes(row, made))
    return out


def take_all(conn: Connection, record_id: str, *, as_record: AsRecord) -> list[tuple[str, Changes]]:
    """Every op of a record still here, whatever its state, oldest first, as (op id,
    changes), and removed: the record left this device's reach (``SyncSide`` keeps what
    they changed in a conflict, so nothing is dropped in silence)."""
    rows = conn.execute(
        sa.select(_outbox.c.op_id, _outbox.c.kind, _outbox.c.record_id, _outbox.c.changes)
        .where(_outbox.c.record_id == record_id)
        .order_by(_outbox.c.seq)
    ).all()
    made = _as_records(rows, as_record)
    conn.execute(_outbox.delete().where(_outbox.c.record_id == record_id))
    return [(row.op_id, _changes(row, made)) for row in rows]


def mark_attempt(conn: Connection, op_ids: Sequence[str], *, at: datetime) -> None:
    conn.execute(
        _outbox.update()
        .where(_outbox.c.op_id.in_(op_ids))
        .values(attempts=_outbox.c.attempts + 1, last_attempt_at=at)
    )


def note_error(conn: Connection, op_ids: Sequence[str], error: str) -> None:
    """Keep the last failure on ops that stay pending (a cut link, a refusal)."""
    conn.execute(_outbox.update().where(_outbox.c.op_id.in_(op_ids)).values(last_error=error))


def remove_many(conn: Connection, op_ids: Sequence[str]) -> None:
    """Drop ops central has answered for (applied, or answered with a conflict)."""
    for start in range(0, len(op_ids), 500):
        conn.execute(_outbox.delete().where(_outbox.c.op_id.in_(op_ids[start : start + 500])))


def quarantine(conn: Connection, op_id: str, reason: str, *, state: str = QUARANTINED) -> None:
    conn.execute(
        _outbox.update().where(_outbox.c.op_id == op_id).values(state=state, last_error=reason)
    )


def drop_refused(conn: Connection, record_id: str, code: str) -> int:
    """Drop the ops of ``record_id`` central refused with ``code`` (quarantined); returns
    how many. For when what they carried travels again another way."""
    return int(
        conn.execute(
            _outbox.delete().where(
                _outbox.c.record_id == record_id,
                _outbox.c.state == QUARANTINED,
                _outbox.c.last_error.startswith(f"{code}:"),
            )
        ).rowcount
    )


def release(conn: Connection, op_id: str | None = None) -> int:
    """Put held ops (one, or all) back in line; returns how many."""
    stmt = _outbox.update().where(_outbox.c.state.in_(HELD))
    if op_id is not None:
        stmt = stmt.where(_outbox.c.op_id == op_id)
    return int(conn.execute(stmt.values(state=PENDING)).rowcount)


def listing(conn: Connection, *, as_record: AsRecord) -> list[QueuedOp]:
    rows = conn.execute(sa.select(_outbox).order_by(_outbox.c.seq)).all()
    made = _as_records(rows, as_record)
    return [
        QueuedOp(
            seq=int(row.seq),
            op_id=row.op_id,
            kind=row.kind,
            record_id=row.record_id,
            action=row.action,
            fields=tuple(sorted(_changes(row, made))),
            state=row.state,
            attempts=row.attempts,
            recorded_at=row.recorded_at,
            last_attempt_at=row.last_attempt_at,
            last_error=row.last_error,
        )
        for row in rows
    ]


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(sa.select(_outbox.c.state, sa.func.count()).group_by(_outbox.c.state))
    out = {PENDING: 0, QUARANTINED: 0, REFUSED: 0}
    out.update({state: int(n) for state, n in rows})
    return out
