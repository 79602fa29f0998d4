"""Which findings of a period a supervision bulletin (监督通报) reports, and which units it
names: the rule behind ``sanwu bulletin draft`` and the app's draft, kept pure so it is
tested without a store. The client reads the facts (the figures' own reading,
``client.analysis.figures.facts``) and the duty scores, and words the draft.

Three findings, each as of the period's last day, for units in the device's scope:

- a **late disclosure**: a catalogue item a unit owed with a deadline in the period
  (``models.figure_counts.due_items``) and not published by that deadline, whether
  published late or not at all. Their number is the figures' ``disclosures_due``
  minus ``disclosures_on_time``;
- an **unanswered document**: a warning or letter open on the last day, its reply date
  before that day, and its unit still owing the answer (``owes_answer_on``); their
  number is the figures' ``documents_overdue``;
- a **low duty score**: a scored unit whose score for the year of the last day is below
  ``LOW_SCORE_SHARE`` of the points already due by that day (due dates passed, or
  adjusted). Points not yet due do not count against a unit, so a bulletin of the
  first quarter does not name every department for the year it has not lived yet.

A bulletin names every unit with a finding, never the issuing unit itself
(``models.rules.bulletins`` refuses that).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from models.figure_counts import Facts, Row, Scope, Window, day_text, due_items, owes_answer_on
from models.rules.scoring import Status, UnitScore

__all__ = [
    "LOW_SCORE_SHARE",
    "LateDisclosure",
    "LowScore",
    "UnansweredDocument",
    "UnitFindings",
    "by_unit",
    "late_disclosures",
    "low_scores",
    "points_due",
    "unanswered_documents",
]

LOW_SCORE_SHARE = Decimal("0.6")
"""A duty score below 60% of the points due so far is low (the pass mark of the
district's assessments); ``sanwu bulletin draft --below`` changes it for one draft."""


@dataclass(frozen=True)
class LateDisclosure:
    """One catalogue item one unit had not published by its deadline."""

    org_code: str
    item: str
    """The catalogue item's code."""
    period: str
    deadline: str
    record_id: str = ""
    """The published disclosure, when there is one (published late)."""
    published_on: str = ""
    """The day it was published, when that was by the period's last day."""


@dataclass(frozen=True)
class UnansweredDocument:
    """A document (warning, suggestion, letter) a unit had not answered past its date."""

    org_code: str
    record_id: str
    reply_due: str


@dataclass(frozen=True)
class LowScore:
    """A unit whose duty score is below the share of the points due so far."""

    org_code: str
    score: Decimal
    due: Decimal
    """The points of its due dates passed (and items adjusted) by the day scored."""
    max: Decimal


@dataclass(frozen=True)
class UnitFindings:
    """What a bulletin says about one unit."""

    org_code: str
    late: tuple[LateDisclosure, ...] = ()
    unanswered: tuple[UnansweredDocument, ...] = ()
    low_score: LowScore | None = None


def _published(facts: Facts, scope: Scope) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(unit, item, period) -> (record id, day) of the earliest publication."""
    out: dict[tuple[str, str, str], tuple[str, str]] = {}
    for row in facts.kind("disclosure", scope):
        day = day_text(row.get("published_on"))
        if row.get("status") != "published" or not day:
            continue
        key = (str(row.get("org_code")), str(row.get("catalog_code")), str(row.get("period")))
        known = out.get(key)
        if known is None or (day, str(row.get("id"))) < (known[1], known[0]):
            out[key] = (str(row.get("id") or ""), day)
    return out


def late_disclosures(facts: Facts, window: Window, scope: Scope) -> list[LateDisclosure]:
    """Items due in the window and not published by their deadline, by unit, deadline."""
    published = _published(facts, scope)
    out: list[LateDisclosure] = []
    for due in due_items(facts, window, scope):
        deadline = due.deadline.isoformat()
        record_id, day = published.get((due.org_code, due.item, due.period), ("", ""))
        if day and day <= deadline:
            continue
        shown = day if day and day <= window.last else ""
        out.append(LateDisclosure(due.org_code, due.item, due.period, deadline, record_id, shown))
    out.sort(key=lambda late: (late.org_code, late.deadline, late.item, late.period))
    return out


def unanswered_documents(facts: Facts, window: Window, scope: Scope) -> list[UnansweredDocument]:
    """Documents open on the window's last day, past their reply date and still owed an
    answer on that day; by unit and reply date."""
    last = window.last
    reports: dict[object, list[Row]] = {}
    for row in facts.kind("feedback", scope):
        reports.setdefault(row.get("warning_id"), []).append(row)
    out = [
        UnansweredDocument(str(row.get("org_code")), str(row.get("id")), due)
        for row in facts.kind("warning", scope)
        if "" < day_text(row.get("issued_on")) <= last
        and not "" < day_text(row.get("closed_on")) <= last
        and "" < (due := day_text(row.get("reply_due"))) < last
        and owes_answer_on(reports.get(row.get("id"), ()), last)
    ]
    out.sort(key=lambda doc: (doc.org_code, doc.reply_due, doc.record_id))
    return out


def points_due(unit: UnitScore) -> Decimal:
    """The points a unit could have earned by the day it was scored: every due date not
    pending (on time, late or missing) and every adjusted item in full."""
    total = Decimal(0)
    for item in unit.items:
        if item.status is Status.ADJUSTED:
            total += item.points
        else:
            total += sum(
                (s.share for s in item.slots if s.status is not Status.PENDING), Decimal(0)
            )
    return total


def low_scores(units: Iterable[UnitScore], share: Decimal = LOW_SCORE_SHARE) -> list[LowScore]:
    """Units whose score is below ``share`` of the points due so far (none due: not low)."""
    out = []
    for unit in units:
        due = points_due(unit)
        if due > 0 and unit.score < share * due:
            out.append(LowScore(unit.org_code, unit.score, due, unit.max))
    out.sort(key=lambda low: low.org_code)
    return out


def by_unit(
    late: Iterable[LateDisclosure],
    unanswered: Iterable[UnansweredDocument],
    low: Iterable[LowScore],
    *,
    issuer: str,
) -> list[UnitFindings]:
    """The findings per unit named, by code: every unit with one, but the issuer."""
    lates: dict[str, list[LateDisclosure]] = {}
    for found in late:
        lates.setdefault(found.org_code, []).append(found)
    docs: dict[str, list[UnansweredDocument]] = {}
    for doc in unanswered:
        docs.setdefault(doc.org_code, []).append(doc)
    lows: Mapping[str, LowScore] = {found.org_code: found for found in low}
    codes = sorted((set(lates) | set(docs) | set(lows)) - {issuer})
    return [
        UnitFindings(code, tuple(lates.get(code, ())), tuple(docs.get(code, ())), lows.get(code))
        for code in codes
    ]
