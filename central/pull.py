"""Serving the change log: the latest state of records changed after a cursor, in scope.

The counter is read first and the page is cut at it: every change numbered
up to that value was committed before it (a writer takes its numbers from the
counter row just before its commit and holds it until then: central.changelog),
so a cursor handed out here never skips a change, whatever the isolation level.
A device never gets its own changes back: its push answers already told it their
version and change number.

A record moved to a unit the device does not reach is served as "moved out" (its id
alone): the version that moved it keeps the unit it left (``record_version.moved_from``),
so the devices of that unit hear of it, drop their copy and make a conflict of any edit
they have pending, instead of holding a stale copy whose next edit is refused.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Table
from sqlmodel import Session, select

from central.at_rest import AtRest
from central.changelog import change_check, last_seq
from central.district_settings import late_share
from central.reach import reaches
from central.tables import Device, RecordVersion
from models.kinds import KINDS, KindSpec, row_to_wire
from models.visibility import visible_record
from sync.protocol import Change, PullResponse

__all__ = ["last_seq", "pull"]


def _moved_out(
    wanted: dict[str, dict[str, int]], served: set[tuple[str, str]]
) -> list[tuple[int, KindSpec, Any]]:
    """Records of the page the device reached at that change but reaches no more: each
    (its change number, its kind, its id) to be served as moved out."""
    return [
        (seq, KINDS[kind], record_id)
        for kind, ids in wanted.items()
        for record_id, seq in ids.items()
        if (kind, record_id) not in served
    ]


def pull(
    session: Session, *, device: Device, after: int, limit: int, after_check: str | None = None
) -> PullResponse:
    """One page of changes after ``after`` within the device's scope, in change order.

    A cursor past the newest change, or one whose ``after_check`` names another change
    than the log's, is answered ``behind`` with nothing served: central was restored from
    an older backup and the device must say what it made since (``sync.engine``).

    The page is cut from the change log (one row per applied version), not from
    the records: a record is served when any version after the cursor came from
    another device, even if this device made the latest one. Serving by the
    record's latest author alone would hide another device's earlier edit from a
    device that edited the same record after it.
    """
    limit = max(1, limit)
    top = last_seq(session)
    if after > top or (after_check is not None and after_check != change_check(session, after)):
        return _answer(
            session,
            device,
            changes=[],
            cursor=top,
            more=False,
            cursor_check=change_check(session, top),
            behind=True,
        )
    log = cast(Table, RecordVersion.__table__)  # type: ignore[attr-defined]
    entries = session.execute(
        select(log.c.seq, log.c.kind, log.c.record_id)
        .where(
            log.c.seq > after,
            log.c.seq <= top,
            sa.or_(
                reaches(log.c.org_code, log.c.kind, device),
                sa.and_(
                    log.c.moved_from.is_not(None), reaches(log.c.moved_from, log.c.kind, device)
                ),
            ),
            log.c.device_id != device.id,
        )
        .order_by(log.c.seq)
        .limit(limit + 1)
    ).all()
    more = len(entries) > limit
    entries = entries[:limit]
    wanted: dict[str, dict[str, int]] = {}
    for seq, kind, record_id in entries:
        wanted.setdefault(kind, {})[record_id] = seq
    found: list[tuple[int, KindSpec, Any]] = []
    for kind, ids in wanted.items():
        spec = KINDS[kind]
        # Plain rows, not ORM objects: a 5,000-row page is served in half the time.
        table: Table = spec.table.__table__  # type: ignore[attr-defined]
        id_list = list(ids)
        for start in range(0, len(id_list), 500):
            stmt = select(*table.columns).where(
                table.c.id.in_(id_list[start : start + 500]),
                reaches(table.c.org_code, sa.literal(kind), device),
            )
            found.extend((ids[row.id], spec, row) for row in session.execute(stmt))
    found.extend(_moved_out(wanted, {(spec.name, row.id) for _seq, spec, row in found}))
    found.sort(key=lambda item: item[0])
    # row_to_wire only reads attributes, which a Core row has under the same names.
    # Personal columns are opened (the rest is never touched); a device never gets a token.
    role = device.role
    at_rest = AtRest.of(session)
    changes: list[Change] = []
    for seq, spec, row in found:
        if isinstance(row, str):  # its id: moved out of the device's reach
            changes.append(Change(kind=spec.name, seq=seq, record={"id": row}, moved_out=True))
            continue
        record = at_rest.wire(spec, row) if spec.personal else row_to_wire(spec, row)
        if shown := visible_record(spec, record, role):
            changes.append(Change(kind=spec.name, seq=row.seq, record=shown))
    cursor = entries[-1][0] if more else top
    known = cursor == after and after_check is not None
    check = after_check if known else change_check(session, cursor)
    return _answer(session, device, changes=changes, cursor=cursor, more=more, cursor_check=check)


def _answer(session: Session, device: Device, **page: Any) -> PullResponse:
    """A page with what every page carries (the device's scope, the district's late
    share); read only, so the read transaction ends here."""
    share = late_share(session)
    session.rollback()
    return PullResponse(**page, scope=device.scope, duty_late_share=share)
