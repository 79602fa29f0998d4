"""The warning state machine (``models.rules.warnings``), alone: every step from every
state for each side, every refusal, and a property over any sequence of steps."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.rules.actors import Actor, Side, side_of
from models.rules.refusals import RULES, Refused
from models.rules.warnings import (
    TRANSITIONS,
    Status,
    Step,
    check_feedback,
    check_warning,
    is_legal,
    plan,
    problem_items,
)

TODAY = date(2026, 11, 5)
VILLAGE = "150202101200"
WARNING_ID = "0190b7c4-0000-7000-8000-00000000000a"


def warning(status: Status = Status.ISSUED, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": WARNING_ID,
        "org_code": VILLAGE,
        "doc_type": "suggestion",
        "title": "关于三务公开问题的监督建议书",
        "problems": "财务公开逾期\n未上传公开栏照片\n\n缺少民主理财小组意见\n",
        "status": status.value,
        "received_on": None if status is Status.ISSUED else "2026-11-01",
        "closed_on": None,
        "return_reason": "",
        "rectified": [],
    }
    values.update(overrides)
    return values


def report(completed: bool = True, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "warning_id": WARNING_ID,
        "org_code": VILLAGE,
        "progress": "已补公开",
        "completed": completed,
        "rectified": ["1", "2"],
        "verdict": "",
        "verdict_note": "",
    }
    values.update(overrides)
    return values


def test_problems_are_items_one_per_line() -> None:
    assert problem_items(warning()["problems"]) == [
        "财务公开逾期",
        "未上传公开栏照片",
        "缺少民主理财小组意见",
    ]


def test_every_state_is_the_target_of_one_step() -> None:
    targets = [t.target for t in TRANSITIONS.values()]
    assert len(targets) == len(set(targets))
    assert set(targets) == set(Status) - {Status.ISSUED}


def test_every_refusal_has_its_sentence() -> None:
    for rule, text in RULES.items():
        assert text and rule


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("side", [Side.UNIT, Side.SUPERVISOR, None])
def test_each_step_from_each_state_for_each_side(step: Step, status: Status, side: Side) -> None:
    transition = TRANSITIONS[step]
    allowed = side is transition.side and status in transition.sources
    current = warning(status)
    judged = report() if step in (Step.ACCEPT, Step.RETURN) else None
    try:
        decided = plan(
            step, current, side=side, today=TODAY, feedback=judged, note="理由", rectified=["1"]
        )
    except Refused as refused:
        assert not allowed, refused.refusal
        return
    assert allowed
    if transition.target is not status:
        assert decided.warning["status"] == transition.target
    after = current | decided.warning
    feedback = [decided.feedback] if step in (Step.REPORT, Step.COMPLETE) else []
    if judged is not None:
        feedback = [judged | decided.feedback]
    assert is_legal(after, feedback)
    # What the plan writes, the checks of both kinds let the same side write.
    changes = {name: (current.get(name), value) for name, value in decided.warning.items()}
    if step in (Step.REPORT, Step.COMPLETE):
        new = {name: (None, value) for name, value in decided.feedback.items()}
        assert check_feedback(side, None, new, current) is None
    elif judged is not None:
        verdict = {name: (judged.get(name), value) for name, value in decided.feedback.items()}
        assert check_feedback(side, judged, verdict, current) is None
    assert check_warning(side, current, changes, feedback=feedback) is None


def test_sign_writes_the_day() -> None:
    decided = plan(Step.SIGN, warning(), side=Side.UNIT, today=TODAY)
    assert decided.warning == {"status": "received", "received_on": "2026-11-05"}


def test_complete_reports_the_items_rectified() -> None:
    decided = plan(
        Step.COMPLETE,
        warning(Status.RECTIFYING),
        side=Side.UNIT,
        today=TODAY,
        progress="三项均已整改",
        rectified=["3", "1", "1"],
    )
    assert decided.warning == {"status": "verifying"}
    assert decided.feedback["completed"] is True
    assert decided.feedback["rectified"] == ["1", "3"]


def test_a_report_names_only_the_warnings_problems() -> None:
    with pytest.raises(Refused) as refused:
        plan(Step.REPORT, warning(Status.RECEIVED), side=Side.UNIT, today=TODAY, rectified=["4"])
    assert refused.value.refusal.rule == "unknown_items"
    assert refused.value.refusal.params == {"items": "4", "count": "3"}


def test_accept_closes_and_counts_the_problems_rectified() -> None:
    current = warning(Status.VERIFYING, rectified=["3"])
    decided = plan(
        Step.ACCEPT, current, side=Side.SUPERVISOR, today=TODAY, feedback=report(), note="好"
    )
    assert decided.warning == {
        "status": "closed",
        "closed_on": "2026-11-05",
        "rectified": ["1", "2", "3"],
    }
    assert decided.feedback == {
        "verdict": "accepted",
        "verdict_note": "好",
        "judged_on": "2026-11-05",
    }


def test_accept_counts_what_earlier_reports_rectified() -> None:
    """Items 1 and 2 reported in a progress report, the claim of completion returned for
    item 3, item 3 reported and accepted: all three are rectified."""
    current = warning(Status.VERIFYING)
    decided = plan(
        Step.ACCEPT,
        current,
        side=Side.SUPERVISOR,
        today=TODAY,
        feedback=report(rectified=["3"]),
        reported=["2", "1", "3"],
    )
    assert decided.warning["rectified"] == ["1", "2", "3"]


def test_return_writes_the_reason_the_unit_reads() -> None:
    decided = plan(
        Step.RETURN,
        warning(Status.VERIFYING),
        side=Side.SUPERVISOR,
        today=TODAY,
        feedback=report(),
        note="照片不清楚",
    )
    assert decided.warning == {"status": "returned", "return_reason": "照片不清楚"}
    assert decided.feedback == {
        "verdict": "returned",
        "verdict_note": "照片不清楚",
        "judged_on": "2026-11-05",
    }


def test_a_verdict_needs_a_completed_unjudged_report() -> None:
    for feedback in (report(completed=False), report(verdict="accepted"), None):
        with pytest.raises(Refused):
            plan(
                Step.ACCEPT,
                warning(Status.VERIFYING),
                side=Side.SUPERVISOR,
                today=TODAY,
                feedback=feedback,
            )


# ---- changes from any device (what central checks on push) -----------------------------


def test_a_unit_cannot_move_a_warning_to_verifying_without_its_report() -> None:
    changes = {"status": ("rectifying", "verifying")}
    current = warning(Status.RECTIFYING)
    refused = check_warning(Side.UNIT, current, changes, feedback=[report(completed=False)])
    assert refused is not None and refused.rule == "verify_needs_report"
    assert check_warning(Side.UNIT, current, changes, feedback=[report()]) is None


def test_a_closed_warning_is_immutable_to_units() -> None:
    closed = warning(Status.CLOSED, closed_on="2026-11-04")
    refused = check_warning(Side.UNIT, closed, {"status": ("closed", "rectifying")})
    assert refused is not None and refused.rule == "closed"


def test_units_write_only_their_steps_fields() -> None:
    current = warning(Status.RECEIVED)
    for name in ("title", "reply_due", "rectified", "return_reason", "closed_on"):
        refused = check_warning(Side.UNIT, current, {name: (current.get(name), "x")})
        assert refused is not None and refused.rule == "not_yours", name
    assert check_warning(Side.UNIT, None, {"title": (None, "x")}) is not None
    assert check_warning(Side.UNIT, current, {}, deleting=True) is not None


def test_problems_and_unit_are_fixed_once_signed() -> None:
    current = warning(Status.RECEIVED)
    refused = check_warning(Side.SUPERVISOR, current, {"problems": (current["problems"], "x")})
    assert refused is not None and refused.rule == "fixed_after_issue"
    issued = warning()
    assert check_warning(Side.SUPERVISOR, issued, {"problems": (issued["problems"], "x")}) is None


def test_a_supervisor_cannot_sign_or_report_for_the_unit() -> None:
    current = warning()
    refused = check_warning(Side.SUPERVISOR, current, {"status": ("issued", "received")})
    assert refused is not None and refused.rule == "unit_only"
    assert check_feedback(Side.SUPERVISOR, None, {"progress": (None, "x")}, current) is not None


def test_a_unit_cannot_judge_change_or_delete_judged_feedback() -> None:
    verifying = warning(Status.VERIFYING)
    own = report()
    refused = check_feedback(Side.UNIT, own, {"verdict": ("", "accepted")}, verifying)
    assert refused is not None and refused.rule == "not_yours"
    judged = report(verdict="returned", verdict_note="不清楚")
    returned = warning(Status.RETURNED, return_reason="不清楚")
    refused = check_feedback(Side.UNIT, judged, {"progress": ("x", "y")}, returned)
    assert refused is not None and refused.rule == "judged"
    refused = check_feedback(Side.UNIT, judged, {"verdict": ("returned", "")}, returned)
    assert refused is not None and refused.rule == "judged"
    refused = check_feedback(Side.UNIT, judged, {}, returned, deleting=True)
    assert refused is not None and refused.rule == "judged"


def test_a_verdict_is_given_once_while_verifying() -> None:
    judged = report(verdict="accepted")
    closed = warning(Status.CLOSED, closed_on="2026-11-04")
    refused = check_feedback(Side.SUPERVISOR, judged, {"verdict": ("accepted", "")}, closed)
    assert refused is not None and refused.rule == "verdict_once"
    early = check_feedback(
        Side.SUPERVISOR, report(), {"verdict": ("", "accepted")}, warning(Status.RECTIFYING)
    )
    assert early is not None and early.rule == "verdict_when_verifying"


def test_feedback_waits_for_the_signature() -> None:
    refused = check_feedback(Side.UNIT, None, {"progress": (None, "x")}, warning(Status.ISSUED))
    assert refused is not None and refused.rule == "no_feedback_now"


def test_sides() -> None:
    clerk = Actor("clerk", VILLAGE, (VILLAGE,))
    town = Actor("town", "150202101000", ("150202101",))
    district = Actor("supervisor", "150202000000", ("150202",))
    support = Actor("support", "150202000000", ("150202",))
    assert side_of(clerk, VILLAGE) is Side.UNIT
    assert side_of(clerk, "150202101201") is None
    assert side_of(town, VILLAGE) is Side.SUPERVISOR
    assert side_of(town, "150202101000") is Side.UNIT
    assert side_of(district, VILLAGE) is Side.SUPERVISOR
    assert side_of(support, VILLAGE) is None


# ---- any sequence of steps -----------------------------------------------------------------


_steps = st.lists(
    st.tuples(
        st.sampled_from(list(Step)),
        st.sampled_from([Side.UNIT, Side.SUPERVISOR]),
        st.lists(st.sampled_from(["1", "2", "3"]), max_size=3),
    ),
    max_size=25,
)


@given(_steps)
def test_any_sequence_of_steps_keeps_a_legal_state(
    steps: list[tuple[Step, Side, list[str]]],
) -> None:
    """Whatever anyone tries in whatever order, a step is either refused (nothing changes)
    or leaves the warning and its feedback a legal state, and the checks of each record
    accept what the step wrote."""
    current = warning()
    feedback: list[dict[str, Any]] = []
    for step, side, items in steps:
        waiting = next((f for f in feedback if f["completed"] and not f.get("verdict")), None)
        try:
            decided = plan(
                step,
                current,
                side=side,
                today=TODAY,
                feedback=waiting,
                note="理由",
                rectified=items,
            )
        except Refused:
            assert is_legal(current, feedback)
            continue
        if step in (Step.REPORT, Step.COMPLETE):
            assert (
                check_feedback(
                    side, None, {n: (None, v) for n, v in decided.feedback.items()}, current
                )
                is None
            )
            feedback.append(dict(decided.feedback))
        elif waiting is not None:
            assert (
                check_feedback(
                    side,
                    waiting,
                    {n: (waiting.get(n, ""), v) for n, v in decided.feedback.items()},
                    current,
                )
                is None
            )
            waiting.update(decided.feedback)
        changes = {n: (current.get(n), v) for n, v in decided.warning.items()}
        assert check_warning(side, current, changes, feedback=feedback) is None
        current = current | decided.warning
        assert is_legal(current, feedback), (steps, current, feedback)
