"""The disclosure guide catalogue (指导目录): items, periods and deadlines.

Each catalogue item fixes its domain, content template, period kind, deadline
rule and the unit levels it applies to. The city hands its catalogue down and a
district adds items on top: central holds them as records (kind ``catalog_item``)
that devices pull like any other, and the catalogue in force is those records
together (``use_catalog``); ``data/catalog.json`` is the city catalogue the package
ships, in force until records say otherwise (a new home, a central before its first
import). A disclosure names its item and a period string; this module says whether
the period is well formed for the item's kind, which days it covers and when it is
due.

Period strings: monthly ``2026-10``, quarterly ``2026-Q3``, half-year
``2026-H2``, yearly ``2026``, on-event ``2026-10-14`` (the event date).

Deadline rules (data, two shapes):

- ``{"next_month_day": N}``: day N of the month after the period ends.
  Finance is monthly, N = 10 (2026-10 → 2026-11-10). Quarterly N = 20 puts
  the deadline on the 20th of the next quarter's first month, the local
  rule (2026-Q3 → 2026-10-20); half-year 2026-H1 → 2026-07-20; yearly
  2026 → 2027-01-20.
- ``{"event_days": N}``: N days after the event date (major matters "at once").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from types import MappingProxyType

__all__ = [
    "DOMAINS",
    "DOMAIN_NAMES",
    "PERIOD_KINDS",
    "CatalogItem",
    "DeadlineRule",
    "deadline_for",
    "deadline_rule_text",
    "item_from_record",
    "item_to_record",
    "load_catalog",
    "packaged_catalog",
    "parse_period",
    "period_fits",
    "period_for",
    "periods_to_watch",
    "use_catalog",
]

DOMAINS = ("party", "government", "village", "finance")
DOMAIN_NAMES: Mapping[str, str] = MappingProxyType(
    {"party": "党务", "government": "政务", "village": "村务", "finance": "财务"}
)
PERIOD_KINDS = ("monthly", "quarterly", "half_year", "yearly", "on_event")

# Years outside this range are typing mistakes, and the bound keeps date arithmetic safe.
MIN_YEAR = 1900
MAX_YEAR = 2999

_PATTERNS: Mapping[str, re.Pattern[str]] = {
    "monthly": re.compile(r"([0-9]{4})-([0-9]{2})"),
    "quarterly": re.compile(r"([0-9]{4})-Q([1-4])"),
    "half_year": re.compile(r"([0-9]{4})-H([12])"),
    "yearly": re.compile(r"([0-9]{4})"),
    "on_event": re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"),
}
# Length in months of each periodic kind's span.
_SPAN_MONTHS = {"monthly": 1, "quarterly": 3, "half_year": 6, "yearly": 12}


@dataclass(frozen=True)
class DeadlineRule:
    """``next_month_day`` (day N of the month after the period) or ``event_days``."""

    kind: str
    days: int


@dataclass(frozen=True)
class CatalogItem:
    """One catalogue item; ``period`` is the item's period kind (one of PERIOD_KINDS)."""

    code: str
    domain: str
    name: str
    name_en: str
    period: str
    deadline: DeadlineRule
    template: str
    applies_to: frozenset[str] = frozenset({"village", "community"})
    """Unit levels that disclose it (village, community, department)."""
    issuer: str = ""
    """The org code of the level that issued it ("" for the packaged catalogue)."""
    edition: str = ""

    @property
    def period_kind(self) -> str:
        """Alias of ``period`` that reads better next to a disclosure's period string."""
        return self.period


def _rule(raw: Mapping[str, object], code: str, period: str) -> DeadlineRule:
    if len(raw) != 1:
        raise ValueError(f"catalog.json: {code}: a deadline rule has exactly one key")
    ((kind, days),) = raw.items()
    if not isinstance(days, int) or isinstance(days, bool):
        raise ValueError(f"catalog.json: {code}: deadline days must be an int")
    if kind == "next_month_day":
        if period == "on_event" or not 1 <= days <= 28:
            raise ValueError(f"catalog.json: {code}: bad next_month_day rule")
    elif kind == "event_days":
        if period != "on_event" or not 0 <= days <= 366:
            raise ValueError(f"catalog.json: {code}: bad event_days rule")
    else:
        raise ValueError(f"catalog.json: {code}: unknown deadline rule {kind!r}")
    return DeadlineRule(kind=kind, days=days)


_in_force: Mapping[str, CatalogItem] | None = None


def load_catalog() -> Mapping[str, CatalogItem]:
    """The catalogue in force, by item code: the records ``use_catalog`` was given, else
    the packaged city catalogue."""
    return packaged_catalog() if _in_force is None else _in_force


def use_catalog(items: Iterable[CatalogItem] | None) -> None:
    """Put the catalogue these items make in force (None or none: the packaged one).

    The store calls it when it opens and after a pull brings catalogue items, central
    when it starts and after an import; validation, lights, the home screen, the
    reminder pass and scoring read ``load_catalog``. A district's item with the code of
    a city item takes its place (the lower level issues last)."""
    global _in_force
    chosen = sorted(items or (), key=lambda item: (len(item.issuer.rstrip("0")), item.code))
    _in_force = MappingProxyType({item.code: item for item in chosen}) if chosen else None


@cache
def packaged_catalog() -> Mapping[str, CatalogItem]:
    """The city catalogue the package ships, read once from its data and checked."""
    raw = json.loads(files("models").joinpath("data/catalog.json").read_text(encoding="utf-8"))
    items: dict[str, CatalogItem] = {}
    for entry in raw["items"]:
        code = str(entry["code"])
        period = str(entry["period"])
        if period not in PERIOD_KINDS or entry["domain"] not in DOMAINS or code in items:
            raise ValueError(f"catalog.json: bad item {code!r}")
        items[code] = CatalogItem(
            code=code,
            domain=str(entry["domain"]),
            name=str(entry["name"]),
            name_en=str(entry["name_en"]),
            period=period,
            deadline=_rule(entry["deadline"], code, period),
            template=str(entry["template"]),
            applies_to=frozenset(entry.get("applies_to", ("village", "community"))),
            edition=str(raw.get("edition", "")),
        )
    return MappingProxyType(items)


def item_from_record(record: Mapping[str, object]) -> CatalogItem:
    """A catalogue item from its record's wire values (validated on the way in)."""
    period = str(record["period"])
    rule = (
        DeadlineRule("event_days", int(str(record.get("event_days") or 0)))
        if period == "on_event"
        else DeadlineRule("next_month_day", int(str(record.get("deadline_day") or 0)))
    )
    applies = record.get("applies_to") or ()
    return CatalogItem(
        code=str(record["code"]),
        domain=str(record["domain"]),
        name=str(record["name"]),
        name_en=str(record.get("name_en") or ""),
        period=period,
        deadline=rule,
        template=str(record.get("template") or ""),
        applies_to=frozenset(str(level) for level in applies)
        if isinstance(applies, list | tuple | set | frozenset)
        else frozenset(),
        issuer=str(record.get("org_code") or ""),
        edition=str(record.get("edition") or ""),
    )


def item_to_record(item: CatalogItem, issuer: str) -> dict[str, object]:
    """The fields of an item's record (as a catalogue import writes it)."""
    on_event = item.period == "on_event"
    return {
        "org_code": issuer,
        "code": item.code,
        "domain": item.domain,
        "name": item.name,
        "name_en": item.name_en,
        "period": item.period,
        "deadline_day": 0 if on_event else item.deadline.days,
        "event_days": item.deadline.days if on_event else 0,
        "template": item.template,
        "applies_to": sorted(item.applies_to),
        "edition": item.edition,
    }


def periods_to_watch(item: CatalogItem, today: date) -> list[str]:
    """The period that ended last (due now, or overdue) and the running one: what a unit
    owes of a periodic item today (the home screen's lights, the reminder pass)."""
    current = period_for(item.period, today)
    start, _end = parse_period(item.period, current)
    return [period_for(item.period, start - timedelta(days=1)), current]


def _parse(kind: str, period: str) -> tuple[date, date] | None:
    pattern = _PATTERNS.get(kind)
    if pattern is None or not isinstance(period, str):
        return None
    match = pattern.fullmatch(period)
    if match is None:
        return None
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if kind == "on_event":
        try:
            day = date(year, int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
        return day, day
    span = _SPAN_MONTHS[kind]
    index = int(match.group(2)) if kind != "yearly" else 1
    if kind == "monthly" and not 1 <= index <= 12:
        return None
    first_month = (index - 1) * span + 1
    start = date(year, first_month, 1)
    return start, _month_after(start, span) - timedelta(days=1)


def _month_after(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def period_fits(period_kind: str, period: str) -> bool:
    """Whether ``period`` is a well-formed, real period of ``period_kind``."""
    return _parse(period_kind, period) is not None


def parse_period(kind: str, period: str) -> tuple[date, date]:
    """The first and last day (inclusive) of a period; ValueError when it does not fit."""
    span = _parse(kind, period)
    if span is None:
        raise ValueError(f"{period!r} is not a {kind} period")
    return span


def period_for(kind: str, day: date) -> str:
    """The period of ``kind`` that contains ``day``."""
    if kind == "monthly":
        return f"{day.year:04d}-{day.month:02d}"
    if kind == "quarterly":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if kind == "half_year":
        return f"{day.year:04d}-H{1 if day.month <= 6 else 2}"
    if kind == "yearly":
        return f"{day.year:04d}"
    if kind == "on_event":
        return day.isoformat()
    raise ValueError(f"unknown period kind {kind!r}")


def deadline_for(item: CatalogItem, period: str) -> date:
    """The day by which ``item`` for ``period`` must be disclosed."""
    start, end = parse_period(item.period, period)
    rule = item.deadline
    if rule.kind == "event_days":
        return start + timedelta(days=rule.days)
    return _month_after(end, 1).replace(day=rule.days)


_KIND_TEXT = {
    "monthly": "month",
    "quarterly": "quarter",
    "half_year": "half-year",
    "yearly": "year",
}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def deadline_rule_text(item: CatalogItem) -> str:
    """A short English statement of the rule, e.g. "20th of the month after the quarter"."""
    rule = item.deadline
    if rule.kind == "event_days":
        if rule.days == 0:
            return "on the day of the event"
        return f"within {rule.days} day{'s' if rule.days != 1 else ''} of the event"
    return f"{_ordinal(rule.days)} of the month after the {_KIND_TEXT[item.period]}"
