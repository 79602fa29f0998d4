"""The rules both ends apply, at central's end: every step of a warning and every refusal,
as pushed ops from real devices (the app in process, signed requests over httpx).
The same table judges a device's own changes before it saves them
(tests/client/test_supervision.py); models.rules is tested alone in tests/models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from models.kinds import kind_spec
from models.records import Disclosure, Feedback, SupervisionWarning
from models.rules.actors import Actor, Side
from models.rules.disclosures import Step, plan
from models.rules.permissions import check_change
from sync.protocol import Op, OpResult
from tests.central.conftest import (
    TOWN,
    VILLAGE,
    Device,
    create_op,
    delete_op,
    disclosure_fields,
    update_op,
)

DISTRICT = "150202000000"
OTHER_VILLAGE = "150202101201"


@pytest.fixture
def sides(enroll: Any) -> tuple[Device, Device]:
    return enroll(DISTRICT, "supervisor"), enroll(VILLAGE)


def applied(result: OpResult) -> bool:
    return result.status.value == "applied"


def refused(result: OpResult, rule: str) -> bool:
    error = result.error
    return (
        result.status.value == "rejected"
        and error is not None
        and (error.code, error.rule) == ("forbidden_field", rule)
    )


def issue(supervisor: Device, **overrides: Any) -> Op:
    fields = {
        "org_code": VILLAGE,
        "doc_type": "suggestion",
        "title": "关于规范三务公开的监督建议书",
        "problems": "财务公开逾期\n未上传公开栏照片\n缺少监委会意见",
        "reply_due": "2026-12-20",
    } | overrides
    op = create_op("warning", **fields)
    assert applied(supervisor.push(op).results[0])
    return op


def report(warning: Op, *, completed: bool, items: list[str]) -> Op:
    return create_op(
        "feedback",
        org_code=VILLAGE,
        warning_id=warning.record_id,
        reported_on="2026-12-10",
        progress="已整改",
        completed=completed,
        rectified=items,
    )


def status(warning: Op, before: str, after: str, version: int, **extra: Any) -> Op:
    changes = {"status": (before, after)} | extra
    return update_op(warning.record_id, changes, kind="warning", base=version)


def test_the_whole_loop_of_steps(sides: tuple[Device, Device], session: Any) -> None:
    supervisor, clerk = sides
    warning = issue(supervisor)
    signed = status(warning, "issued", "received", 1, received_on=(None, "2026-12-06"))
    assert applied(clerk.push(signed).results[0])
    done = report(warning, completed=True, items=["1", "2"])
    verifying = status(warning, "received", "verifying", 2)
    assert [applied(r) for r in clerk.push(done, verifying).results] == [True, True]
    # The supervisor returns it with a reason the unit reads.
    verdict = update_op(
        done.record_id,
        {"verdict": ("", "returned"), "verdict_note": ("", "照片不清楚")},
        kind="feedback",
    )
    back = status(warning, "verifying", "returned", 3, return_reason=("", "照片不清楚"))
    assert [applied(r) for r in supervisor.push(verdict, back).results] == [True, True]
    again = report(warning, completed=True, items=["3"])
    verifying_again = status(warning, "returned", "verifying", 4)
    assert [applied(r) for r in clerk.push(again, verifying_again).results] == [True, True]
    accept = update_op(again.record_id, {"verdict": ("", "accepted")}, kind="feedback")
    close = status(
        warning,
        "verifying",
        "closed",
        5,
        closed_on=(None, "2026-12-12"),
        rectified=([], ["1", "2", "3"]),
    )
    assert [applied(r) for r in supervisor.push(accept, close).results] == [True, True]
    row = session.get(SupervisionWarning, warning.record_id)
    assert (row.status, row.rectified, row.return_reason) == (
        "closed",
        ["1", "2", "3"],
        "照片不清楚",
    )


def test_a_unit_cannot_issue_close_or_reopen(sides: tuple[Device, Device]) -> None:
    supervisor, clerk = sides
    own = create_op(
        "warning", org_code=VILLAGE, doc_type="warning", title="自己下发", reply_due="2026-12-20"
    )
    assert refused(clerk.push(own).results[0], "supervisor_only")
    warning = issue(supervisor)
    closing = clerk.push(status(warning, "issued", "closed", 1)).results[0]
    assert refused(closing, "supervisor_only")
    assert refused(
        clerk.push(delete_op(warning.record_id, kind="warning")).results[0], "supervisor_only"
    )
    title = update_op(
        warning.record_id, {"title": ("关于规范三务公开的监督建议书", "改")}, kind="warning"
    )
    assert refused(clerk.push(title).results[0], "not_yours")


def test_verifying_needs_the_report_of_the_work_done(sides: tuple[Device, Device]) -> None:
    supervisor, clerk = sides
    warning = issue(supervisor)
    clerk.push(status(warning, "issued", "received", 1, received_on=(None, "2026-12-06")))
    alone = status(warning, "received", "verifying", 2)
    answer = clerk.push(alone).results[0]
    assert refused(answer, "verify_needs_report")
    # The refusal brings central's record back, so the device can agree again.
    assert answer.error is not None and answer.error.record is not None
    assert answer.error.record["status"] == "received"


def test_a_closed_warning_and_a_judged_feedback_are_immutable_to_the_unit(
    sides: tuple[Device, Device], session: Any
) -> None:
    supervisor, clerk = sides
    warning = issue(supervisor)
    clerk.push(status(warning, "issued", "received", 1, received_on=(None, "2026-12-06")))
    done = report(warning, completed=True, items=["1", "2", "3"])
    clerk.push(done, status(warning, "received", "verifying", 2))
    supervisor.push(
        update_op(done.record_id, {"verdict": ("", "accepted")}, kind="feedback"),
        status(warning, "verifying", "closed", 3, closed_on=(None, "2026-12-12")),
    )
    reopen = status(warning, "closed", "rectifying", 4)
    clear = update_op(done.record_id, {"verdict": ("accepted", "")}, kind="feedback", base=2)
    edit = update_op(done.record_id, {"progress": ("已整改", "改")}, kind="feedback", base=2)
    gone = delete_op(done.record_id, kind="feedback", base=2)
    answers = clerk.push(reopen, clear, edit, gone).results
    assert refused(answers[0], "closed")
    assert all(refused(answer, "judged") for answer in answers[1:])
    assert session.get(Feedback, done.record_id).verdict == "accepted"
    assert session.get(SupervisionWarning, warning.record_id).status == "closed"


def test_a_supervisor_cannot_sign_report_or_judge_twice(sides: tuple[Device, Device]) -> None:
    supervisor, clerk = sides
    warning = issue(supervisor)
    assert refused(
        supervisor.push(status(warning, "issued", "received", 1)).results[0], "unit_only"
    )
    clerk.push(status(warning, "issued", "received", 1, received_on=(None, "2026-12-06")))
    for_them = report(warning, completed=True, items=["1"])
    assert refused(supervisor.push(for_them).results[0], "unit_only")
    early = report(warning, completed=False, items=[])
    clerk.push(early, status(warning, "received", "rectifying", 2))
    judged = update_op(early.record_id, {"verdict": ("", "accepted")}, kind="feedback")
    assert refused(supervisor.push(judged).results[0], "verdict_when_verifying")


def test_feedback_names_only_the_warnings_problems(sides: tuple[Device, Device]) -> None:
    supervisor, clerk = sides
    warning = issue(supervisor)
    clerk.push(status(warning, "issued", "received", 1, received_on=(None, "2026-12-06")))
    answer = clerk.push(report(warning, completed=False, items=["4"])).results[0]
    assert refused(answer, "unknown_items")
    assert answer.error is not None and answer.error.params == {"items": "4", "count": "3"}


def test_a_feedback_on_a_warning_out_of_reach_is_refused(enroll: Any) -> None:
    supervisor, other = enroll(DISTRICT, "supervisor"), enroll(OTHER_VILLAGE)
    warning = issue(supervisor)
    stranger = create_op(
        "feedback",
        org_code=OTHER_VILLAGE,
        warning_id=warning.record_id,
        reported_on="2026-12-10",
        progress="x",
    )
    # Answered as a warning that does not exist (models.rules.references).
    assert refused(other.push(stranger).results[0], "unknown_reference")


def test_clues_are_the_supervising_sides(enroll: Any) -> None:
    supervisor, town, clerk = (
        enroll(DISTRICT, "supervisor"),
        enroll("150202101000", "town"),
        enroll(VILLAGE),
    )
    clue = {
        "org_code": VILLAGE,
        "source": "hotline",
        "problem": "fake",
        "description": "公开栏内容与实际不符",
        "received_on": "2026-12-01",
    }
    assert refused(clerk.push(create_op("clue", **clue)).results[0], "supervisor_only")
    assert applied(town.push(create_op("clue", **clue)).results[0])
    secret = create_op("clue", **clue, reporter_contact="13812345678")
    assert refused(town.push(secret).results[0], "not_yours")
    assert applied(
        supervisor.push(create_op("clue", **clue, reporter_contact="13812345678")).results[0]
    )
    # The village never receives clues about itself; the town receives them without the
    # reporter; the supervisor with it.
    assert all(change.kind != "clue" for change in clerk.pull_all()[0])
    town_clues = [c.record for c in town.pull_all()[0] if c.kind == "clue"]
    assert town_clues and all(c["reporter_contact"] == "" for c in town_clues)
    colleague = enroll(DISTRICT, "supervisor")
    seen = [c.record for c in colleague.pull_all()[0] if c.kind == "clue"]
    assert any(c["reporter_contact"] == "13812345678" for c in seen)


def test_a_closed_years_duty_evidence_is_refused(enroll: Any) -> None:
    """A raw pushed op backdating evidence into a closed year is refused by central with
    the rule and year the device's own check names (``models.rules.duty``)."""
    clerk = enroll(VILLAGE)
    closed = date.today().year - 2  # closed whatever the month
    fields = {"org_code": VILLAGE, "indicator_code": "ZT-001", "description": "补记党组会议"}
    backdated = create_op("duty_evidence", **fields, occurred_on=f"{closed}-03-01")
    result = clerk.push(backdated).results[0]
    assert refused(result, "evidence_year_closed")
    assert result.error is not None and result.error.params == {"year": str(closed)}
    assert result.error.field == "occurred_on"
    own = create_op("duty_evidence", **fields, occurred_on=date.today().isoformat())
    assert applied(clerk.push(own).results[0])
    moved = {"occurred_on": (date.today().isoformat(), f"{closed}-12-01")}
    back = clerk.push(update_op(own.record_id, moved, kind="duty_evidence")).results[0]
    assert refused(back, "evidence_year_closed")
    assert applied(clerk.push(delete_op(own.record_id, kind="duty_evidence")).results[0])


def test_only_the_town_publishes_a_villages_disclosure(enroll: Any, session: Any) -> None:
    """Town review at central: a clerk's raw op publishing its own submitted disclosure
    is refused with the very refusal the device's check gives; the town's approve (as
    the store plans it) is applied."""
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    draft = create_op("disclosure", **disclosure_fields())
    submit = update_op(
        draft.record_id,
        {"status": ("draft", "submitted"), "submitted_on": (None, date.today().isoformat())},
    )
    assert [applied(r) for r in clerk.push(draft, submit).results] == [True, True]
    current = (
        kind_spec("disclosure").defaults()
        | disclosure_fields()
        | {"id": draft.record_id, "status": "submitted", "submitted_on": date.today().isoformat()}
    )
    publish = {"status": ("submitted", "published")}
    result = clerk.push(update_op(draft.record_id, publish, base=2)).results[0]
    device = Actor("clerk", VILLAGE, (VILLAGE,))
    expected = check_change(device, "disclosure", current, publish, _NoLookup())
    assert expected is not None and expected.rule == "review_publishes"
    assert refused(result, expected.rule)
    assert result.error is not None and result.error.params == dict(expected.params)
    assert expected.english() in result.error.message
    assert session.get(Disclosure, draft.record_id).status == "submitted"
    planned = plan(
        Step.APPROVE,
        current,
        side=Side.SUPERVISOR,
        level="village",
        today=date.today(),
        reviewer_name="沙尔沁镇",
    )
    approve = {name: (current.get(name), value) for name, value in planned.items()}
    assert applied(town.push(update_op(draft.record_id, approve, base=2)).results[0])
    session.expire_all()
    row = session.get(Disclosure, draft.record_id)
    assert (row.status, row.reviewed_by) == ("published", "沙尔沁镇")


class _NoLookup:
    """The device's check on a disclosure reads no other record."""

    def record(self, kind: str, record_id: str) -> Mapping[str, Any] | None:
        return None

    def feedback_of(self, warning_id: str) -> list[Mapping[str, Any]]:
        return []
