"""The daily reminder pass (``models.rules.reminders``), alone: a year of simulated days
with a frozen clock, each day's plan carried out on the world as central would."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from models.catalog import CatalogItem, DeadlineRule
from models.duty import due_dates, indicator_by_code
from models.rules.actors import Side
from models.rules.refusals import Refusal
from models.rules.reminders import (
    PassPlan,
    Settings,
    UnitInfo,
    World,
    check_reminder,
    digest_text,
    may_decide,
    owed,
    plan_pass,
    warning_owed,
)

VILLAGE = UnitInfo("150202101200", "黑麻板村", "village")
DEPARTMENT = UnitInfo("150202900001", "区民政局", "department")
MONTHLY = CatalogItem(
    "FIN-02", "finance", "各项收入", "Income", "monthly", DeadlineRule("next_month_day", 10), ""
)
QUARTERLY = CatalogItem(
    "VIL-04",
    "village",
    "集体土地承包与流转",
    "Land",
    "quarterly",
    DeadlineRule("next_month_day", 20),
    "",
)
DEPARTMENTS_ONLY = replace(MONTHLY, code="DEP-01", applies_to=frozenset({"department"}))
INDICATOR = indicator_by_code()["ZT-001"]  # a team's plan, due 03-31 each year


def world(**overrides: Any) -> World:
    values: dict[str, Any] = {
        "units": [VILLAGE, DEPARTMENT],
        "catalogue": {item.code: item for item in (MONTHLY, QUARTERLY, DEPARTMENTS_ONLY)},
        "published": frozenset(),
        "indicators": [INDICATOR],
        "evidence": {},
        "warnings": [],
        "answered": frozenset(),
        "reminders": {},
    }
    values.update(overrides)
    return World(**values)


def carry_out(current: World, plan: PassPlan, today: date) -> World:
    """What central does with a plan: new reminders written, changes applied."""
    reminders = {key: dict(r) for key, r in current.reminders.items()}
    by_id = {r["id"]: key for key, r in reminders.items()}
    for fields in plan.raise_:
        key = (fields["org_code"], fields["subject"], fields["subject_code"], fields["period"])
        assert key not in reminders, "a key is raised once"
        reminders[key] = {"id": f"r{len(reminders)}", "proposal": "", "closed_on": None, **fields}
    for record_id, changes in plan.update:
        reminders[by_id[record_id]].update(changes)
    return replace(current, reminders=reminders)


def test_a_year_of_days() -> None:
    start = date(2026, 1, 1)
    current = world()
    sms: list[tuple[str, date]] = []
    proposed: list[tuple[str, date]] = []
    for offset in range(366):
        today = start + timedelta(days=offset)
        if today == date(2026, 3, 5):  # the village publishes January's income late
            current = replace(current, published=current.published | {
                (VILLAGE.code, "FIN-02", "2026-01")
            })  # fmt: skip
        plan = plan_pass(current, today)
        for reminder_id, org in plan.sms:
            assert org in (VILLAGE.code, DEPARTMENT.code)
            sms.append((reminder_id, today))
        proposed += [(rid, today) for rid, c in plan.update if c.get("step") == "proposed"]
        current = carry_out(current, plan, today)
        assert plan_pass(current, today).summary() == dict.fromkeys(
            ("raised", "sms", "proposed", "closed", "reopened"), 0
        ), "the same day twice raises nothing new"
    reminders = current.reminders
    # January's income, due 2026-02-10: raised on the 11th, SMS on the 14th, a warning
    # proposed on the 21st; published on 03-05, closed then.
    january = reminders[(VILLAGE.code, "catalog_item", "FIN-02", "2026-01")]
    assert january["raised_on"] == "2026-02-11" and january["due_on"] == "2026-02-10"
    assert (january["id"], date(2026, 2, 14)) in sms
    assert january["sms_on"] == "2026-02-14", "the SMS step keeps its day (the figures count it)"
    assert (january["id"], date(2026, 2, 21)) in proposed
    assert (january["status"], january["closed_on"]) == ("closed", "2026-03-05")
    # Never published: every month of the year raises its own, and stays open.
    february = reminders[(VILLAGE.code, "catalog_item", "FIN-02", "2026-02")]
    assert (february["status"], february["step"]) == ("open", "proposed")
    months = {key[3] for key in reminders if key[2] == "FIN-02" and key[0] == VILLAGE.code}
    # From December before the pass began (due on 2026-01-10) to November.
    assert months == {"2025-12", *(f"2026-{m:02d}" for m in range(1, 12))}
    quarters = {key[3] for key in reminders if key[2] == "VIL-04"}
    assert quarters == {"2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"}
    # Items only for departments go to the department; the duty list too.
    assert {key[0] for key in reminders if key[2] == "DEP-01"} == {DEPARTMENT.code}
    duty = reminders[(DEPARTMENT.code, "duty_indicator", "ZT-001", "2026-03-31")]
    assert duty["raised_on"] == "2026-04-01"
    assert not any(key[0] == VILLAGE.code and key[1] == "duty_indicator" for key in reminders)


def test_evidence_in_the_window_closes_the_duty_reminder() -> None:
    today = date(2026, 4, 2)
    current = carry_out(world(), plan_pass(world(), today), today)
    recorded = {(DEPARTMENT.code, "ZT-001"): [date(2026, 3, 20)]}
    plan = plan_pass(replace(current, evidence=recorded), date(2026, 4, 3))
    closed = [c for _id, c in plan.update if c.get("status") == "closed"]
    assert closed == [{"status": "closed", "closed_on": "2026-04-03"}]


def test_a_duty_item_of_a_closed_year_is_not_owed_and_its_reminder_closes() -> None:
    """Its evidence is locked once the year closes (rules.duty): nothing left to remind."""
    last_item_of_2025 = [d for d in due_dates(INDICATOR, 2025) if d.year == 2025][-1]
    before_close = date(2026, 1, 31)
    current = carry_out(world(), plan_pass(world(), before_close), before_close)
    periods = {r["period"] for r in current.reminders.values() if r["subject"] == "duty_indicator"}
    assert last_item_of_2025.isoformat() in periods
    after = date(2026, 2, 1)
    assert not [o for o in owed(current, after) if o.subject == "duty_indicator"]
    plan = plan_pass(current, after)
    closed = {rid for rid, c in plan.update if c.get("status") == "closed"}
    ours = {r["id"] for r in current.reminders.values() if r["subject"] == "duty_indicator"}
    assert ours and ours <= closed


def test_an_unanswered_warning_past_its_date_is_reminded_until_answered() -> None:
    warning = {
        "id": "w1",
        "org_code": VILLAGE.code,
        "title": "监督建议书",
        "status": "received",
        "reply_due": "2026-05-10",
    }
    current = world(catalogue={}, indicators=[], warnings=[warning])
    assert plan_pass(current, date(2026, 5, 10)).raise_ == []
    plan = plan_pass(current, date(2026, 5, 11))
    assert [(r["subject"], r["subject_code"]) for r in plan.raise_] == [("warning", "w1")]
    current = carry_out(current, plan, date(2026, 5, 11))
    answered = plan_pass(replace(current, answered=frozenset({"w1"})), date(2026, 5, 12))
    assert answered.summary()["closed"] == 1


def test_the_steps_wait_the_days_configured() -> None:
    quick = Settings(sms_after_days=1, propose_after_days=2)
    current = world(catalogue={"FIN-02": MONTHLY}, indicators=[], units=[VILLAGE])
    day = date(2026, 2, 11)
    current = carry_out(current, plan_pass(current, day, quick), day)
    steps = []
    for offset in (1, 2):
        today = day + timedelta(days=offset)
        plan = plan_pass(current, today, quick)
        steps.append([c.get("step") for _id, c in plan.update])
        current = carry_out(current, plan, today)
    assert steps == [["sms"], ["proposed"]]
    (reminder,) = current.reminders.values()
    assert reminder["sms_on"] == "2026-02-12"


def test_a_reminder_proposed_without_its_sms_step_keeps_no_sms_day() -> None:
    """The pass did not run between raising and proposing: no SMS went, none is dated."""
    current = world(catalogue={"FIN-02": MONTHLY}, indicators=[], units=[VILLAGE])
    day = date(2026, 2, 11)
    current = carry_out(current, plan_pass(current, day), day)
    late = day + timedelta(days=10)
    plan = plan_pass(current, late)
    assert plan.sms == [] and [c for _id, c in plan.update] == [
        {"step": "proposed", "proposal": "proposed"}
    ]


@settings(max_examples=30, deadline=None)
@given(
    days=st.lists(st.integers(0, 400), min_size=1, max_size=12, unique=True),
    publish=st.sets(st.sampled_from(["2025-12", *(f"2026-{m:02d}" for m in range(1, 13))])),
)
def test_any_days_in_order_leave_one_reminder_per_key(days: list[int], publish: set[str]) -> None:
    """Whichever days the pass runs (central down for a week, run twice by hand), each
    unit, item and period has at most one reminder, open exactly when still owed."""
    current = world(published=frozenset((VILLAGE.code, "FIN-02", p) for p in publish))
    for offset in sorted(days):
        today = date(2026, 1, 1) + timedelta(days=offset)
        current = carry_out(current, plan_pass(current, today), today)
    for (unit, subject, code, period), reminder in current.reminders.items():
        if subject == "catalog_item" and code == "FIN-02" and unit == VILLAGE.code:
            assert (reminder["status"] == "closed") == (period in publish)


# ---- deciding a proposed warning (``may_decide``, ``check_reminder``) --------------------

PROPOSED = {"id": "r1", "org_code": VILLAGE.code, "proposal": "proposed", "warning_id": ""}
CONFIRM = {"proposal": ("proposed", "confirmed"), "warning_id": ("", "w1")}


def test_a_proposal_is_decided_once_and_only_a_proposal_is_decided() -> None:
    assert may_decide(PROPOSED) is None
    confirmed = {**PROPOSED, "proposal": "confirmed", "warning_id": "w1"}
    assert may_decide(confirmed) == Refusal("proposal_once", "proposal")
    assert may_decide({**PROPOSED, "warning_id": "w1"}) == Refusal("proposal_once", "proposal")
    assert may_decide({**PROPOSED, "proposal": "dismissed"}) == Refusal("proposal_once", "proposal")
    assert may_decide({**PROPOSED, "proposal": ""}) == Refusal("proposal_needed", "proposal")


def test_check_reminder_judges_a_confirmation_by_what_the_reminder_holds() -> None:
    assert check_reminder(Side.SUPERVISOR, PROPOSED, CONFIRM) is None
    plain = {**PROPOSED, "proposal": ""}
    assert check_reminder(Side.SUPERVISOR, plain, {"proposal": ("", "confirmed")}) == Refusal(
        "proposal_needed", "proposal"
    )
    # A second confirmation made against the reminder before the first: refused when the
    # first issued another warning, a no-change (converges) when it is the same one.
    confirmed = {**PROPOSED, "proposal": "confirmed", "warning_id": "w1"}
    assert check_reminder(Side.SUPERVISOR, confirmed, CONFIRM) is None
    other = {"proposal": ("proposed", "confirmed"), "warning_id": ("", "w2")}
    assert check_reminder(Side.SUPERVISOR, confirmed, other) == Refusal("proposal_once", "proposal")
    assert check_reminder(
        Side.SUPERVISOR, confirmed, {"proposal": ("confirmed", "proposed")}
    ) == Refusal("proposal_once", "proposal")
    # The pass proposing, and a unit's hand, as before.
    online = {**PROPOSED, "proposal": ""}
    assert check_reminder(Side.SUPERVISOR, online, {"proposal": ("", "proposed")}) is None
    assert check_reminder(Side.UNIT, PROPOSED, CONFIRM) == Refusal("reminders_by_supervisors")


def test_a_confirmed_warning_overdue_is_reminded_by_its_first_document() -> None:
    today = date(2026, 12, 30)
    first = {
        "id": "w1", "org_code": VILLAGE.code, "title": "监督建议书", "status": "issued",
        "reply_due": "2026-12-01", "reminder_id": "",
    }  # fmt: skip
    reminder = {
        "id": "r1", "org_code": VILLAGE.code, "subject": "warning", "subject_code": "w1",
        "title": "《监督建议书》逾期未反馈",
    }  # fmt: skip
    second = {
        **first, "id": "w2", "title": "关于《监督建议书》逾期未反馈的预警", "reminder_id": "r1",
        "reply_due": "2026-12-20",
    }  # fmt: skip
    again = {"id": "r2", "subject": "warning", "subject_code": "w2"}
    third = {**second, "id": "w3", "title": "关于《监督建议书》预警逾期未反馈的预警",
             "reminder_id": "r2"}  # fmt: skip
    owed = warning_owed([first, second, third], frozenset(), today, [reminder, again])
    assert [o.title for o in owed] == [
        "《监督建议书》逾期未反馈",
        "《监督建议书》预警逾期未反馈",
        "《监督建议书》预警逾期未反馈",
    ]
    # About a catalogue item: named by what the first reminder was about.
    item = {"id": "r3", "subject": "catalog_item", "subject_code": "FIN-02",
            "title": "各项收入（2026-11）逾期未公开"}  # fmt: skip
    fourth = {**second, "id": "w4", "reminder_id": "r3"}
    (o,) = warning_owed([fourth], frozenset(), today, [item])
    assert o.title == "《各项收入（2026-11）逾期未公开》预警逾期未反馈"


def test_a_units_digest_names_how_many_and_the_most_urgent() -> None:
    reminders = [
        {"title": "二月财务公开", "due_on": "2026-03-10"},
        {"title": "一月财务公开", "due_on": "2026-02-10"},
        {"title": "低保名单", "due_on": "2026-02-10"},
    ]
    text = digest_text("东河区纪委监委", reminders)
    assert text.startswith("东河区纪委监委提醒：您单位有3项事项逾期未办")
    assert "最紧急的是：一月财务公开" in text  # the earliest due; by title on a tie
