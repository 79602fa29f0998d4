"""The 108-indicator duty list (两个责任): who must do what, by when, for how many points.

Main responsibility (主体责任) lies with the leadership team, the secretary
(first responsible) and each team member; supervisory responsibility (监督责任)
with the discipline body. Duty evidence records name an indicator by code.
The list in ``data/duty_indicators.json`` is illustrative for the demo.

``deadline`` is one of: ``MM-DD`` (due that day each year), ``quarterly`` /
``half_year`` (by the last day of each quarter / half-year), ``yearly`` (by
12-31) or ``ongoing`` (recorded as it happens, never locks).

An indicator applies to the units of the levels ``DUTY_LEVELS`` gives its
responsibility, unless its entry names its own (``"levels": ["village"]``): which
units are scored is the list's data, not code. Evidence counts for a due date when it
occurred in that due date's window (``window_start``): after the due date before it
(the previous year's last one for a year's first) and on or before it. The reminder
pass and the scores read the same windows.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from types import MappingProxyType

from models.orgs import LEVELS as _UNIT_LEVELS

__all__ = [
    "DUTY_LEVELS",
    "RESPONSIBILITIES",
    "SUBJECTS",
    "YELLOW_DAYS",
    "Indicator",
    "applies_to",
    "due_dates",
    "indicator_by_code",
    "indicators_for",
    "load_indicators",
    "scored_levels",
    "total_points",
    "traffic_light",
    "window_start",
]

RESPONSIBILITIES: Mapping[str, str] = MappingProxyType(
    {"main": "主体责任", "supervisory": "监督责任"}
)
SUBJECTS: Mapping[str, str] = MappingProxyType(
    {"team": "领导班子", "secretary": "书记", "member": "班子成员", "discipline": "纪检监察组织"}
)
DUTY_LEVELS: Mapping[str, str] = MappingProxyType(
    {"main": "department", "supervisory": "discipline"}
)
"""Which units the duty list scores by default: main responsibility the departments,
supervisory responsibility the discipline bodies (DOMAIN.md: 77 departments, 24 bodies).
An indicator's own ``levels`` in the data replace this for it."""
_SUBJECT_RESPONSIBILITY = {
    "team": "main",
    "secretary": "main",
    "member": "main",
    "discipline": "supervisory",
}
_PERIODIC_DEADLINES = frozenset({"quarterly", "half_year", "yearly", "ongoing"})
_MONTH_DAY = re.compile(r"(0[1-9]|1[0-2])-([0-2][0-9]|3[01])")
YELLOW_DAYS = 10
"""An open item turns yellow this many days before its deadline (DOMAIN.md)."""


@dataclass(frozen=True)
class Indicator:
    """One duty indicator; ``points`` are lost when no evidence exists by the deadline."""

    code: str
    responsibility: str
    subject: str
    group: str
    name: str
    points: float
    deadline: str
    evidence: str
    levels: tuple[str, ...] = ()
    """The unit levels it applies to (``applies_to``); the data's, else by responsibility."""


def _check(ind: Indicator) -> None:
    ok = (
        _SUBJECT_RESPONSIBILITY.get(ind.subject) == ind.responsibility
        and ind.points > 0
        and (ind.deadline in _PERIODIC_DEADLINES or _MONTH_DAY.fullmatch(ind.deadline) is not None)
        and ind.code.startswith("ZT-" if ind.responsibility == "main" else "JD-")
        and bool(ind.levels)
        and set(ind.levels) <= _UNIT_LEVELS
    )
    if not ok:
        raise ValueError(f"duty_indicators.json: bad indicator {ind.code!r}")


@cache
def load_indicators() -> tuple[Indicator, ...]:
    """The list in file order, read once from the package data and checked."""
    raw = json.loads(
        files("models").joinpath("data/duty_indicators.json").read_text(encoding="utf-8")
    )
    out = tuple(
        Indicator(
            code=str(entry["code"]),
            responsibility=str(entry["responsibility"]),
            subject=str(entry["subject"]),
            group=str(entry["group"]),
            name=str(entry["name"]),
            points=float(entry["points"]),
            deadline=str(entry["deadline"]),
            evidence=str(entry["evidence"]),
            levels=tuple(
                str(level)
                for level in entry.get("levels")
                or [DUTY_LEVELS.get(str(entry["responsibility"]), "")]
            ),
        )
        for entry in raw["indicators"]
    )
    for ind in out:
        _check(ind)
    if len({ind.code for ind in out}) != len(out):
        raise ValueError("duty_indicators.json: duplicate codes")
    return out


@cache
def _by_code() -> Mapping[str, Indicator]:
    return MappingProxyType({ind.code: ind for ind in load_indicators()})


def indicator_by_code() -> Mapping[str, Indicator]:
    """Read-only lookup by code (``ZT-001``, ``JD-001``...)."""
    return _by_code()


def applies_to(indicator: Indicator, level: str) -> bool:
    """Whether the indicator scores units of ``level`` (department, discipline...)."""
    return level in indicator.levels


@cache
def indicators_for(level: str) -> tuple[Indicator, ...]:
    """The indicators that apply to units of ``level``, in list order (none: not scored)."""
    return tuple(ind for ind in load_indicators() if applies_to(ind, level))


@cache
def scored_levels() -> frozenset[str]:
    """The unit levels at least one indicator applies to."""
    return frozenset(level for ind in load_indicators() for level in ind.levels)


def total_points(subject: str | None = None) -> float:
    """The points of the whole list, or of one subject's indicators."""
    return sum(ind.points for ind in load_indicators() if subject in (None, ind.subject))


def due_dates(indicator: Indicator, year: int) -> tuple[date, ...]:
    """The deadlines of an indicator within ``year``; none for ``ongoing``."""
    rule = indicator.deadline
    if rule == "ongoing":
        return ()
    if rule == "yearly":
        return (date(year, 12, 31),)
    if rule in ("quarterly", "half_year"):
        step = 3 if rule == "quarterly" else 6
        return tuple(
            (date(year, m + 1, 1) if m < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
            for m in range(step, 13, step)
        )
    month, day = (int(part) for part in rule.split("-"))
    # 02-29 (or a 31st in a short month) falls on the month's last day.
    return (date(year, month, min(day, calendar.monthrange(year, month)[1])),)


def window_start(indicator: Indicator, due: date) -> date:
    """The first day whose evidence counts for ``due``: the day after the indicator's due
    date before it (in the same year or, for a year's first, the year before), or the
    year's first day when there is none (an ``ongoing`` indicator's window is its year)."""
    earlier = [
        day for year in (due.year - 1, due.year) for day in due_dates(indicator, year) if day < due
    ]
    return max(earlier) + timedelta(days=1) if earlier else date(due.year, 1, 1)


def traffic_light(deadline: date, today: date, *, done: bool) -> str:
    """green when done; red when late; yellow within YELLOW_DAYS of the deadline; else none.

    Returns one of "green", "red", "yellow", "" (nothing to flag yet).
    """
    if done:
        return "green"
    if today > deadline:
        return "red"
    if (deadline - today).days <= YELLOW_DAYS:
        return "yellow"
    return ""
