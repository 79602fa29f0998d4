"""The district's figures alone (``models.figures``, ``models.figure_counts``): a half year
with a known count of every key, how the counts add up over days and units, what was
owed on a past day read back from the records, and docs/FIGURES.md as declared."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from models.figure_counts import (
    Facts,
    Scope,
    Window,
    documents_overdue,
    due_items,
    narrow,
    owes_answer_on,
)
from models.figures import FIGURES, KEYS, compute, figure, markdown, reads
from models.kinds import kind_spec
from models.orgs import load_org_units
from models.rules.actors import Side
from models.rules.refusals import Refused
from models.rules.warnings import OWES_ANSWER, TRANSITIONS, Step, is_overdue, plan
from tests.figures_scenario import (
    EXPECTED,
    SCOPE,
    V1,
    V2,
    WINDOW,
    catalogue,
    periods_due,
    records,
)

ROOT = Path(__file__).resolve().parents[2]
ISSUE_KEYS = (
    "online_supervisions",
    "suggestions_sent",
    "feedback_completed",
    "problems_rectified",
    "reminders_online",
    "reminders_sms",
    "reminder_notices_offline",
    "bulletins",
    "units_named",
    "clues_received",
    "cases_filed",
    "people_disciplined",
    "disclosures_due",
    "disclosures_on_time",
    "warnings_open",
    "warnings_overdue",
)
"""Exactly the keys the issue names, in its order."""

ADDITIVE_OVER_DAYS = frozenset(KEYS) - {"units_named", "warnings_open", "warnings_overdue"}
"""Figures of what happened on days: a window's count is its parts' (a unit named by
bulletins on two days is one unit; open and overdue are as of the last day)."""
ADDITIVE_OVER_UNITS = frozenset(KEYS) - {"bulletins", "units_named", "online_supervisions"}
"""Figures of records about one unit each (a bulletin may name units on both sides)."""


def scenario_facts() -> Facts:
    return Facts.of(records(), load_org_units(), catalogue())


def test_the_keys_are_the_issues_exactly() -> None:
    assert KEYS == ISSUE_KEYS
    assert len({f.label_zh for f in FIGURES}) == len({f.label_en for f in FIGURES}) == len(KEYS)


def test_the_scenario_counts_every_key() -> None:
    counted = compute(scenario_facts(), WINDOW, SCOPE)
    assert counted == EXPECTED
    assert tuple(counted) == KEYS


def test_deleted_records_are_no_facts() -> None:
    everything = records()
    live = {kind: [r for r in rows if not r.get("deleted")] for kind, rows in everything.items()}
    facts = Facts(everything, load_org_units(), catalogue())
    assert compute(Facts.of(live, load_org_units(), catalogue()), WINDOW, SCOPE) == EXPECTED
    assert compute(facts, WINDOW, SCOPE) != EXPECTED, "Facts.of is what drops them"


def test_one_village_of_the_two() -> None:
    counted = compute(scenario_facts(), WINDOW, Scope((V1,)))
    # Both bulletins name V1 (the district's and the town's); V1 is one unit named.
    assert (counted["bulletins"], counted["units_named"]) == (2, 1)
    assert counted["disclosures_due"] == 8 and counted["disclosures_on_time"] == 1
    assert counted["cases_filed"] == counted["people_disciplined"] // 2 == 1


def test_every_field_a_figure_reads_is_declared() -> None:
    for kind, names in reads().items():
        declared = set(kind_spec(kind).specs) | {"id", "org_code"}
        assert set(names) <= declared, (kind, set(names) - declared)


def test_docs_are_the_declarations() -> None:
    text = (ROOT / "docs" / "FIGURES.md").read_text(encoding="utf-8")
    assert text == markdown(), "regenerate: python -m models.figures > docs/FIGURES.md"
    for fig in FIGURES:
        assert f"`{fig.key}`" in text and fig.definition in text and fig.definition_zh in text
    assert figure("bulletins").label("en") == "Bulletins"
    assert figure("bulletins").text("zh_CN") == figure("bulletins").definition_zh


days_in_window = st.integers(0, (WINDOW.end - WINDOW.start).days - 1).map(
    lambda n: WINDOW.start + timedelta(days=n)
)


@settings(max_examples=40, deadline=None)
@given(split=days_in_window)
def test_a_window_counts_what_its_two_halves_count(split: date) -> None:
    facts = scenario_facts()
    whole = compute(facts, WINDOW, SCOPE)
    first = compute(facts, Window(WINDOW.start, split), SCOPE)
    second = compute(facts, Window(split + timedelta(days=1), WINDOW.end), SCOPE)
    for key in ADDITIVE_OVER_DAYS:
        assert whole[key] == first[key] + second[key], key
    assert whole["warnings_open"] == second["warnings_open"], "as of the last day"
    assert whole["units_named"] <= first["units_named"] + second["units_named"]


def test_two_villages_count_what_each_counts() -> None:
    facts = scenario_facts()
    both = compute(facts, WINDOW, SCOPE)
    one, other = (compute(facts, WINDOW, Scope((code,))) for code in (V1, V2))
    for key in ADDITIVE_OVER_UNITS:
        assert both[key] == one[key] + other[key], key


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    length=st.integers(0, 800),
)
def test_the_periods_due_are_those_whose_deadline_falls_in_the_window(
    start: date, length: int
) -> None:
    window = Window(start, start + timedelta(days=length))
    facts = Facts({}, [u for u in load_org_units() if u.code == V1], catalogue())
    found = {(due.item, due.period) for due in due_items(facts, window, Scope((V1,)))}
    assert found == periods_due(catalogue(), window.start, window.end)
    assert len(found) == len(due_items(facts, window, Scope((V1,))))


def test_narrowing_a_scope_to_a_unit() -> None:
    district = Scope(("150202",))
    assert narrow(district, "150202101") == Scope(("150202101",))
    assert narrow(Scope((V1,)), "150202101") == Scope((V1,)), "the village, under its town"
    assert narrow(Scope((V1,)), "150202100") == Scope(())
    body = Scope(("150202950001", "150202900001", "150202900002"))
    assert narrow(body, "1502029000") == Scope(("150202900001", "150202900002"))
    assert narrow(Scope(("",)), V2) == Scope((V2,))


# ---- a document's past, read back from its records ------------------------------------------

SIDES = {Step.SIGN: Side.UNIT, Step.REPORT: Side.UNIT, Step.COMPLETE: Side.UNIT}


def _walk(steps: list[tuple[Step, int]]) -> tuple[dict[str, Any], list[dict[str, Any]], list]:
    """Take the steps a warning's machine allows, days apart; returns the warning and its
    reports as they end, and the status at the end of each day a step was taken."""
    warning: dict[str, Any] = {
        "id": "w",
        "org_code": V1,
        "status": "issued",
        "problems": "一\n二\n三",
        "rectified": [],
        "issued_on": "2026-01-01",
        "reply_due": "2026-01-06",
    }
    reports: list[dict[str, Any]] = []
    day = date(2026, 1, 1)
    status_on: dict[date, str] = {day: "issued"}
    for step, gap in steps:
        day += timedelta(days=gap)
        waiting = [f for f in reports if f["completed"] and not f.get("verdict")]
        try:
            done = plan(
                step,
                warning,
                side=SIDES.get(step, TRANSITIONS[step].side),
                today=day,
                feedback=waiting[-1] if waiting else None,
                note="理由",
                progress="进展",
                rectified=["1"],
            )
        except Refused:
            continue
        warning.update(done.warning)
        if step in (Step.REPORT, Step.COMPLETE):
            reports.append({"id": f"f{len(reports)}", **done.feedback})
        elif done.feedback:
            waiting[-1].update(done.feedback)
        status_on[day] = str(warning["status"])
    return warning, reports, sorted(status_on.items())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Step)), st.integers(0, 3)), max_size=14))
def test_what_a_unit_owed_on_a_past_day_is_read_back_from_the_records(
    steps: list[tuple[Step, int]],
) -> None:
    """On the evening of each day a step was taken, the final records say what the
    status then said: whether the unit owed its answer, and whether it was overdue."""
    warning, reports, history = _walk(steps)
    facts = Facts.of({"warning": [warning], "feedback": reports})
    for day, status in history:
        owed = owes_answer_on(reports, day.isoformat())
        assert owed == (status in OWES_ANSWER), (day, status)
        then = {**warning, "status": status}
        overdue = documents_overdue(facts, Window(day, day), Scope(("",)))
        assert overdue == int(is_overdue(then, day)), (day, status)
