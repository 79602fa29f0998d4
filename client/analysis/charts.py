"""What the analysis screen shows for a window and a scope, read once from the store: the
district's figures exactly as ``sanwu report supervision`` counts them (the same facts,
``client.analysis.figures``), the charts that break them down (``models.figure_charts``)
and the duty score table of the window's year (``client.analysis.duty_scores``).

One read of the facts serves the figures and the charts, so the whole district at ten
times the seed's volume loads well under a second (bench/bench_analysis.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from client.analysis.duty_scores import ScoreRow, score_rows
from client.analysis.figures import facts
from models.figure_charts import (
    AgeBucket,
    MonthRow,
    UnitRate,
    open_by_age,
    per_month,
    rates_by_unit,
)
from models.figure_counts import Scope, Window
from models.figures import compute
from models.orgs import load_org_units

__all__ = ["Analysis", "UnitChoice", "load_analysis", "unit_choices"]

WHOLE_SCOPE = ""
"""The unit choice that narrows nothing: the device's whole scope."""


@dataclass(frozen=True)
class Analysis:
    """Everything the screen draws and ``x`` writes, for one window and scope."""

    window: Window
    scope: Scope
    figures: dict[str, int]
    """By key, in the declared order: what ``sanwu report supervision --json`` prints."""
    months: list[MonthRow]
    rates: list[UnitRate]
    """Lowest on-time rate first."""
    ages: list[AgeBucket]
    year: int
    """The year of the duty scores: the window's last day's."""
    scores: list[ScoreRow]
    """The year's score table within the scope, ranked among the device's whole scope."""


def load_analysis(
    engine: Engine, window: Window, scope: Scope, *, device_scope: str | None, today: date
) -> Analysis:
    """Read the facts once and count the figures and the charts; score the window's year
    (``device_scope`` ranks the units: None, a home not enrolled, ranks the whole tree)."""
    found = facts(engine, window, scope)
    year = window.end.year
    scores = [
        row
        for row in score_rows(engine, year, today=today, scope=device_scope)
        if scope.holds(row.org_code)
    ]
    return Analysis(
        window=window,
        scope=scope,
        figures=compute(found, window, scope),
        months=per_month(found, window, scope),
        rates=rates_by_unit(found, window, scope),
        ages=open_by_age(found, window, scope),
        year=year,
        scores=scores,
    )


@dataclass(frozen=True)
class UnitChoice:
    """One entry of the unit filter: a unit or a group of units, by prefix."""

    prefix: str
    """An org-code prefix (``WHOLE_SCOPE``: the device's whole scope)."""
    name: str
    """The unit's name; empty for a group the screen names (``group``)."""
    group: str = ""
    """``departments`` or ``discipline`` for the group of every such unit."""


_GROUPED = ("department", "discipline")
_OWN = ("village", "community")


def unit_choices(scope: Scope) -> list[UnitChoice]:
    """The units and groups a device's scope may be narrowed to: each town (its 9
    digits), its villages and communities, and the departments and discipline bodies (as
    groups when the scope holds the district, else each one). Empty when the scope is
    one unit."""
    wide = any(len(prefix) < 9 for prefix in scope.prefixes)
    out: list[UnitChoice] = []
    groups: set[str] = set()
    for unit in load_org_units():
        if not scope.holds(unit.code) or (unit.code in scope.prefixes and len(scope.prefixes) == 1):
            continue
        if unit.level == "town":
            if unit.code[:9] not in scope.prefixes:
                out.append(UnitChoice(unit.code[:9], unit.name))
        elif unit.level in _GROUPED and wide:
            if unit.level not in groups:
                groups.add(unit.level)
                out.append(UnitChoice(unit.code[:9], "", group=unit.level))
        elif unit.level in _OWN or unit.level in _GROUPED:
            out.append(UnitChoice(unit.code, unit.name))
    return out
