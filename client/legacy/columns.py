"""How an old table's columns become fields: each mapped header with its converter
(yuan, 万元, dates, ID numbers, periods, unit and catalogue names), from the mapping."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from client.legacy.cleaning import (
    CleanError,
    clean_text,
    parse_amount_fen,
    parse_date,
    parse_id_number,
    parse_period,
)
from client.legacy.mapping import ColumnRule, TableMapping
from client.legacy.reading import Table
from models.catalog import load_catalog
from models.orgs import is_org_code, load_org_units

__all__ = ["CONVERT", "Column", "table_columns"]


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


def _decimal(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    return clean_text(value) if not isinstance(value, int | Decimal) else value


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
    "decimal": _decimal,
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
