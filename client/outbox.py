"""The outbox: local changes waiting for central, in order, each idempotent by op_id.

Every function works inside the caller's transaction. An op leaves the outbox
only when central has answered for it; one that central rejects as invalid is
quarantined with the reason, so it never blocks the ops behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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

_outbox = OutboxOp.__table__  # type: ignore[attr-defined]


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
    changes: Mapping[str, Sequence[Any]],
    base_version: int,
    at: datetime,
    op_id: str | None = None,
) -> str:
    """Queue one op; ``op_id`` defaults to a new id (a record's first create uses the
    record's own id: unique already, and one id fewer on the wire)."""
    op_id = op_id or new_id()
    conn.execute(
        _outbox.insert(),
        {
            "op_id": op_id,
            "kind": kind,
            "record_id": record_id,
            "action": action.value,
            "changes": {name: list(pair) for name, pair in changes.items()},
            "base_version": base_version,
            "recorded_at": at,
            "state": PENDING,
            "attempts": 0,
            "last_error": "",
        },
    )
    return op_id


def _to_op(row: Any) -> Op:
    return Op(
        op_id=row.op_id,
        kind=row.kind,
        record_id=row.record_id,
        action=Action(row.action),
        changes={name: (pair[0], pair[1]) for name, pair in row.changes.items()},
        base_version=row.base_version,
        recorded_at=timestamp_to_wire(row.recorded_at) or "",
    )


def pending(conn: Connection, *, after_seq: int, limit: int) -> list[tuple[int, Op]]:
    """Pending ops after a local position, oldest first, with their positions."""
    rows = conn.execute(
        sa.select(_outbox)
        .where(_outbox.c.state == PENDING, _outbox.c.seq > after_seq)
        .order_by(_outbox.c.seq)
        .limit(limit)
    )
    return [(int(row.seq), _to_op(row)) for row in rows]


def pending_changes(conn: Connection, record_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """The changes of every op not yet applied by central, per record, oldest first."""
    out: dict[str, list[dict[str, Any]]] = {}
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            sa.select(_outbox.c.record_id, _outbox.c.changes)
            .where(_outbox.c.record_id.in_(chunk))
            .order_by(_outbox.c.seq)
        )
        for record_id, changes in rows:
            out.setdefault(record_id, []).append(changes)
    return out


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


def quarantine(conn: Connection, op_id: str, reason: str) -> None:
    conn.execute(
        _outbox.update()
        .where(_outbox.c.op_id == op_id)
        .values(state=QUARANTINED, last_error=reason)
    )


def release(conn: Connection, op_id: str | None = None) -> int:
    """Put quarantined ops (one, or all) back in line; returns how many."""
    stmt = _outbox.update().where(_outbox.c.state == QUARANTINED)
    if op_id is not None:
        stmt = stmt.where(_outbox.c.op_id == op_id)
    return int(conn.execute(stmt.values(state=PENDING)).rowcount)


def listing(conn: Connection) -> list[QueuedOp]:
    rows = conn.execute(sa.select(_outbox).order_by(_outbox.c.seq))
    return [
        QueuedOp(
            seq=int(row.seq),
            op_id=row.op_id,
            kind=row.kind,
            record_id=row.record_id,
            action=row.action,
            fields=tuple(sorted(row.changes)),
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
    out = {PENDING: 0, QUARANTINED: 0}
    out.update({state: int(n) for state, n in rows})
    return out
