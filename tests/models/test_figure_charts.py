"""The analysis screen's charts alone (``models.figure_charts``): each breaks a declared
figure down and adds up to it, on the figures' half year and on random documents and
windows; the periods people choose; the age buckets' edges."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from models.figure_charts import (
    AGE_BUCKETS,
    PERIODS,
    month_keys,
    open_by_age,
    per_month,
    period_window,
    rates_by_unit,
)
from models.figure_counts import Facts, Scope, Window, documents_issued
from models.figures import compute
from models.orgs import load_org_units
from tests.figures_scenario import SCOPE, V1, V2, WINDOW, catalogue, records


def _scenario() -> Facts:
    return Facts.of(records(), load_org_units(), catalogue())


def test_the_half_year_adds_up_to_its_figures() -> None:
    facts = _scenario()
    counted = compute(facts, WINDOW, SCOPE)
    months = per_month(facts, WINDOW, SCOPE)
    assert [row.month for row in months] == [f"2026-0{m}" for m in range(1, 7)]
    assert sum(row.documents for row in months) == documents_issued(facts, WINDOW, SCOPE)
    assert sum(row.feedback for row in months) == counted["feedback_completed"]
    rates = rates_by_unit(facts, WINDOW, SCOPE)
    assert {row.org_code for row in rates} == {V1, V2}
    assert sum(row.due for row in rates) == counted["disclosures_due"]
    assert sum(row.on_time for row in rates) == counted["disclosures_on_time"]
    assert [row.rate for row in rates] == sorted(row.rate for row in rates)
    ages = open_by_age(facts, WINDOW, SCOPE)
    assert sum(bucket.count for bucket in ages) == counted["warnings_open"]
    assert [bucket.label for bucket in ages] == ["0-7", "8-30", "31-90", ">90"]


START = date(2025, 1, 1)
day_offsets = st.integers(0, 900)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, list[dict[str, Any]]]:
    """Documents in two villages, some closed, some with an accepted report."""
    warnings: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 25))):
        issued = START + timedelta(days=draw(day_offsets))
        closed = draw(st.none() | st.integers(0, 200))
        warnings.append(
            {
                "id": f"w{n}",
                "org_code": draw(st.sampled_from((V1, V2))),
                "doc_type": draw(st.sampled_from(("warning", "suggestion", "notice"))),
                "issued_on": issued.isoformat(),
                "closed_on": (issued + timedelta(days=closed)).isoformat() if closed else None,
            }
        )
        if closed and draw(st.booleans()):
            feedback.append(
                {
                    "id": f"f{n}",
                    "org_code": warnings[-1]["org_code"],
                    "warning_id": f"w{n}",
                    "verdict": "accepted",
                    "judged_on": (issued + timedelta(days=closed)).isoformat(),
                }
            )
    return {"warning": warnings, "feedback": feedback}


windows = st.tuples(day_offsets, st.integers(0, 500)).map(
    lambda t: Window(START + timedelta(days=t[0]), START + timedelta(days=t[0] + t[1]))
)


@given(found=documents(), window=windows)
def test_months_and_ages_add_up_to_the_figures(
    found: dict[str, list[dict[str, Any]]], window: Window
) -> None:
    facts = Facts.of(found)
    scope = Scope((V1, V2))
    counted = compute(facts, window, scope)
    months = per_month(facts, window, scope)
    issued = sum(1 for row in found["warning"] if window.holds(row["issued_on"]))
    assert sum(row.documents for row in months) == issued == documents_issued(facts, window, scope)
    assert sum(row.feedback for row in months) == counted["feedback_completed"]
    assert (
        sum(bucket.count for bucket in open_by_age(facts, window, scope))
        == (counted["warnings_open"])
    )


@given(window=windows)
def test_the_months_are_every_month_the_window_touches(window: Window) -> None:
    keys = month_keys(window)
    assert keys[0] == window.start.strftime("%Y-%m") and keys[-1] == window.end.strftime("%Y-%m")
    assert keys == sorted(set(keys))
    days = (window.end - window.start).days
    touched = {(window.start + timedelta(days=n)).strftime("%Y-%m") for n in range(days + 1)}
    assert set(keys) == touched


def test_ages_fall_in_their_buckets_at_the_edges() -> None:
    window = Window(date(2026, 1, 1), date(2026, 6, 30))
    ages = (0, 7, 8, 30, 31, 90, 91, 400)
    found = {
        "warning": [
            {
                "id": f"w{age}",
                "org_code": V1,
                "issued_on": (window.end - timedelta(days=age)).isoformat(),
            }
            for age in ages
        ]
    }
    buckets = open_by_age(Facts.of(found), window, Scope((V1,)))
    assert [bucket.count for bucket in buckets] == [2, 2, 2, 2]
    assert [(b.low, b.high) for b in buckets] == list(AGE_BUCKETS)


def test_the_periods_end_today_or_cover_last_year() -> None:
    today = date(2026, 11, 5)
    assert PERIODS[0][0] == "year"
    assert period_window("year", today) == Window(date(2026, 1, 1), today)
    assert period_window("quarter", today) == Window(date(2026, 10, 1), today)
    assert period_window("month", today) == Window(date(2026, 11, 1), today)
    assert period_window("last_year", today) == Window(date(2025, 1, 1), date(2025, 12, 31))


def test_a_unit_that_owed_nothing_has_no_rate() -> None:
    facts = Facts.of({}, load_org_units(), catalogue())
    rates = rates_by_unit(facts, WINDOW, Scope((V1,)))
    assert [(row.org_code, row.on_time, row.percent) for row in rates] == [(V1, 0, 0)]
    assert rates[0].due > 0
