"""Scope covers references (issue 15, item 5), at central's end: a record names only
records its writer reaches, and a record out of reach is answered exactly as one that
does not exist; a natural key held in another village is answered without naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from models.ids import new_id
from models.records import Disclosure, Feedback, SubsidyPayment
from sync.protocol import ConflictType, Op, OpResult, OpStatus
from tests.central.conftest import (
    DISTRICT,
    OTHER_TOWN_VILLAGE,
    OTHER_VILLAGE,
    TOWN,
    VILLAGE,
    Device,
    create_op,
    delete_op,
    update_op,
)

Enroll = Callable[..., Device]
ID_NUMBER = "11010519491231002X"


def project(org_code: str) -> Op:
    return create_op(
        "subsidy_project", org_code=org_code, name="耕地地力保护补贴", category="agriculture"
    )


def payment(org_code: str, project_id: str, id_number: str = ID_NUMBER) -> Op:
    return create_op(
        "subsidy_payment",
        org_code=org_code,
        project_id=project_id,
        recipient_name="张三",
        id_number=id_number,
        amount_fen=10000,
    )


def refusal_of(result: OpResult) -> tuple[Any, ...]:
    """What the device is told, less the op's own id: must not differ between an unknown
    record and one out of reach."""
    error = result.error
    assert error is not None
    return (result.status, error.code, error.field, error.rule, error.message, error.record)


def test_a_payment_naming_another_villages_project_is_refused_as_a_missing_one(
    enroll: Enroll, session: Session
) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(OTHER_VILLAGE)
    theirs = project(VILLAGE)
    assert town.push(theirs).results[0].status is OpStatus.APPLIED
    assert town.push(payment(VILLAGE, theirs.record_id)).results[0].status is OpStatus.APPLIED
    # The guessed id number matches the other village's line: still nothing is learnt.
    [foreign] = clerk.push(payment(OTHER_VILLAGE, theirs.record_id)).results
    [missing] = clerk.push(payment(OTHER_VILLAGE, new_id())).results
    assert refusal_of(foreign) == refusal_of(missing)
    assert foreign.error is not None
    assert (foreign.error.rule, foreign.error.field) == ("unknown_reference", "project_id")
    assert theirs.record_id not in foreign.model_dump_json()
    # Its own project is named freely.
    own = project(OTHER_VILLAGE)
    results = clerk.push(own, payment(OTHER_VILLAGE, own.record_id)).results
    assert [r.status for r in results] == [OpStatus.APPLIED, OpStatus.APPLIED]
    rows = session.exec(select(SubsidyPayment.org_code)).all()
    assert sorted(rows) == [VILLAGE, OTHER_VILLAGE]


def test_an_edit_pointing_a_payment_at_another_villages_project_is_refused(
    enroll: Enroll,
) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(OTHER_VILLAGE)
    theirs, own = project(VILLAGE), project(OTHER_VILLAGE)
    line = payment(OTHER_VILLAGE, own.record_id)
    town.push(theirs)
    assert [r.status for r in clerk.push(own, line).results] == [OpStatus.APPLIED] * 2
    moved = {"project_id": (own.record_id, theirs.record_id)}
    [result] = clerk.push(update_op(line.record_id, moved, kind="subsidy_payment")).results
    assert result.error is not None and result.error.rule == "unknown_reference"


def test_a_duplicate_key_held_in_another_village_names_no_record(enroll: Enroll) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(OTHER_VILLAGE)
    shared = project(VILLAGE)
    held = payment(VILLAGE, shared.record_id)
    # The town pays a person of its other village under the same project.
    mine = payment(OTHER_VILLAGE, shared.record_id, id_number="110105194912310038")
    assert [r.status for r in town.push(shared, held, mine).results] == [OpStatus.APPLIED] * 3
    typed = {"id_number": ("110105194912310038", ID_NUMBER)}
    [result] = clerk.push(update_op(mine.record_id, typed, kind="subsidy_payment")).results
    [conflict] = result.conflicts
    assert conflict.type is ConflictType.DUPLICATE
    assert (conflict.theirs, conflict.version, conflict.record) == (None, 0, None)
    dumped = result.model_dump_json()
    assert held.record_id not in dumped and VILLAGE not in dumped
    # The town reaches both lines: it is told which line holds the key.
    again = payment(OTHER_VILLAGE, shared.record_id)
    [told] = town.push(again).results
    assert told.conflicts[0].theirs == held.record_id


def _warning(org_code: str) -> Op:
    return create_op(
        "warning",
        org_code=org_code,
        doc_type="suggestion",
        title="关于规范三务公开的监督建议书",
        problems="财务公开逾期",
        reply_due="2026-12-20",
    )


def _feedback(org_code: str, warning_id: str) -> Op:
    return create_op(
        "feedback",
        org_code=org_code,
        warning_id=warning_id,
        reported_on="2026-12-10",
        progress="已整改",
        completed=True,
        rectified=["1"],
    )


def test_feedback_for_another_villages_warning_is_refused_as_a_missing_one(
    enroll: Enroll, session: Session
) -> None:
    supervisor, clerk = enroll(DISTRICT, "supervisor"), enroll(OTHER_VILLAGE)
    theirs = _warning(VILLAGE)
    assert supervisor.push(theirs).results[0].status is OpStatus.APPLIED
    [foreign] = clerk.push(_feedback(OTHER_VILLAGE, theirs.record_id)).results
    [missing] = clerk.push(_feedback(OTHER_VILLAGE, new_id())).results
    assert refusal_of(foreign) == refusal_of(missing)
    assert foreign.error is not None
    assert (foreign.error.rule, foreign.error.field) == ("unknown_reference", "warning_id")
    assert session.exec(select(Feedback)).all() == []


def test_a_duplicate_payment_finding_counts_lines_outside_scope_without_naming_them(
    enroll: Enroll,
) -> None:
    own, far = enroll(VILLAGE), enroll(OTHER_TOWN_VILLAGE)
    town = enroll(TOWN, "town")
    lines = {}
    for device, unit in ((own, VILLAGE), (far, OTHER_TOWN_VILLAGE)):
        made = project(unit)
        line = payment(unit, made.record_id)
        assert [r.status for r in device.push(made, line).results] == [OpStatus.APPLIED] * 2
        lines[unit] = (made.record_id, line.record_id)
    answer = town.send("/v1/findings/duplicate-payments", b"", method="GET")
    [group] = answer.json()["groups"]
    assert [p["payment_id"] for p in group["payments"]] == [lines[VILLAGE][1]]
    assert group["outside"] == 1
    assert not any(
        value in answer.text for value in (*lines[OTHER_TOWN_VILLAGE], OTHER_TOWN_VILLAGE)
    )


def test_an_edit_or_delete_of_another_villages_record_is_answered_as_a_missing_one(
    enroll: Enroll, session: Session
) -> None:
    clerk, other = enroll(VILLAGE), enroll(OTHER_VILLAGE)
    theirs = create_op()
    clerk.push(theirs)
    ghost = new_id()

    def answers(record_id: str) -> list[tuple[Any, ...]]:
        ops = [
            update_op(record_id, {"title": ("财务计划公开", "x")}),
            update_op(record_id, {"title": ("财务计划公开", "  bad  ")}),
            delete_op(record_id),
        ]
        return [
            (r.status, r.error.code, r.error.field, r.error.rule, r.error.record,
             r.error.message.replace(record_id, "ID"))
            for r in other.push(*ops).results
            if r.error is not None
        ]  # fmt: skip

    assert answers(theirs.record_id) == answers(ghost)
    assert len(answers(ghost)) == 3
    row = session.get(Disclosure, theirs.record_id)
    assert row is not None and (row.version, row.deleted) == (1, False)
