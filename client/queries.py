"""Read-only queries for the screens: lists with filters, pages, pinyin search, history.

Nothing here writes. Lists are cut in SQL (WHERE, ORDER BY, LIMIT) so the app
never holds 34,057 rows in widgets; pinyin search matches a small in-memory
index (one string of initials and one of full pinyin per record) built once in
a worker and kept fresh by ``PinyinIndex.refresh``. Kinds with personal fields
(subsidy payments, clues) are read through ``Store`` so that what is stored
differently from what is shown is decided in one place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from client.audit import IMPORT, import_history
from client.tables import AuditEntry, AuditImport, ConflictRow
from models.catalog import CatalogItem, deadline_for, load_catalog, periods_to_watch
from models.duty import traffic_light
from models.kinds import kind_spec, row_to_wire
from models.orgs import org_by_code, scope_prefixes
from models.rules.warnings import is_open, is_overdue

__all__ = [
    "DisclosureFilter",
    "DisclosureRow",
    "DueItem",
    "HistoryEntry",
    "PinyinIndex",
    "bulletins_issued",
    "bulletins_naming",
    "count_disclosures",
    "due_items",
    "evidence_counts",
    "history",
    "list_disclosures",
    "list_records",
    "open_warnings",
    "pinyin_keys",
    "returned_disclosures",
    "waiting_reviews",
]

_disclosure = kind_spec("disclosure").table.__table__  # type: ignore[attr-defined]
_audit = AuditEntry.__table__  # type: ignore[attr-defined]
_audit_import = AuditImport.__table__  # type: ignore[attr-defined]
_conflict = ConflictRow.__table__  # type: ignore[attr-defined]

PAGE = 100
"""Rows fetched per page of a list."""

# The last day of a period as a sortable "YYYY-MM-DD" (periodic ends use day 32,
# which sorts after every real day of the month): newest period first, whatever its kind.
PERIOD_END_SQL = """CASE
    WHEN length(period) = 10 THEN period
    WHEN length(period) = 4 THEN period || '-12-32'
    WHEN substr(period, 6, 1) = 'Q' THEN
        substr(period, 1, 5) || printf('%02d', CAST(substr(period, 7, 1) AS INTEGER) * 3) || '-32'
    WHEN substr(period, 6, 1) = 'H' THEN
        substr(period, 1, 5) || printf('%02d', CAST(substr(period, 7, 1) AS INTEGER) * 6) || '-32'
    ELSE period || '-32' END"""
"""Indexed by local migration l0007 (ix_local_expr_period_end): change both together."""
_PERIOD_END = sa.text(f"{PERIOD_END_SQL} DESC, recorded_at DESC, id")


# ---------------------------------------------------------------- pinyin


@cache
def _char_keys(char: str) -> tuple[str, str]:
    """(initial, full pinyin) of one character; non-Chinese characters stand for themselves."""
    # One character at a time never consults pypinyin's phrase dictionary (about 43 MB
    # once loaded, a third of the app): its documented switches leave it unread and the
    # single-character table uncopied. The readings are the same for every character.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    from pypinyin import Style, lazy_pinyin

    if not "\u3400" <= char <= "\u9fff":
        lowered = char.lower()
        return lowered, lowered
    full = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    text = full[0] if full else char
    return text[:1], text


_INITIALS: dict[int, str] = {ord(" "): "", ord("\t"): "", ord("\n"): ""}
_FULL: dict[int, str] = dict(_INITIALS)


def _learn(chars: Iterable[str]) -> None:
    """Add characters to the two translation tables (pypinyin runs once per character)."""
    for char in chars:
        code = ord(char)
        if code not in _FULL:
            first, whole = _char_keys(char)
            _INITIALS[code] = first
            _FULL[code] = whole


def pinyin_keys(text: str) -> tuple[str, str]:
    """The initials and the full pinyin of ``text``, lower case, without separators:
    ``黑麻板村`` → (``hmbc``, ``heimabancun``)."""
    _learn(set(text))
    return text.translate(_INITIALS), text.translate(_FULL)


def _is_pinyin_query(text: str) -> bool:
    return bool(text) and text.isascii() and text.replace(" ", "").isalpha()


@dataclass
class PinyinIndex:
    """Per live disclosure, its title and responsible person as initials and full pinyin."""

    keys: dict[str, str] = field(default_factory=dict)
    """record id -> "initials|full|initials|full" of title and responsible."""

    @classmethod
    def build(cls, engine: Engine) -> PinyinIndex:
        index = cls()
        index.refresh(engine)
        return index

    def refresh(self, engine: Engine, ids: Iterable[str] | None = None) -> None:
        """Read every live disclosure again, or only the records ``ids`` (after a save)."""
        query = sa.select(
            _disclosure.c.id, _disclosure.c.title, _disclosure.c.responsible, _disclosure.c.deleted
        )
        if ids is not None:
            wanted = list(ids)
            query = query.where(_disclosure.c.id.in_(wanted))
            for record_id in wanted:
                self.keys.pop(record_id, None)
        else:
            self.keys = {}
        with engine.connect() as conn:
            rows = [
                (record_id, f"{title or ''}|{responsible or ''}")
                for record_id, title, responsible, deleted in conn.execute(query)
                if not deleted
            ]
        _learn(set().union(*(text for _id, text in rows)))
        for record_id, text in rows:
            self.keys[record_id] = f"{text.translate(_INITIALS)}|{text.translate(_FULL)}"

    def match(self, query: str) -> list[str]:
        """Ids whose title or responsible person contains the pinyin (initials or full)."""
        needle = query.replace(" ", "").lower()
        return [record_id for record_id, keys in self.keys.items() if needle in keys]


# ---------------------------------------------------------------- disclosures


@dataclass(frozen=True)
class DisclosureFilter:
    """What the list shows: empty means "any"."""

    domain: str = ""
    period: str = ""
    status: str = ""
    org_code: str = ""
    """A code prefix: a village, or a town's 9 digits."""
    search: str = ""


@dataclass(frozen=True)
class DisclosureRow:
    id: str
    org_code: str
    catalog_code: str
    period: str
    title: str
    status: str
    version: int
    responsible: str


@cache
def _codes_of_domain(domain: str) -> tuple[str, ...]:
    return tuple(item.code for item in load_catalog().values() if item.domain == domain)


def _where(flt: DisclosureFilter, index: PinyinIndex | None) -> list[Any]:
    c = _disclosure.c
    clauses: list[Any] = [c.deleted.is_(False)]
    if flt.domain:
        clauses.append(c.catalog_code.in_(_codes_of_domain(flt.domain)))
    if flt.period:
        clauses.append(c.period.startswith(flt.period.strip(), autoescape=True))
    if flt.status:
        clauses.append(c.status == flt.status)
    if flt.org_code:
        clauses.append(c.org_code.startswith(flt.org_code, autoescape=True))
    text = flt.search.strip()
    if text:
        like = sa.or_(
            c.title.contains(text, autoescape=True),
            c.responsible.contains(text, autoescape=True),
            c.catalog_code.contains(text.upper(), autoescape=True),
        )
        if _is_pinyin_query(text) and index is not None:
            ids = json.dumps(index.match(text))
            found: sa.Select[Any] = sa.select(sa.literal_column("value")).select_from(
                sa.func.json_each(sa.literal(ids))
            )
            like = sa.or_(like, c.id.in_(found))
        clauses.append(like)
    return clauses


def list_disclosures(
    engine: Engine,
    flt: DisclosureFilter,
    *,
    offset: int = 0,
    limit: int = PAGE,
    index: PinyinIndex | None = None,
) -> list[DisclosureRow]:
    """One page of the list, newest period first."""
    c = _disclosure.c
    query = (
        sa.select(
            c.id, c.org_code, c.catalog_code, c.period, c.title, c.status, c.version, c.responsible
        )
        .where(*_where(flt, index))
        .order_by(_PERIOD_END)
        .offset(offset)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [DisclosureRow(*row) for row in conn.execute(query)]


def count_disclosures(
    engine: Engine, flt: DisclosureFilter, *, index: PinyinIndex | None = None
) -> int:
    query = sa.select(sa.func.count()).select_from(_disclosure).where(*_where(flt, index))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


# ---------------------------------------------------------------- other kinds


def list_records(
    engine: Engine,
    kind: str,
    *,
    where: Mapping[str, Any] | None = None,
    org_prefix: str = "",
    order_by: Sequence[str] = ("recorded_at",),
    descending: bool = False,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Wire records of a kind WITHOUT personal fields (ValueError for those kinds)."""
    spec = kind_spec(kind)
    if spec.personal:
        raise ValueError(f"{kind} has personal fields: read it through Store")
    table = spec.table.__table__  # type: ignore[attr-defined]
    query = sa.select(table).where(table.c.deleted.is_(False))
    for name, value in (where or {}).items():
        query = query.where(table.c[name] == value)
    if org_prefix:  # a scope: one prefix, or a discipline body's several
        prefixes = scope_prefixes(org_prefix)
        query = query.where(
            sa.or_(*(table.c.org_code.startswith(p, autoescape=True) for p in prefixes))
        )
    columns = [table.c[name] for name in order_by]
    query = query.order_by(*(col.desc() if descending else col for col in columns), table.c.id)
    with engine.connect() as conn:
        return [row_to_wire(spec, row) for row in conn.execute(query.limit(limit))]


def evidence_counts(engine: Engine, org_prefix: str = "") -> dict[str, int]:
    """Duty evidence records per indicator code."""
    table = kind_spec("duty_evidence").table.__table__  # type: ignore[attr-defined]
    query = (
        sa.select(table.c.indicator_code, sa.func.count())
        .where(table.c.deleted.is_(False))
        .group_by(table.c.indicator_code)
    )
    if org_prefix:
        query = query.where(table.c.org_code.startswith(org_prefix, autoescape=True))
    with engine.connect() as conn:
        return {code: int(n) for code, n in conn.execute(query)}


OPEN_ROWS_MAX = 100_000
"""More than a city's open warnings or reminders on one device (the demo district
raises ~5,600 reminders)."""


def open_warnings(engine: Engine, org_prefix: str = "") -> list[dict[str, Any]]:
    """Warnings not yet closed, soonest reply deadline first."""
    rows = list_records(
        engine, "warning", org_prefix=org_prefix, order_by=("reply_due",), limit=OPEN_ROWS_MAX
    )
    return [row for row in rows if is_open(row)]


BULLETIN_DAYS = 90
"""How long a bulletin naming a unit stays on that unit's home."""


def bulletins_naming(engine: Engine, scope: str, today: date) -> list[dict[str, Any]]:
    """Bulletins in force that name a unit in ``scope``, issued in the last
    ``BULLETIN_DAYS`` days, the newest first."""
    since = (today - timedelta(days=BULLETIN_DAYS)).isoformat()
    prefixes = scope_prefixes(scope)
    rows = list_records(engine, "bulletin", where={"status": "issued"}, limit=OPEN_ROWS_MAX)
    named = [
        row
        for row in rows
        if (row["issued_on"] or "") >= since
        and any(code.startswith(p) for code in row["named_units"] for p in prefixes)
    ]
    return sorted(named, key=lambda row: (row["issued_on"] or "", row["id"]), reverse=True)


def bulletins_issued(engine: Engine, org_code: str, today: date) -> list[dict[str, Any]]:
    """Bulletins in force that ``org_code``'s own level issued (a supervising office's
    own: it circulates them, it is not named by them), in the last ``BULLETIN_DAYS``
    days, the newest first."""
    since = (today - timedelta(days=BULLETIN_DAYS)).isoformat()
    rows = list_records(
        engine,
        "bulletin",
        where={"status": "issued", "org_code": org_code},
        order_by=("issued_on",),
        descending=True,
        limit=OPEN_ROWS_MAX,
    )
    return [row for row in rows if (row["issued_on"] or "") >= since]


def returned_disclosures(engine: Engine, org_prefix: str = "") -> list[dict[str, Any]]:
    """Disclosures the reviewing level returned, to correct and submit again."""
    return list_records(
        engine,
        "disclosure",
        where={"status": "returned"},
        org_prefix=org_prefix,
        order_by=("period",),
        limit=OPEN_ROWS_MAX,
    )


def waiting_reviews(engine: Engine, org_prefix: str = "") -> list[dict[str, Any]]:
    """Disclosures submitted for review, the longest waiting first."""
    return list_records(
        engine,
        "disclosure",
        where={"status": "submitted"},
        org_prefix=org_prefix,
        order_by=("submitted_on",),
        limit=OPEN_ROWS_MAX,
    )


def open_reminders(engine: Engine, org_prefix: str = "") -> list[dict[str, Any]]:
    """Reminders not yet closed (central raised them; they close by themselves), the
    oldest deadline first."""
    return list_records(
        engine,
        "reminder",
        where={"status": "open"},
        org_prefix=org_prefix,
        order_by=("due_on",),
        limit=OPEN_ROWS_MAX,
    )


# ---------------------------------------------------------------- warnings


@dataclass(frozen=True)
class WarningFilter:
    """The warnings list's filters ("" or False: any)."""

    doc_type: str = ""
    status: str = ""
    unit: str = ""
    overdue: bool = False


def filter_warnings(
    warnings: Iterable[dict[str, Any]], flt: WarningFilter, today: date
) -> list[dict[str, Any]]:
    """The warnings the filters keep, in the order given."""
    return [
        warning
        for warning in warnings
        if (not flt.doc_type or warning["doc_type"] == flt.doc_type)
        and (not flt.status or warning["status"] == flt.status)
        and (not flt.unit or str(warning["org_code"]).startswith(flt.unit))
        and (not flt.overdue or is_overdue(warning, today))
    ]


# ---------------------------------------------------------------- home


@dataclass(frozen=True)
class DueItem:
    """One catalogue item for one period of one unit, and how it stands."""

    item: CatalogItem
    org_code: str
    period: str
    deadline: date
    light: str
    """green, yellow, red or "" (see models.duty.traffic_light)."""
    status: str
    """The disclosure's status, "" when none is recorded."""


_LIGHT_ORDER = {"red": 0, "yellow": 1, "": 2, "green": 3}


def due_items(engine: Engine, org_code: str, today: date) -> list[DueItem]:
    """Periodic catalogue items due or overdue for a unit, reddest first: those of the
    catalogue in force that apply to the unit's level (none for a department or the
    district's own office when the catalogue gives them none)."""
    unit = org_by_code().get(org_code)
    level = unit.level if unit is not None else ""
    items = [
        item
        for item in load_catalog().values()
        if item.period != "on_event" and level in item.applies_to
    ]
    wanted = {(item.code, period) for item in items for period in periods_to_watch(item, today)}
    c = _disclosure.c
    query = sa.select(c.catalog_code, c.period, c.status).where(
        c.deleted.is_(False),
        c.org_code == org_code,
        c.period.in_(sorted({period for _code, period in wanted})),
    )
    with engine.connect() as conn:
        found: dict[tuple[str, str], str] = {}
        for code, period, status in conn.execute(query):
            if found.get((code, period)) != "published":
                found[(code, period)] = status
    out: list[DueItem] = []
    for item in items:
        for period in periods_to_watch(item, today):
            deadline = deadline_for(item, period)
            status = found.get((item.code, period), "")
            light = traffic_light(deadline, today, done=status == "published")
            if period == periods_to_watch(item, today)[1] and light == "":
                continue  # the running period is not due yet: nothing to do
            out.append(DueItem(item, org_code, period, deadline, light, status))
    out.sort(key=lambda due: (_LIGHT_ORDER[due.light], due.deadline, due.item.code))
    return out


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]
    """{field: [from, to]}, personal values already masked by the audit log."""


def history(engine: Engine, record_id: str) -> list[HistoryEntry]:
    """The local audit entries of one record, oldest first: its own, and the import's
    entry that holds its digest (its part of it only: the file and the digest)."""
    columns = (_audit.c.id, _audit.c.at, _audit.c.actor, _audit.c.action, _audit.c.changes)
    own = sa.select(*columns).where(_audit.c.record_id == record_id)
    imported = (
        sa.select(*columns)
        .join(_audit_import, _audit_import.c.entry_id == _audit.c.id)
        .where(_audit_import.c.record_id == record_id)
    )
    query = sa.union_all(own, imported).order_by("id")
    with engine.connect() as conn:
        return [
            HistoryEntry(
                at,
                actor,
                action,
                import_history(changes, record_id) if action == IMPORT else changes,
            )
            for _id, at, actor, action, changes in conn.execute(query)
        ]
