"""A disclosure's review as pure rules: every step from every status for every side and
level; what a step writes is what the change check allows, and what it refuses the
check refuses (the store plans, central checks: they must agree); an old ledger's
published rows wait for review when a unit imports them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.rules.actors import Actor, Side
from models.rules.disclosures import (
    REVIEW_FIELDS,
    TRANSITIONS,
    Status,
    Step,
    as_imported,
    check_disclosure,
    is_reviewer,
    plan,
)
from models.rules.permissions import check_change, imported
from models.rules.refusals import Refused

TODAY = date(2026, 11, 5)
LEVELS = ("village", "community", "department", "discipline")
SIDES = (Side.UNIT, Side.SUPERVISOR)


def disclosure(status: Status = Status.DRAFT, **overrides: Any) -> dict[str, Any]:
    return {
        "id": "0190b7c4-0000-7000-8000-0000000000d1",
        "org_code": "150202101200",
        "catalog_code": "FIN-01",
        "period": "2026-10",
        "title": "十月财务收支公开",
        "status": status.value,
        "submitted_on": None,
        "published_on": None,
        "reviewed_by": "",
        "return_reason": "",
    } | overrides


def changes_of(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (before.get(name), value) for name, value in after.items()}


def test_who_reviews() -> None:
    assert is_reviewer(Side.SUPERVISOR, "village")
    assert not is_reviewer(Side.UNIT, "village") and not is_reviewer(Side.UNIT, "community")
    assert is_reviewer(Side.UNIT, "department") and is_reviewer(Side.UNIT, "discipline")
    assert not is_reviewer(None, "department")


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("level", LEVELS)
def test_each_step_from_each_status_for_each_side_and_level(
    step: Step, status: Status, side: Side, level: str
) -> None:
    """A step is taken exactly when its status allows and its side may; and then the
    change it writes passes the check both ends run, with the status it names."""
    transition = TRANSITIONS[step]
    current = disclosure(status)
    allowed = status in transition.sources and (not transition.reviewer or is_reviewer(side, level))
    try:
        changes = plan(
            step,
            current,
            side=side,
            level=level,
            today=TODAY,
            reviewer_name="沙尔沁镇",
            reason="请补充公开栏照片",
        )
    except Refused:
        assert not allowed
        return
    assert allowed
    assert changes["status"] == transition.target.value
    assert check_disclosure(side, level, current, changes_of(current, changes)) is None


def test_what_each_step_writes() -> None:
    draft = disclosure()
    submitted = plan(Step.SUBMIT, draft, side=Side.UNIT, level="village", today=TODAY)
    assert submitted == {"status": "submitted", "submitted_on": "2026-11-05"}
    current = disclosure(Status.SUBMITTED)
    published = plan(
        Step.APPROVE, current, side=Side.SUPERVISOR, level="village", today=TODAY,
        reviewer_name="沙尔沁镇",
    )  # fmt: skip
    assert published == {
        "status": "published",
        "published_on": "2026-11-05",
        "reviewed_by": "沙尔沁镇",
        "reviewed_on": "2026-11-05",
        "return_reason": "",
    }
    returned = plan(
        Step.RETURN, current, side=Side.SUPERVISOR, level="village", today=TODAY,
        reason="  金额与附表不符 ",
    )  # fmt: skip
    assert returned == {
        "status": "returned",
        "return_reason": "金额与附表不符",
        "reviewed_by": "",
        "reviewed_on": "2026-11-05",
    }
    with pytest.raises(Refused) as refused:
        plan(Step.RETURN, current, side=Side.SUPERVISOR, level="village", today=TODAY)
    assert refused.value.refusal.rule == "return_needs_reason"


def test_a_village_cannot_publish_itself_in_any_way() -> None:
    for status in Status:
        current = disclosure(status)
        publish = {"status": (status.value, "published")}
        if status is not Status.PUBLISHED:
            refusal = check_disclosure(Side.UNIT, "village", current, publish)
            assert refusal is not None and refusal.field == "status"
    created = check_disclosure(Side.UNIT, "village", None, {"status": (None, "published")})
    assert created is not None and created.rule == "review_publishes"
    for name in sorted(REVIEW_FIELDS):
        refusal = check_disclosure(Side.UNIT, "village", disclosure(), {name: ("", "x")})
        assert refusal is not None and refusal.rule == "not_yours"


def test_a_submitted_or_published_disclosure_is_fixed_for_the_unit() -> None:
    for status in (Status.SUBMITTED, Status.PUBLISHED, Status.WITHDRAWN):
        edit = check_disclosure(Side.UNIT, "village", disclosure(status), {"title": ("a", "b")})
        assert edit is not None and edit.rule == "disclosure_fixed"
        delete = check_disclosure(Side.UNIT, "village", disclosure(status), {}, deleting=True)
        assert delete is not None
        # The reviewing level corrects what it must.
        assert (
            check_disclosure(Side.SUPERVISOR, "village", disclosure(status), {"title": ("a", "b")})
            is None
        )
    for status in (Status.DRAFT, Status.RETURNED):
        assert (
            check_disclosure(Side.UNIT, "village", disclosure(status), {"title": ("a", "b")})
            is None
        )
    assert (
        check_disclosure(
            Side.UNIT, "department", disclosure(Status.PUBLISHED), {"title": ("a", "b")}
        )
        is None
    )


def test_a_unit_takes_its_submission_back_but_not_a_verdict() -> None:
    submitted = disclosure(Status.SUBMITTED)
    assert (
        check_disclosure(Side.UNIT, "village", submitted, {"status": ("submitted", "draft")})
        is None
    )
    refusal = check_disclosure(
        Side.UNIT, "village", submitted, {"status": ("submitted", "returned")}
    )
    assert refusal is not None and refusal.rule == "review_publishes"
    jump = check_disclosure(
        Side.SUPERVISOR, "village", disclosure(), {"status": ("draft", "returned")}
    )
    assert jump is not None and jump.rule == "disclosure_move"


def test_an_old_ledgers_published_rows_wait_for_review_when_a_unit_imports_them() -> None:
    row = disclosure(Status.PUBLISHED, published_on="2025-03-01", reviewed_by="旧平台")
    waiting = as_imported(row, reviewer=False)
    assert waiting["status"] == "submitted"
    assert waiting["published_on"] is None and waiting["reviewed_by"] == ""
    assert as_imported(row, reviewer=True) == {}
    assert as_imported(disclosure(Status.DRAFT), reviewer=False) == {}
    clerk = Actor("clerk", "150202101200", ("150202101200",))
    town = Actor("town", "150202101000", ("150202101",))
    assert imported(clerk, "disclosure", row)["status"] == "submitted"
    assert imported(town, "disclosure", row) == {}
    assert imported(clerk, "duty_evidence", {"org_code": "150202101200"}) == {}


class _NoLookup:
    def record(self, kind: str, record_id: str) -> None:
        return None

    def feedback_of(self, warning_id: str) -> list[Any]:
        return []


@given(
    st.lists(
        st.tuples(st.sampled_from(("clerk", "town")), st.sampled_from(list(Step))),
        max_size=12,
    )
)
def test_any_sequence_of_steps_keeps_a_legal_status(moves: list[tuple[str, Step]]) -> None:
    """A village clerk and its town take steps in any order: each one taken passes the
    check central runs, each refused one leaves the disclosure as it was, and only the
    town ever publishes, returns or withdraws."""
    actors = {
        "clerk": Actor("clerk", "150202101200", ("150202101200",)),
        "town": Actor("town", "150202101000", ("150202101",)),
    }
    current = disclosure()
    for who, step in moves:
        side = Side.UNIT if who == "clerk" else Side.SUPERVISOR
        try:
            changes = plan(
                step, current, side=side, level="village", today=TODAY,
                reviewer_name="沙尔沁镇", reason="请补充",
            )  # fmt: skip
        except Refused:
            continue
        pairs = changes_of(current, changes)
        assert check_change(actors[who], "disclosure", current, pairs, _NoLookup()) is None
        if changes["status"] in ("published", "returned", "withdrawn"):
            assert who == "town"
        current = current | changes
        assert current["status"] in {status.value for status in Status}


def test_where_submissions_wait() -> None:
    from models.rules.disclosures import reviews_first

    assert reviews_first("town", Side.SUPERVISOR, "village")
    assert not reviews_first("supervisor", Side.SUPERVISOR, "village")  # may, but not waited on
    assert reviews_first("clerk", Side.UNIT, "department")
    assert not reviews_first("clerk", Side.UNIT, "village")
