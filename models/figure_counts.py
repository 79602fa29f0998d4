"""The counting half of the district's figures (``models.figures`` declares them): the
window, the scope, the facts counted, and the pure functions each figure names.

Kept to what a figure's definition says, and nothing about how records are stored: the
facts are each kind's live records as mappings (wire values or stored values; days as
``date`` or ``YYYY-MM-DD``), the units of the tree and the catalogue in force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from models.catalog import CatalogItem, deadline_for, parse_period, period_for
from models.orgs import OrgUnit, scope_prefixes

__all__ = [
    "NOTICE_TYPES",
    "SUGGESTION",
    "Count",
    "Due",
    "Facts",
    "Scope",
    "Window",
    "bulletins",
    "cases_filed",
    "clues_concluded",
    "clues_received",
    "day_text",
    "disclosures_due",
    "disclosures_on_time",
    "documents_issued",
    "documents_open",
    "documents_open_rows",
    "documents_overdue",
    "due_items",
    "feedback_completed",
    "narrow",
    "notices_offline",
    "online_supervisions",
    "owes_answer_on",
    "people_disciplined",
    "problems_rectified",
    "published_days",
    "reminders_raised",
    "reminders_sms",
    "reviews",
    "scorings",
    "suggestions_sent",
    "units_named",
    "verdicts",
]

Row = Mapping[str, Any]


def day_text(value: object) -> str:
    """A day as ``YYYY-MM-DD`` ("" for none): days compare as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value else ""


@dataclass(frozen=True)
class Window:
    """The days a report covers, both ends included."""

    start: date
    end: date

    @cached_property
    def first(self) -> str:
        return self.start.isoformat()

    @cached_property
    def last(self) -> str:
        return self.end.isoformat()

    def holds(self, value: object) -> bool:
        """Whether a day (``date``, ``YYYY-MM-DD`` or none) is in the window."""
        day = day_text(value)
        return bool(day) and self.first <= day <= self.last


@dataclass(frozen=True)
class Scope:
    """The units a report covers: org-code prefixes ("" is every unit; none, no unit)."""

    prefixes: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Scope:
        """A device's scope as it is stored (prefixes, comma-separated)."""
        return cls(scope_prefixes(text))

    def holds(self, org_code: object) -> bool:
        return str(org_code or "").startswith(self.prefixes)


def narrow(scope: Scope, unit: str) -> Scope:
    """The part of ``scope`` under the prefix ``unit`` (a village, a town's 9 digits):
    ``unit`` itself where the scope covers it, the scope's own prefixes that lie under
    it; no prefix at all when they do not meet."""
    out: list[str] = []
    for prefix in scope.prefixes:
        chosen = unit if unit.startswith(prefix) else prefix if prefix.startswith(unit) else None
        if chosen is not None and chosen not in out:
            out.append(chosen)
    return Scope(tuple(out))


@dataclass(frozen=True)
class Facts:
    """What the figures count: each kind's live records, the units of the tree and the
    catalogue in force."""

    rows: Mapping[str, Sequence[Row]]
    units: Sequence[OrgUnit] = ()
    catalogue: Mapping[str, CatalogItem] = field(default_factory=dict)
    _due: dict[tuple[Window, Scope], list[Due]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """``due_items`` once per window and scope (three figures and the reader ask)."""

    @classmethod
    def of(
        cls,
        records: Mapping[str, Iterable[Row]],
        units: Sequence[OrgUnit] = (),
        catalogue: Mapping[str, CatalogItem] | None = None,
    ) -> Facts:
        """Facts from records as they stand: deleted ones dropped."""
        live = {kind: [r for r in rows if not r.get("deleted")] for kind, rows in records.items()}
        return cls(live, units, dict(catalogue or {}))

    def kind(self, kind: str, scope: Scope) -> Iterator[Row]:
        """A kind's records about units in ``scope``."""
        return (row for row in self.rows.get(kind, ()) if scope.holds(row.get("org_code")))


Count = Callable[[Facts, Window, Scope], int]


# ---- the counts ------------------------------------------------------------------------------


def _dated(kind: str, day: str, keep: Callable[[Row], bool] = lambda _row: True) -> Count:
    """Records of ``kind`` in scope whose ``day`` is in the window and that ``keep`` keeps."""

    def count(facts: Facts, window: Window, scope: Scope) -> int:
        return sum(1 for row in facts.kind(kind, scope) if window.holds(row.get(day)) and keep(row))

    return count


def _has(name: str, *values: object) -> Callable[[Row], bool]:
    return lambda row: row.get(name) in values


SUGGESTION = ("suggestion",)
NOTICE_TYPES = ("reminder_letter", "notice")
"""Documents that remind (提醒函, 通知): printed and handed over, an offline notice."""

suggestions_sent = _dated("warning", "issued_on", _has("doc_type", *SUGGESTION))
documents_issued = _dated("warning", "issued_on")
reviews = _dated("disclosure", "reviewed_on")
scorings = _dated("duty_adjustment", "adjusted_on")
reminders_raised = _dated("reminder", "raised_on")
reminders_sms = _dated("reminder", "sms_on")
verdicts = _dated("feedback", "judged_on", lambda row: bool(row.get("verdict")))
clues_received = _dated("clue", "received_on")
clues_concluded = _dated("clue", "concluded_on", _has("status", "concluded"))
cases_filed = _dated("clue", "concluded_on", _has("outcome", "case_filed"))
notices_offline = _dated(
    "warning",
    "issued_on",
    lambda row: row.get("doc_type") in NOTICE_TYPES and bool(row.get("on_paper")),
)


def feedback_completed(facts: Facts, window: Window, scope: Scope) -> int:
    """Documents with a report accepted in the window (one per document)."""
    return len(
        {
            row.get("warning_id")
            for row in facts.kind("feedback", scope)
            if row.get("verdict") == "accepted" and window.holds(row.get("judged_on"))
        }
    )


def problems_rectified(facts: Facts, window: Window, scope: Scope) -> int:
    return sum(
        len(row.get("rectified") or ())
        for row in facts.kind("warning", scope)
        if row.get("status") == "closed" and window.holds(row.get("closed_on"))
    )


def people_disciplined(facts: Facts, window: Window, scope: Scope) -> int:
    return sum(
        int(row.get("people_disciplined") or 0)
        for row in facts.kind("clue", scope)
        if row.get("outcome") == "case_filed" and window.holds(row.get("concluded_on"))
    )


def _bulletins_in(facts: Facts, window: Window, scope: Scope) -> list[Row]:
    return [
        row
        for row in facts.rows.get("bulletin", ())
        if row.get("status") == "issued"
        and window.holds(row.get("issued_on"))
        and (
            scope.holds(row.get("org_code"))
            or any(scope.holds(code) for code in row.get("named_units") or ())
        )
    ]


def bulletins(facts: Facts, window: Window, scope: Scope) -> int:
    return len(_bulletins_in(facts, window, scope))


def units_named(facts: Facts, window: Window, scope: Scope) -> int:
    named = {
        str(code)
        for row in _bulletins_in(facts, window, scope)
        for code in row.get("named_units") or ()
    }
    return sum(1 for code in named if scope.holds(code))


def online_supervisions(facts: Facts, window: Window, scope: Scope) -> int:
    parts = (
        reviews,
        scorings,
        reminders_raised,
        documents_issued,
        verdicts,
        bulletins,
        clues_concluded,
    )
    return sum(part(facts, window, scope) for part in parts)


# ---- what is due -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One catalogue item one unit owes for one period, and by when."""

    org_code: str
    item: str
    period: str
    deadline: date


def _periods_due(item: CatalogItem, window: Window) -> list[tuple[str, date]]:
    """The periods of a periodic item whose deadline falls in the window (a deadline is
    at most 13 months after its period starts)."""
    out: list[tuple[str, date]] = []
    period = period_for(item.period, window.start - timedelta(days=400))
    while True:
        deadline = deadline_for(item, period)
        if deadline > window.end:
            return out
        if deadline >= window.start:
            out.append((period, deadline))
        _start, end = parse_period(item.period, period)
        period = period_for(item.period, end + timedelta(days=1))


def due_items(facts: Facts, window: Window, scope: Scope) -> list[Due]:
    """What the units in scope owe with a deadline in the window: every periodic item of
    the catalogue that applies to the unit's level, each period due in the window."""
    known = facts._due.get((window, scope))
    if known is None:
        known = facts._due[(window, scope)] = _due_items(facts, window, scope)
    return known


def _due_items(facts: Facts, window: Window, scope: Scope) -> list[Due]:
    periods = {
        code: _periods_due(item, window)
        for code, item in sorted(facts.catalogue.items())
        if item.period != "on_event"
    }
    return [
        Due(unit.code, code, period, deadline)
        for unit in facts.units
        if scope.holds(unit.code)
        for code, due in periods.items()
        if unit.level in facts.catalogue[code].applies_to
        for period, deadline in due
    ]


def disclosures_due(facts: Facts, window: Window, scope: Scope) -> int:
    return len(due_items(facts, window, scope))


def published_days(facts: Facts, scope: Scope) -> dict[tuple[object, object, object], str]:
    """The day each published disclosure in scope was published, by (unit, item, period)."""
    return {
        (row.get("org_code"), row.get("catalog_code"), row.get("period")): day_text(
            row.get("published_on")
        )
        for row in facts.kind("disclosure", scope)
        if row.get("status") == "published" and row.get("published_on")
    }


def disclosures_on_time(facts: Facts, window: Window, scope: Scope) -> int:
    published = published_days(facts, scope)
    on_time = 0
    for due in due_items(facts, window, scope):
        day = published.get((due.org_code, due.item, due.period))
        on_time += day is not None and day <= due.deadline.isoformat()
    return on_time


# ---- documents open and overdue at the window's last day -------------------------------------


def owes_answer_on(reports: Iterable[Row], day: str) -> bool:
    """Whether a unit still owed its answer to a document on ``day`` (``YYYY-MM-DD``), read
    from its reports: it had not reported the work done, or each such report had been
    returned by then. On the day of the latest step it agrees with the status
    (``models.rules.warnings.OWES_ANSWER``)."""
    for report in reports:
        reported = day_text(report.get("reported_on"))
        if not report.get("completed") or not reported or reported > day:
            continue
        judged = day_text(report.get("judged_on"))
        if not (report.get("verdict") == "returned" and judged and judged <= day):
            return False
    return True


def documents_open_rows(facts: Facts, window: Window, scope: Scope) -> list[Row]:
    """The documents open on the window's last day (the analysis screen ages them)."""
    last = window.last
    return [
        row
        for row in facts.kind("warning", scope)
        if "" < day_text(row.get("issued_on")) <= last
        and not "" < day_text(row.get("closed_on")) <= last
    ]


def documents_open(facts: Facts, window: Window, scope: Scope) -> int:
    return len(documents_open_rows(facts, window, scope))


def documents_overdue(facts: Facts, window: Window, scope: Scope) -> int:
    last = window.last
    reports: dict[object, list[Row]] = {}
    for row in facts.kind("feedback", scope):
        reports.setdefault(row.get("warning_id"), []).append(row)
    return sum(
        1
        for row in documents_open_rows(facts, window, scope)
        if row.get("reply_due")
        and day_text(row.get("reply_due")) < last
        and owes_answer_on(reports.get(row.get("id"), ()), last)
    )
