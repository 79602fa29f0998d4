"""The disclosure catalogue: periods and deadlines."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.catalog import (
    DOMAINS,
    PERIOD_KINDS,
    deadline_for,
    deadline_rule_text,
    load_catalog,
    parse_period,
    period_fits,
    period_for,
)

FINANCE = [
    "财务计划",
    "各项收入",
    "各项支出",
    "各项资产",
    "各类资源",
    "债权债务",
    "收益分配",
    "其他",
]


def fullwidth(text: str) -> str:
    """The same text in full-width digits and letters, as some Chinese IMEs type it."""
    return text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F) if chr(c) != "-"})


def test_finance_has_the_eight_monthly_categories() -> None:
    finance = [item for item in load_catalog().values() if item.domain == "finance"]
    assert [item.name for item in finance] == FINANCE
    assert all(item.period == "monthly" for item in finance)
    assert [item.code for item in finance] == [f"FIN-{n:02d}" for n in range(1, 9)]


def test_items_are_well_formed() -> None:
    catalog = load_catalog()
    assert 30 <= len(catalog) <= 40
    assert {item.domain for item in catalog.values()} == set(DOMAINS)
    prefixes = {"party": "PTY", "government": "GOV", "village": "VIL", "finance": "FIN"}
    for code, item in catalog.items():
        assert code == item.code
        assert re.fullmatch(r"[A-Z]{3}-[0-9]{2}", code)
        assert code.startswith(prefixes[item.domain])
        assert item.period in PERIOD_KINDS
        assert item.period_kind == item.period
        assert item.name and item.name_en
        assert "____" in item.template


def test_legal_baseline_ordinary_items_at_least_quarterly() -> None:
    for item in load_catalog().values():
        assert item.period in ("monthly", "quarterly", "half_year", "yearly", "on_event")
        if item.domain == "finance":
            assert item.period == "monthly"
    assert load_catalog()["VIL-01"].name == "村级重大事项决策"
    assert load_catalog()["VIL-01"].period == "on_event"


@pytest.mark.parametrize(
    ("kind", "period", "ok"),
    [
        ("monthly", "2026-10", True),
        ("monthly", "2026-01", True),
        ("monthly", "2026-13", False),
        ("monthly", "2026-00", False),
        ("monthly", "2026-1", False),
        ("monthly", "2026-Q3", False),
        ("quarterly", "2026-Q3", True),
        ("quarterly", "2026-Q5", False),
        ("quarterly", "2026-Q0", False),
        ("quarterly", "2026-q3", False),
        ("half_year", "2026-H2", True),
        ("half_year", "2026-H3", False),
        ("yearly", "2026", True),
        ("yearly", "26", False),
        ("yearly", "0000", False),
        ("on_event", "2026-10-14", True),
        ("on_event", "2028-02-29", True),
        ("on_event", "2026-02-29", False),
        ("on_event", "2026-02-30", False),
        ("on_event", "2026-1-14", False),
        ("on_event", fullwidth("2026") + "-10-14", False),
        ("weekly", "2026-10", False),
        ("monthly", "", False),
        ("monthly", " 2026-10", False),
    ],
)
def test_period_fits(kind: str, period: str, ok: bool) -> None:
    assert period_fits(kind, period) is ok


@pytest.mark.parametrize(
    ("kind", "period", "start", "end"),
    [
        ("monthly", "2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("monthly", "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
        ("quarterly", "2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("quarterly", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("half_year", "2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("yearly", "2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("on_event", "2026-10-14", date(2026, 10, 14), date(2026, 10, 14)),
    ],
)
def test_parse_period(kind: str, period: str, start: date, end: date) -> None:
    assert parse_period(kind, period) == (start, end)


def test_parse_period_refuses_with_value_error() -> None:
    with pytest.raises(ValueError):
        parse_period("quarterly", "2026-Q5")


@pytest.mark.parametrize(
    ("code", "period", "due"),
    [
        ("FIN-02", "2026-10", date(2026, 11, 10)),
        ("FIN-02", "2026-12", date(2027, 1, 10)),
        ("GOV-01", "2026-Q3", date(2026, 10, 20)),
        ("GOV-01", "2026-Q4", date(2027, 1, 20)),
        ("PTY-01", "2026-H1", date(2026, 7, 20)),
        ("PTY-01", "2026-H2", date(2027, 1, 20)),
        ("PTY-06", "2026", date(2027, 1, 20)),
        ("VIL-01", "2026-12-30", date(2027, 1, 2)),
        ("PTY-03", "2026-10-14", date(2026, 10, 19)),
    ],
)
def test_deadline_for(code: str, period: str, due: date) -> None:
    assert deadline_for(load_catalog()[code], period) == due


def test_deadline_for_a_period_of_the_wrong_kind_fails() -> None:
    with pytest.raises(ValueError):
        deadline_for(load_catalog()["GOV-01"], "2026-10")


def test_deadline_rule_text() -> None:
    catalog = load_catalog()
    assert deadline_rule_text(catalog["GOV-01"]) == "20th of the month after the quarter"
    assert deadline_rule_text(catalog["FIN-01"]) == "10th of the month after the month"
    assert deadline_rule_text(catalog["VIL-01"]) == "within 3 days of the event"
    assert all(deadline_rule_text(item) for item in catalog.values())


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2990, 12, 31))


@given(day=days, kind=st.sampled_from(PERIOD_KINDS))
def test_period_for_contains_the_day(day: date, kind: str) -> None:
    period = period_for(kind, day)
    assert period_fits(kind, period)
    start, end = parse_period(kind, period)
    assert start <= day <= end
    # The next period starts the day after this one ends.
    assert period_for(kind, end + timedelta(days=1)) != period


@given(day=days)
def test_deadline_is_after_the_period(day: date) -> None:
    for item in load_catalog().values():
        period = period_for(item.period, day)
        _, end = parse_period(item.period, period)
        assert deadline_for(item, period) >= end
