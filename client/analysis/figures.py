"""The district's figures over this home's store: ``models.figures`` declares and counts
them; this module reads the facts they count, in SQL, and nothing else.

Each kind is read once: its live records about units in scope (a bulletin whatever its
unit: it counts by the units it names too), only the columns the figures read
(``models.figures.reads``), and only the rows some figure may count in the window (the
``_WANTED`` condition of each kind, a superset: the declarations decide). So this
year's report over the whole district at ten times its volume reads some 17,000 rows of
340,000 (bench/bench_figures.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models.catalog import load_catalog
from models.figure_counts import Facts, Scope, Window, due_items
from models.figures import compute, reads
from models.kinds import kind_spec
from models.orgs import load_org_units

__all__ = ["facts", "figures"]

Table = Any
"""A record kind's SQLAlchemy table."""


def _table(kind: str) -> Table:
    return kind_spec(kind).table.__table__  # type: ignore[attr-defined]


def _in(column: Any, window: Window) -> Any:
    return column.between(window.start, window.end)


def _open_at_end(t: Table, window: Window) -> Any:
    """A document issued by the window's last day and not closed by then."""
    return sa.and_(
        t.c.issued_on <= window.end, sa.or_(t.c.closed_on.is_(None), t.c.closed_on > window.end)
    )


def _in_scope(t: Table, scope: Scope) -> Any:
    if "" in scope.prefixes:
        return sa.true()
    return sa.or_(
        sa.false(), *(t.c.org_code.startswith(p, autoescape=True) for p in scope.prefixes)
    )


Wanted = Callable[[Table, Window, Scope, frozenset[str]], Any]


def _disclosures(t: Table, window: Window, _scope: Scope, periods: frozenset[str]) -> Any:
    published = sa.and_(t.c.status == "published", t.c.period.in_(sorted(periods)))
    return sa.or_(_in(t.c.reviewed_on, window), published)


def _warnings(t: Table, window: Window, _scope: Scope, _periods: frozenset[str]) -> Any:
    return sa.or_(_in(t.c.issued_on, window), _in(t.c.closed_on, window), _open_at_end(t, window))


def _feedback(t: Table, window: Window, scope: Scope, _periods: frozenset[str]) -> Any:
    warning = _table("warning")
    still_open = sa.select(warning.c.id).where(
        warning.c.deleted.is_(False), _in_scope(warning, scope), _open_at_end(warning, window)
    )
    return sa.or_(_in(t.c.judged_on, window), t.c.warning_id.in_(still_open))


_WANTED: dict[str, Wanted] = {
    "disclosure": _disclosures,
    "warning": _warnings,
    "feedback": _feedback,
    "reminder": lambda t, w, _s, _p: sa.or_(_in(t.c.raised_on, w), _in(t.c.sms_on, w)),
    "clue": lambda t, w, _s, _p: sa.or_(_in(t.c.received_on, w), _in(t.c.concluded_on, w)),
    "bulletin": lambda t, w, _s, _p: _in(t.c.issued_on, w),
    "duty_adjustment": lambda t, w, _s, _p: _in(t.c.adjusted_on, w),
}
"""Per kind, the rows some figure may count in the window (more is harmless, less is
wrong: tests/client/test_figures.py counts a district both ways)."""

_UNSCOPED = frozenset({"bulletin"})
"""Kinds read whatever their unit (a bulletin counts by the units it names)."""


def _as_read(column: Any) -> Any:
    """A column as the figures read it: a day as its stored text (they compare days as
    ``YYYY-MM-DD``; no ``date`` made for each row)."""
    if isinstance(column.type, sa.Date):
        return sa.type_coerce(column, sa.String()).label(column.name)
    return column


def _rows(
    conn: Connection, kind: str, columns: Sequence[str], where: Any, scope: Scope
) -> list[dict[str, Any]]:
    t = _table(kind)
    scoped = sa.true() if kind in _UNSCOPED else _in_scope(t, scope)
    query = sa.select(*(_as_read(t.c[name]) for name in columns)).where(
        t.c.deleted.is_(False), scoped, where
    )
    result = conn.execute(query)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def facts(engine: Engine, window: Window, scope: Scope) -> Facts:
    """What the figures of ``window`` and ``scope`` count, read from the store."""
    rows: dict[str, list[dict[str, Any]]] = {}
    found = Facts(rows, load_org_units(), load_catalog())
    # What is due reads no record: worked out first (and kept), it names the periods read.
    periods = frozenset(due.period for due in due_items(found, window, scope))
    with engine.connect() as conn:
        for kind, columns in reads().items():
            wanted = _WANTED[kind](_table(kind), window, scope, periods)
            rows[kind] = _rows(conn, kind, columns, wanted, scope)
    return found


def figures(engine: Engine, window: Window, scope: Scope) -> dict[str, int]:
    """Every figure of ``models.figures``, by key, for ``window`` and ``scope``."""
    return compute(facts(engine, window, scope), window, scope)
