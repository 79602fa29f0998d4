"""The analysis screen's charts as pure counts over the figures' facts
(``models.figure_counts``): documents and feedback per month, the on-time disclosure rate
per unit, open documents by age, and the periods people choose from.

Each chart breaks one declared figure down and adds up to it: the months' documents to
``documents_issued``, their feedback to ``feedback_completed``, the units' dues and
on-time disclosures to ``disclosures_due`` and ``disclosures_on_time``, the age buckets
to ``warnings_open`` (tests/models/test_figure_charts.py checks each sum). So the screen
and ``sanwu report supervision`` can never tell two stories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from models.figure_counts import (
    Facts,
    Scope,
    Window,
    day_text,
    documents_open_rows,
    due_items,
    published_days,
)
from models.i18n import N_

__all__ = [
    "AGE_BUCKETS",
    "PERIODS",
    "AgeBucket",
    "MonthRow",
    "UnitRate",
    "month_keys",
    "open_by_age",
    "per_month",
    "period_window",
    "rates_by_unit",
]


# ---- periods ---------------------------------------------------------------------------------


def _quarter_start(today: date) -> date:
    return date(today.year, (today.month - 1) // 3 * 3 + 1, 1)


_PERIODS: Mapping[str, Callable[[date], Window]] = {
    "year": lambda today: Window(date(today.year, 1, 1), today),
    "quarter": lambda today: Window(_quarter_start(today), today),
    "month": lambda today: Window(today.replace(day=1), today),
    "last_year": lambda today: Window(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
}

PERIODS: tuple[tuple[str, str], ...] = (
    ("year", N_("This year")),
    ("quarter", N_("This quarter")),
    ("month", N_("This month")),
    ("last_year", N_("Last year")),
)
"""(name, msgid of its label): this year first, the report's default window."""


def period_window(name: str, today: date) -> Window:
    """The days a period covers, both ends included: up to ``today``, or last year whole."""
    return _PERIODS[name](today)


# ---- documents and feedback per month --------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    month: str
    """``YYYY-MM``."""
    documents: int
    """Documents issued that month (``documents_issued``)."""
    feedback: int
    """Documents whose report was accepted that month (``feedback_completed``)."""


def month_keys(window: Window) -> list[str]:
    """Every month the window touches, as ``YYYY-MM``, in order."""
    out: list[str] = []
    day = window.start.replace(day=1)
    while day <= window.end:
        out.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def per_month(facts: Facts, window: Window, scope: Scope) -> list[MonthRow]:
    """Documents issued and feedback completed in each month of the window (the window's
    days only: a month cut by the window counts its days inside)."""
    documents: Counter[str] = Counter()
    for row in facts.kind("warning", scope):
        day = day_text(row.get("issued_on"))
        if window.holds(day):
            documents[day[:7]] += 1
    accepted: dict[str, set[object]] = {}
    for row in facts.kind("feedback", scope):
        day = day_text(row.get("judged_on"))
        if row.get("verdict") == "accepted" and window.holds(day):
            accepted.setdefault(day[:7], set()).add(row.get("warning_id"))
    return [
        MonthRow(month, documents[month], len(accepted.get(month, ())))
        for month in month_keys(window)
    ]


# ---- on-time disclosure rate per unit --------------------------------------------------------


@dataclass(frozen=True)
class UnitRate:
    org_code: str
    due: int
    on_time: int

    @property
    def rate(self) -> Fraction:
        """The share disclosed on time (0 when nothing was due)."""
        return Fraction(self.on_time, self.due) if self.due else Fraction(0)

    @property
    def percent(self) -> int:
        """The rate as a whole percentage, rounded down (100 only when all were on time)."""
        return int(self.rate * 100)


def rates_by_unit(facts: Facts, window: Window, scope: Scope) -> list[UnitRate]:
    """Each unit in scope that owed something in the window: what it owed and what it
    disclosed on time, the lowest rate first (then by code)."""
    published = published_days(facts, scope)
    due: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    for item in due_items(facts, window, scope):
        due[item.org_code] += 1
        day = published.get((item.org_code, item.item, item.period))
        on_time[item.org_code] += day is not None and day <= item.deadline.isoformat()
    rows = [UnitRate(code, due[code], on_time[code]) for code in due]
    return sorted(rows, key=lambda row: (row.rate, row.org_code))


# ---- open documents by age -------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBucket:
    low: int
    """Days since issued, at least."""
    high: int | None
    """At most (None: no bound)."""
    count: int

    @property
    def label(self) -> str:
        """``0-7``, ``8-30``, ``>90`` (days; digits alone, drawn in any language)."""
        return f"{self.low}-{self.high}" if self.high is not None else f">{self.low - 1}"


AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (8, 30), (31, 90), (91, None))
"""Days since a document was issued, as of the window's last day."""


def open_by_age(facts: Facts, window: Window, scope: Scope) -> list[AgeBucket]:
    """The documents open on the window's last day (``warnings_open``) by how many days
    they had been open then."""
    counts: Counter[int] = Counter()
    end = window.end
    for row in documents_open_rows(facts, window, scope):
        age = (end - date.fromisoformat(day_text(row.get("issued_on"))[:10])).days
        counts[
            next(i for i, (low, high) in enumerate(AGE_BUCKETS) if high is None or age <= high)
        ] += 1
    return [AgeBucket(low, high, counts[i]) for i, (low, high) in enumerate(AGE_BUCKETS)]
