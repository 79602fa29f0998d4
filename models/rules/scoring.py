"""Duty scores (逐项赋分): what a unit's evidence earns on each indicator in a year, as
pure rules; the store, the screens and the report only read records into them.

The rule, for one unit, one indicator and one year:

- The indicator's year has its due dates (``models.duty.due_dates``: one for an
  ``MM-DD`` or ``yearly`` indicator, two for ``half_year``, four for ``quarterly``).
  Each due date carries an equal share of the indicator's points.
- A due date is **on time** when evidence occurred in its window (``models.duty.
  window_start``: after the due date before it, the previous year's last for the year's
  first, and on or before it; the window the reminder pass reads): the full share.
- Otherwise it is **late** when a *spare* record made it up: one dated after the due
  date and by the year's close (``rules.duty.year_close``, 01-31 of the next year) that
  does not keep another due date of the year on time (a window's first record does) and
  has not made up an earlier one. Each record counts once in a year: missed due dates
  take spare records in date order, each the earliest spare one after it. A late due
  date earns ``late_share`` of its share.
- Otherwise it is **missing** once its date has passed (nothing), or **pending** while
  it has not (nothing yet, and not listed as missing).
- An ``ongoing`` indicator has no due date: it is on time when evidence occurred within
  the year, pending until the year ends without any, then missing. It is never late.
- A supervisor's **adjustment** replaces all of this: its points, capped to between 0
  and the indicator's points, are the item's score; the reason stays with it.

Evidence is dated by ``occurred_on``, the day the work was done. Scores are exact
decimals. An item's status is the worst of its due dates' (missing, late, pending, on
time), or adjusted. A unit's score is the sum of the items of the indicators that apply
to its level (``models.duty.indicators_for``), its maximum the sum of their points, its
missing items those whose status is missing. Units are ranked by score, highest first,
among the units of the same level (the same list, the same maximum); equal scores share
a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import NamedTuple, TypeVar

from models.duty import Indicator, due_dates, indicators_for, window_start
from models.rules.duty import year_close

__all__ = [
    "DEFAULT_SETTINGS",
    "Adjustment",
    "Evidence",
    "ItemScore",
    "ScoringSettings",
    "Slot",
    "Status",
    "UnitScore",
    "counted_in",
    "evidence_span",
    "item_score",
    "item_span",
    "ranks",
    "score_table",
    "score_unit",
    "year_of",
]

K = TypeVar("K", bound=Hashable)
ZERO = Decimal(0)


@dataclass(frozen=True)
class ScoringSettings:
    late_share: Decimal = Decimal("0.5")
    """The share of a due date's points that evidence made up late earns (0 to 1):
    half, unless the district decides otherwise (0: late counts as missing)."""

    def __post_init__(self) -> None:
        if not ZERO <= self.late_share <= 1:
            raise ValueError("late_share must be between 0 and 1")


DEFAULT_SETTINGS = ScoringSettings()


class Status(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"
    """Not due yet, and nothing recorded for it."""
    ADJUSTED = "adjusted"


_WORST_FIRST = (Status.MISSING, Status.LATE, Status.PENDING, Status.ON_TIME)


class Evidence(NamedTuple):
    """One duty evidence record as the rule reads it (a tuple: a district's hundred
    thousand are made and sorted quickly)."""

    on: date
    """Its ``occurred_on``."""
    id: str = ""


@dataclass(frozen=True)
class Adjustment:
    """A supervisor's score for an item (a ``duty_adjustment`` record)."""

    points: Decimal
    reason: str
    id: str = ""
    evidence_id: str = ""
    adjusted_on: date | None = None


@dataclass(frozen=True)
class Slot:
    """One due date of an item in the year (``due`` None: an ongoing indicator's year)."""

    due: date | None
    status: Status
    evidence: Evidence | None
    """The record that counts for it (on time or made up late)."""
    share: Decimal
    score: Decimal


@dataclass(frozen=True)
class ItemScore:
    code: str
    points: Decimal
    """The most the item can earn: the indicator's points."""
    score: Decimal
    status: Status
    slots: tuple[Slot, ...]
    adjustment: Adjustment | None = None

    @property
    def missing(self) -> bool:
        return self.status is Status.MISSING


@dataclass(frozen=True)
class UnitScore:
    org_code: str
    level: str
    score: Decimal
    max: Decimal
    rank: int
    """Among the units of the same level (0 until ranked)."""
    items: tuple[ItemScore, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """The codes of the items whose status is missing, in list order."""
        return tuple(item.code for item in self.items if item.missing)


def _points(indicator: Indicator) -> Decimal:
    return Decimal(str(indicator.points))


@cache
def _year_plan(indicator: Indicator, year: int) -> tuple[tuple[date, ...], date]:
    """The year's due dates and the first day of the first one's window."""
    dues = due_dates(indicator, year)
    return dues, (window_start(indicator, dues[0]) if dues else date(year, 1, 1))


def evidence_span(year: int) -> tuple[date, date]:
    """The first and last day evidence may count for ``year`` (of any indicator): a read
    of the records may keep to these."""
    return date(year - 1, 1, 1), year_close(year)


def item_span(indicator: Indicator, year: int) -> tuple[date, date]:
    """The first and last day a record of ``indicator`` may count for ``year``: from its
    first due date's window to the year's close (an ongoing indicator's: the year)."""
    if indicator.deadline == "ongoing":
        return date(year, 1, 1), date(year, 12, 31)
    return _year_plan(indicator, year)[1], year_close(year)


def year_of(indicator: Indicator, day: date) -> int:
    """The year whose scoring a record of ``day`` counts on time for: the year of the
    first due date on or after it (an ongoing indicator's: its own year)."""
    for year in (day.year, day.year + 1):
        if any(due >= day for due in due_dates(indicator, year)):
            return year
    return day.year


def counted_in(
    indicator: Indicator,
    record: Evidence,
    evidence: Iterable[Evidence],
    *,
    today: date,
    settings: ScoringSettings = DEFAULT_SETTINGS,
) -> int:
    """The year whose score ``record`` (one of the unit's ``evidence`` for ``indicator``)
    counts in as of ``today``: the earliest year whose item takes it for a due date, on
    time or made up late (a record after a missed due date makes up that year's, though
    it would be on time for the next); a record no year takes: ``year_of``."""
    records = sorted({*evidence, record})
    on_time = year_of(indicator, record.on)
    for year in range(record.on.year - 1, on_time + 1):
        item = item_score(indicator, year, records, today=today, settings=settings)
        if any(slot.evidence == record for slot in item.slots):
            return year
    return on_time


def _adjusted(indicator: Indicator, adjustment: Adjustment) -> ItemScore:
    points = _points(indicator)
    score = min(max(adjustment.points, ZERO), points)
    return ItemScore(indicator.code, points, score, Status.ADJUSTED, (), adjustment)


def _ongoing(
    indicator: Indicator, year: int, records: Sequence[Evidence], today: date
) -> tuple[Slot, ...]:
    points = _points(indicator)
    start, end = date(year, 1, 1), date(year, 12, 31)
    found = next((ev for ev in records if start <= ev.on <= end), None)
    if found is not None:
        return (Slot(None, Status.ON_TIME, found, points, points),)
    status = Status.MISSING if today > end else Status.PENDING
    return (Slot(None, status, None, points, ZERO),)


def _dated(
    indicator: Indicator,
    year: int,
    records: Sequence[Evidence],
    today: date,
    settings: ScoringSettings,
) -> tuple[Slot, ...]:
    dues, start = _year_plan(indicator, year)
    share = _points(indicator) / len(dues)
    close = year_close(year)
    kept: dict[int, Evidence] = {}
    spare: list[Evidence] = []
    for ev in records:
        index = bisect_left(dues, ev.on)
        if index < len(dues) and ev.on >= start and index not in kept:
            kept[index] = ev
        elif dues[0] < ev.on <= close:
            spare.append(ev)
    slots: list[Slot] = []
    next_spare = 0
    for index, due in enumerate(dues):
        if index in kept:
            slots.append(Slot(due, Status.ON_TIME, kept[index], share, share))
            continue
        if due >= today:
            slots.append(Slot(due, Status.PENDING, None, share, ZERO))
            continue
        while next_spare < len(spare) and spare[next_spare].on <= due:
            next_spare += 1
        if next_spare < len(spare):
            made_up = spare[next_spare]
            next_spare += 1
            slots.append(Slot(due, Status.LATE, made_up, share, share * settings.late_share))
        else:
            slots.append(Slot(due, Status.MISSING, None, share, ZERO))
    return tuple(slots)


def item_score(
    indicator: Indicator,
    year: int,
    evidence: Iterable[Evidence],
    *,
    today: date,
    settings: ScoringSettings = DEFAULT_SETTINGS,
    adjustment: Adjustment | None = None,
) -> ItemScore:
    """One unit's score on one indicator for ``year``, as of ``today``, from the unit's
    evidence records for that indicator (any dates, any order)."""
    if adjustment is not None:
        return _adjusted(indicator, adjustment)
    records = sorted(evidence)
    if indicator.deadline == "ongoing":
        slots = _ongoing(indicator, year, records, today)
    else:
        slots = _dated(indicator, year, records, today, settings)
    statuses = {slot.status for slot in slots}
    status = next(s for s in _WORST_FIRST if s in statuses)
    score = sum((slot.score for slot in slots), ZERO)
    return ItemScore(indicator.code, _points(indicator), score, status, slots)


def score_unit(
    org_code: str,
    level: str,
    year: int,
    evidence: Mapping[str, Sequence[Evidence]],
    adjustments: Mapping[str, Adjustment],
    *,
    today: date,
    settings: ScoringSettings = DEFAULT_SETTINGS,
) -> UnitScore:
    """A unit's items (the indicators that apply to its level), score and maximum;
    ``evidence`` and ``adjustments`` by indicator code. Unranked (rank 0)."""
    items = tuple(
        item_score(
            indicator,
            year,
            evidence.get(indicator.code, ()),
            today=today,
            settings=settings,
            adjustment=adjustments.get(indicator.code),
        )
        for indicator in indicators_for(level)
    )
    return UnitScore(
        org_code,
        level,
        sum((item.score for item in items), ZERO),
        sum((item.points for item in items), ZERO),
        0,
        items,
    )


def ranks(scores: Mapping[K, Decimal]) -> dict[K, int]:
    """Competition ranking: 1 for the highest score, equal scores share a rank, and the
    next rank counts them all (1, 2, 2, 4)."""
    first: dict[Decimal, int] = {}
    for place, score in enumerate(sorted(scores.values(), reverse=True), start=1):
        first.setdefault(score, place)
    return {key: first[score] for key, score in scores.items()}


def score_table(
    units: Iterable[tuple[str, str]],
    year: int,
    evidence: Mapping[tuple[str, str], Sequence[Evidence]],
    adjustments: Mapping[tuple[str, str], Adjustment],
    *,
    today: date,
    settings: ScoringSettings = DEFAULT_SETTINGS,
) -> list[UnitScore]:
    """Every unit given as (org code, level) whose level is scored, ranked among its
    level; ``evidence`` and ``adjustments`` by (org code, indicator code). Ordered by
    level, then rank, then code."""
    by_unit_evidence: dict[str, dict[str, Sequence[Evidence]]] = {}
    for (org_code, code), records in evidence.items():
        by_unit_evidence.setdefault(org_code, {})[code] = records
    by_unit_adjustments: dict[str, dict[str, Adjustment]] = {}
    for (org_code, code), adjustment in adjustments.items():
        by_unit_adjustments.setdefault(org_code, {})[code] = adjustment
    scored = [
        score_unit(
            org_code,
            level,
            year,
            by_unit_evidence.get(org_code, {}),
            by_unit_adjustments.get(org_code, {}),
            today=today,
            settings=settings,
        )
        for org_code, level in units
        if indicators_for(level)
    ]
    placed: dict[str, int] = {}
    for level in {unit.level for unit in scored}:
        placed |= ranks({unit.org_code: unit.score for unit in scored if unit.level == level})
    ranked = [
        UnitScore(u.org_code, u.level, u.score, u.max, placed[u.org_code], u.items) for u in scored
    ]
    ranked.sort(key=lambda unit: (unit.level, unit.rank, unit.org_code))
    return ranked
