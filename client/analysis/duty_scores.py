"""The duty score table (逐项赋分) and one unit's items, read from a home's database.

The table reads three columns of the live duty evidence that may count for the year
(``models.rules.scoring.evidence_span``) and the year's adjustments, in two queries,
and leaves the scoring to ``models.rules.scoring``: the whole district at ten times the
demo's volume answers well under a second (bench/bench_duty_scores.py). A unit's items
add each record's date, first line and files, and which due date it counts for. Both
score with the district's settings as central handed them down (its late share,
``client.store.settings.scoring_settings``) unless given others.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import cast

from sqlalchemy.engine import Connection, Engine

from client.store.settings import scoring_settings
from models.duty import Indicator, indicator_by_code, indicators_for, scored_levels
from models.orgs import in_scope, load_org_units, org_by_code
from models.rules.scoring import (
    Adjustment,
    Evidence,
    ItemScore,
    ScoringSettings,
    Slot,
    UnitScore,
    evidence_span,
    item_span,
    score_table,
    score_unit,
)

__all__ = [
    "EvidenceRow",
    "ItemRow",
    "ScoreRow",
    "UnitDetail",
    "as_json",
    "score_rows",
    "scored_units",
    "unit_detail",
    "unit_scores",
]

_EVIDENCE = """SELECT org_code, indicator_code, occurred_on FROM duty_evidence
    WHERE deleted = 0 AND occurred_on >= ? AND occurred_on <= ?"""
_UNIT_EVIDENCE = """SELECT id, indicator_code, occurred_on, description, attachments
    FROM duty_evidence
    WHERE deleted = 0 AND org_code = ? AND occurred_on >= ? AND occurred_on <= ?"""
_ADJUSTMENTS = """SELECT id, org_code, indicator_code, points, reason, evidence_id, adjusted_on
    FROM duty_adjustment WHERE deleted = 0 AND year = ?"""


@dataclass(frozen=True)
class ScoreRow:
    """One unit of the table."""

    org_code: str
    name: str
    level: str
    score: Decimal
    max: Decimal
    rank: int
    """Among the units of its level in the table."""
    missing: tuple[str, ...]
    """Codes of its missing items, in list order."""


@dataclass(frozen=True)
class EvidenceRow:
    id: str
    occurred_on: date
    description: str
    files: int
    counts_for: Slot | None
    """The due date it keeps on time or made up; None: it adds nothing this year."""


@dataclass(frozen=True)
class ItemRow:
    indicator: Indicator
    item: ItemScore
    evidence: tuple[EvidenceRow, ...]
    """The unit's records of the indicator that may count for the year, newest first."""


@dataclass(frozen=True)
class UnitDetail:
    org_code: str
    name: str
    level: str
    year: int
    score: Decimal
    max: Decimal
    items: tuple[ItemRow, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(row.item.code for row in self.items if row.item.missing)


def scored_units(scope: str | None = None) -> list[tuple[str, str]]:
    """(code, level) of the units the duty list scores, within ``scope`` (None: all)."""
    levels = scored_levels()
    return [
        (unit.code, unit.level)
        for unit in load_org_units()
        if unit.level in levels and (scope is None or in_scope(unit.code, scope))
    ]


def _decimal(text: object) -> Decimal | None:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _raw(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under SQLAlchemy's: rows as plain tuples, no processing."""
    return cast(sqlite3.Connection, conn.connection.driver_connection)


def _adjustments(raw: sqlite3.Connection, year: int) -> dict[tuple[str, str], Adjustment]:
    """The year's live adjustments by (unit, indicator code)."""
    out: dict[tuple[str, str], Adjustment] = {}
    for record_id, org_code, code, points, reason, evidence_id, adjusted_on in raw.execute(
        _ADJUSTMENTS, (year,)
    ):
        value = _decimal(points)
        if value is None:
            continue
        out[(org_code, code)] = Adjustment(
            value,
            reason or "",
            id=record_id,
            evidence_id=evidence_id or "",
            adjusted_on=date.fromisoformat(adjusted_on) if adjusted_on else None,
        )
    return out


def score_rows(
    engine: Engine,
    year: int,
    *,
    today: date,
    scope: str | None = None,
    settings: ScoringSettings | None = None,
) -> list[ScoreRow]:
    """The table of ``year`` as of ``today``: every scored unit within ``scope`` (None:
    the whole tree), ranked within its level; ordered by level, rank, code."""
    scored = unit_scores(engine, year, today=today, scope=scope, settings=settings)
    return [_row(unit) for unit in scored]


def unit_scores(
    engine: Engine,
    year: int,
    *,
    today: date,
    scope: str | None = None,
    settings: ScoringSettings | None = None,
) -> list[UnitScore]:
    """``score_rows`` item by item (a bulletin's draft reads which points were due)."""
    units = scored_units(scope)
    wanted = {code for code, _level in units}
    first, last = evidence_span(year)
    evidence: dict[tuple[str, str], list[Evidence]] = {}
    # The table reads records by their day alone: one Evidence per day, shared by the
    # records of that day (a district's hundred thousand span a few hundred days).
    days: dict[str, Evidence] = {}
    with engine.connect() as conn:
        settings = settings or scoring_settings(conn)
        raw = _raw(conn)
        for org_code, code, occurred_on in raw.execute(
            _EVIDENCE, (first.isoformat(), last.isoformat())
        ):
            if org_code in wanted:
                key = (org_code, code)
                found = evidence.get(key)
                if found is None:
                    found = evidence[key] = []
                day = days.get(occurred_on)
                if day is None:
                    day = days[occurred_on] = Evidence(date.fromisoformat(occurred_on))
                found.append(day)
        adjustments = {
            key: adjustment
            for key, adjustment in _adjustments(raw, year).items()
            if key[0] in wanted
        }
    return score_table(units, year, evidence, adjustments, today=today, settings=settings)


def _row(unit: UnitScore) -> ScoreRow:
    known = org_by_code().get(unit.org_code)
    return ScoreRow(
        unit.org_code,
        known.name if known is not None else unit.org_code,
        unit.level,
        unit.score,
        unit.max,
        unit.rank,
        unit.missing,
    )


def unit_detail(
    engine: Engine,
    org_code: str,
    year: int,
    *,
    today: date,
    settings: ScoringSettings | None = None,
) -> UnitDetail:
    """One unit's items for ``year`` as of ``today``: each indicator that applies to it,
    its score and status, the records that may count and what each counts for."""
    known = org_by_code().get(org_code)
    level = known.level if known is not None else ""
    first, last = evidence_span(year)
    records: dict[str, list[tuple[str, date, str, int]]] = {}
    with engine.connect() as conn:
        settings = settings or scoring_settings(conn)
        raw = _raw(conn)
        for record_id, code, occurred_on, description, attachments in raw.execute(
            _UNIT_EVIDENCE, (org_code, first.isoformat(), last.isoformat())
        ):
            files = _count_files(attachments)
            line = (description or "").strip().splitlines()[0] if description else ""
            records.setdefault(code, []).append(
                (record_id, date.fromisoformat(occurred_on), line, files)
            )
        adjustments = {
            code: adjustment
            for (unit, code), adjustment in _adjustments(raw, year).items()
            if unit == org_code
        }
    by_code = indicator_by_code()
    evidence = {
        code: [Evidence(on, record_id) for record_id, on, _line, _files in found]
        for code, found in records.items()
        if code in by_code
    }
    scored = score_unit(
        org_code, level, year, evidence, adjustments, today=today, settings=settings
    )
    items = []
    for indicator, item in zip(indicators_for(level), scored.items, strict=True):
        used = {slot.evidence.id: slot for slot in item.slots if slot.evidence is not None}
        start, end = item_span(indicator, year)
        rows = tuple(
            EvidenceRow(record_id, on, line, files, used.get(record_id))
            for record_id, on, line, files in sorted(
                records.get(indicator.code, ()), key=lambda r: (r[1], r[0]), reverse=True
            )
            if start <= on <= end
        )
        items.append(ItemRow(indicator, item, rows))
    return UnitDetail(
        org_code,
        known.name if known is not None else org_code,
        level,
        year,
        scored.score,
        scored.max,
        tuple(items),
    )


def _count_files(attachments: object) -> int:
    """How many files a stored attachments column (JSON text) names."""
    try:
        names = json.loads(str(attachments)) if attachments else []
    except ValueError:
        return 0
    return len(names) if isinstance(names, list) else 0


def as_json(row: ScoreRow) -> Mapping[str, object]:
    """A row as the report's JSON writes it (scores as numbers)."""
    return {
        "org_code": row.org_code,
        "name": row.name,
        "level": row.level,
        "score": float(row.score),
        "max": float(row.max),
        "rank": row.rank,
        "missing": list(row.missing),
    }
