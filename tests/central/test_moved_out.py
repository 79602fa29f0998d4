"""A record moved out of a device's reach reaches that device as "moved out" (issue 15,
item 6): the version that moved it keeps the unit it left, and pull serves that unit's
devices the record's id alone, marked, never its new unit or values."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from central.tables import RecordVersion
from sync.protocol import OpStatus
from tests.central.conftest import (
    OTHER_VILLAGE,
    TOWN,
    VILLAGE,
    Device,
    create_op,
    update_op,
)

Enroll = Callable[..., Device]


def test_a_moved_record_reaches_its_old_village_as_moved_out(
    enroll: Enroll, session: Session
) -> None:
    clerk, other, town = enroll(VILLAGE), enroll(OTHER_VILLAGE), enroll(TOWN, "town")
    op = create_op()
    clerk.push(op)
    _, cursor = clerk.pull_all()
    _, other_cursor = other.pull_all()
    move = update_op(op.record_id, {"org_code": (VILLAGE, OTHER_VILLAGE)})
    assert town.push(move).results[0].status is OpStatus.APPLIED
    stmt = select(RecordVersion).where(col(RecordVersion.record_id) == op.record_id)
    versions = session.exec(stmt.order_by(col(RecordVersion.version))).all()
    assert [(v.org_code, v.moved_from) for v in versions] == [
        (VILLAGE, None),
        (OTHER_VILLAGE, VILLAGE),
    ]

    [gone], _ = clerk.pull_all(cursor)
    assert gone.moved_out and gone.record == {"id": op.record_id}
    assert gone.kind == "disclosure" and gone.seq == versions[-1].seq
    [arrived], _ = other.pull_all(other_cursor)
    assert not arrived.moved_out and arrived.record["org_code"] == OTHER_VILLAGE
    # The town reaches both units: the record itself, not a move.
    changes, _ = town.pull_all()
    assert [(c.moved_out, c.record["org_code"]) for c in changes] == [(False, OTHER_VILLAGE)]
    # Later edits in its new unit are never served to the old one.
    edit = update_op(op.record_id, {"title": ("财务计划公开", "改")}, base=2)
    assert other.push(edit).results[0].status is OpStatus.APPLIED
    _, after = clerk.pull_all(cursor)
    assert clerk.pull_all(after)[0] == []


def test_a_record_moved_back_is_served_again(enroll: Enroll) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    op = create_op()
    clerk.push(op)
    town.push(update_op(op.record_id, {"org_code": (VILLAGE, OTHER_VILLAGE)}))
    town.push(update_op(op.record_id, {"org_code": (OTHER_VILLAGE, VILLAGE)}, base=2))
    changes, _ = clerk.pull_all()
    assert [(c.moved_out, c.record["org_code"]) for c in changes] == [(False, VILLAGE)]
