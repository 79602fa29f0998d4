"""Who records and scores duty work, and when a year's items lock (逐项赋分).

A unit records its own evidence (an old ledger's too, while its year is open); a
supervising level scores an item of a unit in place of what its evidence earns (a duty
adjustment, with its reason). Once a year has closed, its scored items no longer change:
neither its adjustments nor the evidence that may count in it (``evidence_year``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from models.i18n import N_
from models.rules.actors import Side
from models.rules.refusals import Refusal

__all__ = [
    "ADJUSTMENT_READS",
    "YEAR_CLOSES",
    "check_adjustment",
    "check_evidence",
    "evidence_year",
    "year_close",
    "year_closed",
]

YEAR_CLOSES = (1, 31)
"""A year's duty items lock at the end of this month and day of the next year, once
the district's 年度考核 has scored them."""
ADJUSTMENT_READS: tuple[str, ...] = ("year",)
"""What a create's check reads besides the unit."""
EVIDENCE_READS: tuple[str, ...] = ("occurred_on",)
"""What an evidence create's check reads besides the unit."""


def year_close(year: int) -> date:
    """The last day ``year``'s items may change (and late evidence still counts)."""
    month, day = YEAR_CLOSES
    return date(year + 1, month, day)


def year_closed(year: int, today: date) -> bool:
    """Whether ``year``'s items are locked on ``today``."""
    return today > year_close(year)


def evidence_year(day: date) -> int:
    """The earliest year whose score a record of ``day`` may change: the year before
    while its close has not passed on ``day`` (a record of January makes up the last
    year's items late, ``rules.scoring``), else the record's own year. Years close in
    order, so this year is closed whenever any year the record counts in is."""
    return day.year - 1 if day <= year_close(day.year - 1) else day.year


def _year_of(value: Any) -> int | None:
    if isinstance(value, date):
        return value.year
    text = str(value or "")
    return int(text[:4]) if text[:4].isdigit() else None


def _locked(
    years: list[int | None], today: date | None, rule: str = "year_closed", field: str = "year"
) -> Refusal | None:
    for year in years:
        if year is not None and today is not None and year_closed(year, today):
            return Refusal(rule, field, {"year": str(year)})
    return None


def _evidence_day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None


def check_evidence(
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    deleting: bool = False,
    today: date | None,
) -> Refusal | None:
    """Duty evidence is not added, changed or deleted once a year it counts in has
    closed (its date before or after the change): that year's scores stand."""
    days = [(current or {}).get("occurred_on")] if current else []
    if not deleting:
        days.append(changes.get("occurred_on", (None, days[0] if days else None))[1])
    found = [_evidence_day(day) for day in days]
    years: list[int | None] = [evidence_year(day) for day in found if day is not None]
    return _locked(years, today, "evidence_year_closed", "occurred_on")


def check_adjustment(
    side: Side | None,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    today: date | None,
) -> Refusal | None:
    """Only a supervising level scores a unit's item, and not once its year has closed."""
    if side is not Side.SUPERVISOR:
        return Refusal("supervisor_only", None, {"step": N_("score a duty item")})
    before = (current or {}).get("year")
    after = changes.get("year", (None, before))[1]
    return _locked([_year_of(before) if current else None, _year_of(after)], today)
