"""Column mappings: which old header feeds which Sanwu field, through which converter.

A mapping is TOML (read with the standard library's ``tomllib``)::

    # 旧平台导出的补贴发放表
    [columns]
    "户主姓名" = "recipient_name"
    "发放金额(万元)" = { field = "amount_fen", convert = "wan_yuan" }
    "备注" = ""                      # a column to ignore

    [defaults]                       # values for every row, unless a column gives one
    project_id = "0190b7c4-…"

Built-in mappings for each kind ship with the package (``client/legacy/mappings``);
a file given with ``--mapping`` is laid over them (its headers win). Headers
match after full-width forms become ASCII and spaces go: ``发放金额（元）`` and
``发放金额(元)`` are the same column.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

from client.legacy.cleaning import half_width
from models.kinds import kind_spec

__all__ = ["CONVERTERS", "ColumnRule", "MappingError", "TableMapping", "header_key", "load_mapping"]

CONVERTERS = frozenset(
    {
        "text",
        "yuan",
        "wan_yuan",
        "fen",
        "date",
        "id_number",
        "period",
        "catalog",
        "org",
        "int",
        "decimal",
    }
)
"""Converter names a mapping may give; ``default_converter`` picks one by field otherwise."""

_MONEY_FIELDS = frozenset({"standard"})


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the entry."""


def header_key(text: object) -> str:
    """A header as compared: ASCII forms of full-width characters, no spaces, lower case."""
    raw = text if isinstance(text, str) else "" if text is None else str(text)
    return "".join(half_width(raw, punctuation=True).split()).lower()


def default_converter(kind: str, name: str) -> str:
    spec = kind_spec(kind)
    field_type = spec.field_types[name]
    if name == "id_number":
        return "id_number"
    if name == "org_code":
        return "org"
    if name == "period":
        return "period"
    if name == "catalog_code":
        return "catalog"
    if name == "quantity":
        return "decimal"
    if name.endswith("_fen") or name in _MONEY_FIELDS:
        return "yuan"
    if field_type.value == "date":
        return "date"
    if field_type.value == "int":
        return "int"
    return "text"


@dataclass(frozen=True)
class ColumnRule:
    field: str
    """The Sanwu field; "" means the column is ignored."""
    convert: str


@dataclass(frozen=True)
class TableMapping:
    kind: str
    columns: Mapping[str, ColumnRule]
    """By ``header_key`` of the old header."""
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def rule_for(self, header: object) -> ColumnRule | None:
        return self.columns.get(header_key(header))

    @property
    def known_headers(self) -> frozenset[str]:
        return frozenset(self.columns)

    def example_headers(self, n: int = 4) -> list[str]:
        """A few headers to quote in a message (fields people recognise first)."""
        seen: dict[str, str] = {}
        for key, rule in self.columns.items():
            if rule.field and rule.field not in seen:
                seen[rule.field] = key
        return list(seen.values())[:n]


def _parse(kind: str, data: Mapping[str, Any], origin: str) -> TableMapping:
    spec = kind_spec(kind)
    declared = data.get("kind")
    if declared is not None and declared != kind:
        raise MappingError(f"{origin}: this mapping is for kind {declared!r}, not {kind!r}")
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, Mapping):
        raise MappingError(f"{origin}: [columns] must be a table of header = field")
    columns: dict[str, ColumnRule] = {}
    for header, entry in raw_columns.items():
        if isinstance(entry, str):
            name, convert = entry, None
        elif isinstance(entry, Mapping):
            name, convert = entry.get("field", ""), entry.get("convert")
        else:
            raise MappingError(f"{origin}: column {header!r}: give a field name or a table")
        if not isinstance(name, str) or (name and name not in spec.field_types):
            raise MappingError(f"{origin}: column {header!r}: {name!r} is not a field of {kind}")
        if convert is not None and convert not in CONVERTERS:
            raise MappingError(
                f"{origin}: column {header!r}: unknown converter {convert!r} "
                f"(known: {', '.join(sorted(CONVERTERS))})"
            )
        key = header_key(header)
        if not key:
            raise MappingError(f"{origin}: an empty column header")
        columns[key] = ColumnRule(name, convert or (default_converter(kind, name) if name else ""))
    defaults = data.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise MappingError(f"{origin}: [defaults] must be a table of field = value")
    for name in defaults:
        if name not in spec.field_types:
            raise MappingError(f"{origin}: [defaults]: {name!r} is not a field of {kind}")
    return TableMapping(kind, MappingProxyType(columns), MappingProxyType(dict(defaults)))


@cache
def builtin_mapping(kind: str) -> TableMapping:
    """The mapping shipped for a kind (every kind has one)."""
    kind_spec(kind)
    text = files("client.legacy").joinpath(f"mappings/{kind}.toml").read_text(encoding="utf-8")
    return _parse(kind, tomllib.loads(text), f"built-in mapping {kind}.toml")


def load_mapping(kind: str, path: Path | None = None) -> TableMapping:
    """The built-in mapping of ``kind``, with the file at ``path`` laid over it."""
    base = builtin_mapping(kind)
    if path is None:
        return base
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: a mapping must be UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML ({exc})") from exc
    extra = _parse(kind, data, str(path))
    return TableMapping(
        kind,
        MappingProxyType({**base.columns, **extra.columns}),
        MappingProxyType({**base.defaults, **extra.defaults}),
    )
