"""Duty scores (``models.rules.scoring``), alone: each status of a due date, the shares of
an indicator due several times a year, adjustments, a unit's total and missing items,
ranking, and the properties that hold for any evidence (hypothesis)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.duty import Indicator, indicator_by_code, indicators_for, load_indicators, total_points
from models.rules.scoring import (
    Adjustment,
    Evidence,
    ScoringSettings,
    Status,
    counted_in,
    evidence_span,
    item_score,
    item_span,
    ranks,
    score_table,
    score_unit,
    year_of,
)

BY_CODE = indicator_by_code()
PLAN = BY_CODE["ZT-001"]  # 3 points, due 03-31
QUARTERLY = next(ind for ind in load_indicators() if ind.deadline == "quarterly")
HALF_YEAR = next(ind for ind in load_indicators() if ind.deadline == "half_year")
YEARLY = next(ind for ind in load_indicators() if ind.deadline == "yearly")
ONGOING = next(ind for ind in load_indicators() if ind.deadline == "ongoing")
YEAR = 2026
AFTER = date(2027, 3, 1)
"""A day after the year has closed: every due date has passed."""
DEPARTMENT = "150202900001"
BODY = "150202950001"


def ev(day: str, record_id: str = "") -> Evidence:
    return Evidence(date.fromisoformat(day), record_id)


def score(indicator: Indicator, *days: str, today: date = AFTER, **kwargs: object) -> Decimal:
    return item_score(indicator, YEAR, [ev(d) for d in days], today=today, **kwargs).score


# ---- one due date ---------------------------------------------------------------------------


def test_on_time_late_missing_and_pending() -> None:
    on_time = item_score(PLAN, YEAR, [ev("2026-03-31", "a")], today=AFTER)
    assert (on_time.score, on_time.status) == (Decimal(3), Status.ON_TIME)
    assert on_time.slots[0].evidence == ev("2026-03-31", "a")
    # The window opens the day after last year's due date.
    assert score(PLAN, "2025-04-01") == 3
    assert score(PLAN, "2025-03-31") == 0
    late = item_score(PLAN, YEAR, [ev("2026-04-01")], today=AFTER)
    assert (late.score, late.status) == (Decimal("1.5"), Status.LATE)
    # Late evidence counts until the year closes (01-31 of the next year).
    assert score(PLAN, "2027-01-31") == Decimal("1.5")
    assert score(PLAN, "2027-02-01") == 0
    missing = item_score(PLAN, YEAR, [], today=AFTER)
    assert (missing.score, missing.status, missing.missing) == (0, Status.MISSING, True)
    pending = item_score(PLAN, YEAR, [], today=date(2026, 3, 31))
    assert (pending.score, pending.status, pending.missing) == (0, Status.PENDING, False)


def test_the_late_share_is_a_setting() -> None:
    none_late = ScoringSettings(late_share=Decimal(0))
    assert score(PLAN, "2026-05-01", settings=none_late) == 0
    assert score(PLAN, "2026-05-01", settings=ScoringSettings(Decimal("0.8"))) == Decimal("2.4")
    with pytest.raises(ValueError):
        ScoringSettings(late_share=Decimal("1.5"))


# ---- several due dates ----------------------------------------------------------------------


def test_each_quarter_carries_a_quarter_of_the_points() -> None:
    points = Decimal(str(QUARTERLY.points))
    quarter = points / 4
    assert score(QUARTERLY, "2026-02-01", "2026-05-01", "2026-08-01", "2026-11-01") == points
    assert score(QUARTERLY, "2026-02-01") == quarter
    item = item_score(QUARTERLY, YEAR, [ev("2026-02-01"), ev("2026-05-01")], today=AFTER)
    assert [slot.status for slot in item.slots] == [
        Status.ON_TIME,
        Status.ON_TIME,
        Status.MISSING,
        Status.MISSING,
    ]
    assert item.status is Status.MISSING and item.score == 2 * quarter


def test_each_record_counts_once_in_a_year() -> None:
    """One record in the second quarter keeps that quarter on time; it does not also make
    up the first. A second record in the same quarter does."""
    quarter = Decimal(str(QUARTERLY.points)) / 4
    one = item_score(QUARTERLY, YEAR, [ev("2026-05-01")], today=AFTER)
    assert [s.status for s in one.slots[:2]] == [Status.MISSING, Status.ON_TIME]
    two = item_score(QUARTERLY, YEAR, [ev("2026-05-01"), ev("2026-05-02", "b")], today=AFTER)
    assert [s.status for s in two.slots[:2]] == [Status.LATE, Status.ON_TIME]
    assert two.slots[0].evidence == ev("2026-05-02", "b")
    assert two.score == quarter + quarter / 2
    # Records after the year's last due date, until the close, make up missed ones in
    # date order: the earliest missed due date first.
    made_up = item_score(QUARTERLY, YEAR, [ev("2027-01-05"), ev("2027-01-06")], today=AFTER)
    assert [s.status for s in made_up.slots] == [Status.LATE] * 2 + [Status.MISSING] * 2
    assert made_up.status is Status.MISSING


def test_a_spare_record_makes_up_only_due_dates_before_it() -> None:
    item = item_score(HALF_YEAR, YEAR, [ev("2026-03-01"), ev("2026-03-02")], today=AFTER)
    # Both are in the first half: the first keeps it on time, the second is spare but
    # was recorded before the second half's due date, so it cannot make that one up.
    assert [s.status for s in item.slots] == [Status.ON_TIME, Status.MISSING]


def test_a_passed_due_date_is_missing_and_a_coming_one_pending() -> None:
    item = item_score(QUARTERLY, YEAR, [], today=date(2026, 8, 1))
    assert [s.status for s in item.slots] == [Status.MISSING] * 2 + [Status.PENDING] * 2
    # Due today is not passed yet.
    assert item_score(YEARLY, YEAR, [], today=date(2026, 12, 31)).status is Status.PENDING


def test_ongoing_work_is_scored_on_the_year() -> None:
    points = Decimal(str(ONGOING.points))
    assert score(ONGOING, "2026-07-01") == points
    assert score(ONGOING, "2025-12-31", "2027-01-01") == 0
    assert item_score(ONGOING, YEAR, [], today=date(2026, 12, 31)).status is Status.PENDING
    assert item_score(ONGOING, YEAR, [], today=date(2027, 1, 1)).status is Status.MISSING


# ---- adjustments ----------------------------------------------------------------------------


def test_an_adjustment_replaces_the_computed_score_capped_to_the_points() -> None:
    adjustment = Adjustment(Decimal("1.5"), "会议纪要缺签字", id="adj")
    item = item_score(PLAN, YEAR, [ev("2026-03-01")], today=AFTER, adjustment=adjustment)
    assert (item.score, item.status, item.adjustment) == (
        Decimal("1.5"),
        Status.ADJUSTED,
        adjustment,
    )
    assert not item.missing
    over = item_score(PLAN, YEAR, [], today=AFTER, adjustment=Adjustment(Decimal(9), "x"))
    assert over.score == 3


# ---- units and the table --------------------------------------------------------------------


def test_a_units_total_maximum_and_missing_items() -> None:
    evidence = {PLAN.code: [ev("2026-03-01")]}
    adjustments = {"ZT-002": Adjustment(Decimal("0.5"), "部署不到位")}
    unit = score_unit(DEPARTMENT, "department", YEAR, evidence, adjustments, today=AFTER)
    applicable = indicators_for("department")
    assert len(unit.items) == len(applicable) and unit.items[0].code == "ZT-001"
    assert unit.max == Decimal(str(total_points())) - sum(
        Decimal(str(ind.points)) for ind in load_indicators() if ind.responsibility != "main"
    )
    assert unit.score == Decimal("3.5")
    assert PLAN.code not in unit.missing and "ZT-002" not in unit.missing
    assert len(unit.missing) == len(applicable) - 2


def test_which_units_are_scored_is_the_lists_data() -> None:
    """Departments by main responsibility, bodies by supervisory; villages by none today."""
    assert {ind.responsibility for ind in indicators_for("department")} == {"main"}
    assert {ind.responsibility for ind in indicators_for("discipline")} == {"supervisory"}
    assert indicators_for("village") == ()
    table = score_table(
        [(DEPARTMENT, "department"), (BODY, "discipline"), ("150202101200", "village")],
        YEAR,
        {},
        {},
        today=AFTER,
    )
    assert [unit.org_code for unit in table] == [DEPARTMENT, BODY]
    for_villages = replace(PLAN, levels=("department", "village"))
    assert for_villages.levels == ("department", "village")


def test_units_are_ranked_within_their_level() -> None:
    a, b, c = "150202900001", "150202900002", "150202900003"
    evidence = {
        (a, PLAN.code): [ev("2026-03-01")],
        (b, PLAN.code): [ev("2026-03-01")],
        (c, PLAN.code): [ev("2026-05-01")],
        (BODY, "JD-001"): [ev("2026-03-01")],
    }
    table = score_table(
        [(c, "department"), (a, "department"), (b, "department"), (BODY, "discipline")],
        YEAR,
        evidence,
        {},
        today=AFTER,
    )
    assert [(u.org_code, u.rank) for u in table] == [(a, 1), (b, 1), (c, 3), (BODY, 1)]


def test_ranks_share_ties() -> None:
    assert ranks({"a": Decimal(5), "b": Decimal(7), "c": Decimal(5), "d": Decimal(1)}) == {
        "b": 1,
        "a": 2,
        "c": 2,
        "d": 4,
    }
    assert ranks({}) == {}


def test_the_year_a_record_counts_for() -> None:
    assert year_of(PLAN, date(2025, 11, 10)) == 2026
    assert year_of(PLAN, date(2026, 3, 31)) == 2026
    assert year_of(YEARLY, date(2026, 12, 31)) == 2026
    assert year_of(ONGOING, date(2026, 5, 1)) == 2026
    first, last = evidence_span(2026)
    assert first <= date(2025, 4, 1) and last == date(2027, 1, 31)
    assert item_span(PLAN, 2026) == (date(2025, 4, 1), date(2027, 1, 31))
    assert item_span(ONGOING, 2026) == (date(2026, 1, 1), date(2026, 12, 31))
    for indicator in load_indicators():
        start, end = item_span(indicator, 2026)
        assert first <= start and end <= last


# ---- properties -------------------------------------------------------------------------------

SCORED = [*[ind for ind in load_indicators() if ind.deadline != "ongoing"][:40], ONGOING]
days = st.dates(min_value=date(2024, 12, 1), max_value=date(2027, 3, 31))
records = st.lists(st.builds(Evidence, days, st.sampled_from(["", "a", "b"])), max_size=12)
shares = st.decimals(min_value=0, max_value=1, places=2)
todays = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 3, 1))


@given(st.sampled_from(SCORED), records, todays, shares)
def test_a_score_is_between_nothing_and_the_points(
    indicator: Indicator, found: list[Evidence], today: date, share: Decimal
) -> None:
    item = item_score(indicator, YEAR, found, today=today, settings=ScoringSettings(share))
    assert 0 <= item.score <= item.points
    assert item.score == sum((slot.score for slot in item.slots), Decimal(0))
    used = [slot.evidence for slot in item.slots if slot.evidence is not None]
    assert len(used) == len(set(map(id, used)))


@given(st.sampled_from(SCORED), records, days, todays, shares)
def test_more_evidence_never_lowers_a_score(
    indicator: Indicator, found: list[Evidence], extra: date, today: date, share: Decimal
) -> None:
    settings = ScoringSettings(share)
    before = item_score(indicator, YEAR, found, today=today, settings=settings)
    after = item_score(
        indicator, YEAR, [*found, Evidence(extra, "new")], today=today, settings=settings
    )
    assert after.score >= before.score


@given(st.sampled_from(SCORED), records, st.decimals(min_value=-5, max_value=10, places=1))
def test_an_adjustment_wins(indicator: Indicator, found: list[Evidence], points: Decimal) -> None:
    adjustment = Adjustment(points, "理由")
    item = item_score(indicator, YEAR, found, today=AFTER, adjustment=adjustment)
    assert item.status is Status.ADJUSTED
    assert item.score == min(max(points, Decimal(0)), item.points)


@given(st.sampled_from([PLAN, YEARLY, QUARTERLY, HALF_YEAR]), shares.filter(lambda s: s < 1))
def test_late_earns_less_than_on_time(indicator: Indicator, share: Decimal) -> None:
    settings = ScoringSettings(share)
    due = item_score(indicator, YEAR, [], today=AFTER).slots[0].due
    assert due is not None
    on_time = item_score(indicator, YEAR, [Evidence(due)], today=AFTER, settings=settings)
    late = item_score(
        indicator,
        YEAR,
        [Evidence(due + timedelta(days=1)), Evidence(due + timedelta(days=1), "spare")],
        today=AFTER,
        settings=settings,
    )
    assert late.slots[0].status is Status.LATE
    assert late.slots[0].score < on_time.slots[0].score


@given(st.dictionaries(st.text(max_size=3), st.decimals(min_value=0, max_value=80, places=1)))
def test_ranking_orders_by_score(scores: dict[str, Decimal]) -> None:
    placed = ranks(scores)
    for key, score_ in scores.items():
        assert placed[key] == 1 + sum(other > score_ for other in scores.values())
    ordered = sorted(scores, key=lambda k: placed[k])
    assert all(scores[x] >= scores[y] for x, y in itertools.pairwise(ordered))


def test_a_record_counts_in_the_year_whose_item_takes_it() -> None:
    """Evidence of 08-10 for an item due 06-30 is on time for next year's due date, yet
    the year's own table counts it late: an adjustment of it is for the year it counts
    in, the earlier, unless that year was on time without it."""
    mid = BY_CODE["ZT-003"]  # due 06-30
    assert mid.deadline == "06-30"
    today = date(2026, 12, 5)
    late = ev("2026-08-10", "late")
    assert year_of(mid, late.on) == 2027
    table = item_score(mid, 2026, [late], today=today)
    assert (table.status, table.slots[0].evidence) == (Status.LATE, late)
    assert counted_in(mid, late, [late], today=today) == 2026
    # 2026 was on time without it: it counts on time for 2027.
    kept = [ev("2026-05-01", "kept"), late]
    assert counted_in(mid, late, kept, today=today) == 2027
    assert counted_in(mid, kept[0], kept, today=today) == 2026
    # A January record making up last year's item counts in last year.
    january = ev("2026-01-10", "jan")
    assert counted_in(PLAN, january, [january], today=today) == 2025
    assert counted_in(PLAN, january, [ev("2025-03-01"), january], today=today) == 2026


@given(
    st.lists(st.dates(date(2024, 6, 1), date(2027, 6, 30)), min_size=1, max_size=6),
    st.sampled_from([PLAN, QUARTERLY, HALF_YEAR, YEARLY, ONGOING, BY_CODE["ZT-003"]]),
)
def test_the_year_a_record_counts_in_takes_it(days: list[date], indicator: Indicator) -> None:
    records = [Evidence(day, f"r{n}") for n, day in enumerate(days)]
    today = date(2027, 12, 31)
    for record in records:
        year = counted_in(indicator, record, records, today=today)
        slots = item_score(indicator, year, records, today=today).slots
        taken = any(slot.evidence == record for slot in slots)
        assert taken or year == year_of(indicator, record.on)
        for earlier in range(record.on.year - 1, year):
            earlier_slots = item_score(indicator, earlier, records, today=today).slots
            assert all(slot.evidence != record for slot in earlier_slots)
