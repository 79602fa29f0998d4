"""How an old table's columns become fields: each mapped header with its converter
(yuan, 万元, dates, ID numbers, periods, unit and catalogue names), from the mapping."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from client.legacy.cleaning import (
    CleanError,
    clean_text,
    parse_account,
    parse_amount_fen,
    parse_date,
    parse_decimal,
    parse_id_number,
    parse_period,
)
from client.legacy.mapping import ColumnRule, TableMapping
from client.legacy.reading import Table
from models.catalog import DOMAIN_NAMES, load_catalog
from models.orgs import is_org_code, load_org_units

__all__ = ["CONVERT", "Column", "domain_problem", "table_columns"]


@cache
def _org_names() -> Mapping[str, str]:
    names: dict[str, str] = {}
    for unit in load_org_units():
        names.setdefault(unit.name, unit.code)
        for suffix in ("村委会", "村", "社区", "居委会"):
            if unit.name.endswith(suffix) and len(unit.name) > len(suffix):
                names.setdefault(unit.name.removesuffix(suffix), unit.code)
    return names


@cache
def _catalog_names() -> Mapping[str, str]:
    return {item.name: code for code, item in load_catalog().items()}


def _org(value: Any) -> str:
    text = clean_text(value)
    if not text or is_org_code(text):
        return text
    found = _org_names().get(text)
    if found is None:
        raise CleanError("unknown_org", "is neither a 12-digit code nor a known unit name")
    return found


def _catalog(value: Any) -> str:
    text = clean_text(value)
    return _catalog_names().get(text, text)


@cache
def _domain_words() -> Mapping[str, str]:
    """What an old table writes for a domain: 党务 or 党务公开 (and the code) → the code."""
    words: dict[str, str] = {}
    for code, name in DOMAIN_NAMES.items():
        words.update({code: code, name: code, f"{name}公开": code, f"{name}类": code})
    return words


def _domain(value: Any) -> str:
    text = clean_text(value)
    if not text:
        return ""
    found = _domain_words().get(text.lower())
    if found is None:
        raise CleanError("bad_domain", "is not a domain (党务, 政务, 村务 or 财务)")
    return found


def domain_problem(domain: str, item_code: Any) -> str | None:
    """The catalogue item's domain when it is not ``domain`` (None when it fits, or when
    the item is unknown: the item's own rule says that)."""
    item = load_catalog().get(item_code) if isinstance(item_code, str) else None
    if item is None or not domain or item.domain == domain:
        return None
    return item.domain


def _integer(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return clean_text(value) if not isinstance(value, int) else value


CONVERT: Mapping[str, Callable[[Any], Any]] = {
    "text": clean_text,
    "yuan": parse_amount_fen,
    "wan_yuan": lambda value: parse_amount_fen(value, unit=10_000),
    "fen": _integer,
    "int": _integer,
    "date": parse_date,
    "id_number": parse_id_number,
    "period": parse_period,
    "catalog": _catalog,
    "org": _org,
    "decimal": parse_decimal,
    "account": parse_account,
    "domain": _domain,
}


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    rule: ColumnRule
    convert: Callable[[Any], Any]


def table_columns(table: Table, mapping: TableMapping) -> tuple[list[Column], list[str]]:
    columns: list[Column] = []
    ignored: list[str] = []
    for index, header in enumerate(table.headers):
        rule = mapping.rule_for(header)
        if rule is None:
            if header:
                ignored.append(header)
            continue
        if rule.field:
            columns.append(Column(index, header, rule, CONVERT[rule.convert]))
    return columns, ignored
