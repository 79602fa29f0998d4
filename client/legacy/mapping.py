"""Column mappings: which old header feeds which Sanwu field, through which converter.

Every kind's built-in mapping is read from its declaration (``models.records``): each
field's ``Aliases`` are the headers that hold it, and its type and markers pick the
converter (money in yuan, dates, ID numbers, periods, unit and catalogue names...).
For money, a header also matches with its unit after it: ``金额(元)`` in yuan and
``金额(万元)`` in 10,000 yuan. A kind's own fields win over the unit's generic headers
(``单位`` is a payment's unit of quantity, another kind's unit). ``序号`` and ``备注``
are known and ignored everywhere. A catalogue item's ``DomainAliases`` (the old
platform's ``公开类别``: 党务/政务/村务/财务) name a column that is not stored but
checked: the row's item must be of that domain (``CHECKING_CONVERTERS``).

A file given with ``--mapping`` is TOML (read with the standard library's ``tomllib``),
laid over the built-in mapping (its headers win)::

    # 旧平台导出的补贴发放表
    [columns]
    "户主姓名" = "recipient_name"
    "发放金额(万元)" = { field = "amount_fen", convert = "wan_yuan" }
    "备注" = ""                      # a column to ignore

    [defaults]                       # values for every row, unless a column gives one
    project_id = "0190b7c4-…"

Headers match after full-width forms become ASCII and spaces go: ``发放金额（元）`` and
``发放金额(元)`` are the same column.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from client.i18n import _
from client.legacy.cleaning import half_width
from models.fields import FieldSpec, FieldType, Format
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
        "account",
        "domain",
    }
)
"""Converter names a mapping may give; ``default_converter`` picks one by field otherwise."""

CHECKING_CONVERTERS = frozenset({"domain"})
"""Converters of a column that checks its field instead of holding it: ``domain`` reads
党务/政务/村务/财务 and the row's catalogue item must be of that domain (a disclosure's
domain is its item's; nothing stores the column)."""

IGNORED_HEADERS = ("序号", "备注")
"""Columns every old table has that hold no field: known, so not reported as unmapped."""

_MONEY_UNITS = (("元", "yuan"), ("万元", "wan_yuan"))
"""A money header with its unit after it, and the converter of that unit."""

_FORMAT_CONVERTERS = {
    Format.ID_NUMBER: "id_number",
    Format.ORG_CODE: "org",
    Format.PERIOD: "period",
    Format.CATALOG_ITEM: "catalog",
    Format.DECIMAL: "decimal",
    Format.ACCOUNT: "account",
}


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the entry."""


def header_key(text: object) -> str:
    """A header as compared: ASCII forms of full-width characters, no spaces, lower case."""
    raw = text if isinstance(text, str) else "" if text is None else str(text)
    return "".join(half_width(raw, punctuation=True).split()).lower()


def default_converter(kind: str, name: str) -> str:
    """The converter of a field's cells, by its declaration."""
    return _converter(kind_spec(kind).field(name))


def _converter(field: FieldSpec) -> str:
    found = _FORMAT_CONVERTERS.get(field.format)
    if found is not None:
        return found
    if field.money:
        return "yuan"
    if field.type is FieldType.DATE:
        return "date"
    if field.type is FieldType.INT:
        return "int"
    return "text"


@dataclass(frozen=True)
class ColumnRule:
    field: str
    """The Sanwu field; "" means the column is ignored."""
    convert: str

    @property
    def checks(self) -> bool:
        """The column checks ``field`` (``CHECKING_CONVERTERS``) rather than holding it."""
        return self.convert in CHECKING_CONVERTERS


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
        raise MappingError(
            _("{origin}: this mapping is for kind {declared!r}, not {kind!r}").format(
                origin=origin, declared=declared, kind=kind
            )
        )
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, Mapping):
        raise MappingError(
            _("{origin}: [columns] must be a table of header = field").format(origin=origin)
        )
    columns: dict[str, ColumnRule] = {}
    for header, entry in raw_columns.items():
        if isinstance(entry, str):
            name, convert = entry, None
        elif isinstance(entry, Mapping):
            name, convert = entry.get("field", ""), entry.get("convert")
        else:
            raise MappingError(
                _("{origin}: column {header!r}: give a field name or a table").format(
                    origin=origin, header=header
                )
            )
        if not isinstance(name, str) or (name and name not in spec.field_types):
            raise MappingError(
                _("{origin}: column {header!r}: {name!r} is not a field of {kind}").format(
                    origin=origin, header=header, name=name, kind=kind
                )
            )
        if convert is not None and convert not in CONVERTERS:
            raise MappingError(
                _(
                    "{origin}: column {header!r}: unknown converter {convert!r} (known: {known})"
                ).format(
                    origin=origin,
                    header=header,
                    convert=convert,
                    known=", ".join(sorted(CONVERTERS)),
                )
            )
        if convert == "domain" and (not name or spec.field(name).format is not Format.CATALOG_ITEM):
            raise MappingError(
                _("{origin}: column {header!r}: a domain checks a catalogue item").format(
                    origin=origin, header=header
                )
            )
        key = header_key(header)
        if not key:
            raise MappingError(_("{origin}: an empty column header").format(origin=origin))
        columns[key] = ColumnRule(name, convert or (default_converter(kind, name) if name else ""))
    defaults = data.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise MappingError(
            _("{origin}: [defaults] must be a table of field = value").format(origin=origin)
        )
    for name in defaults:
        if name not in spec.field_types:
            raise MappingError(
                _("{origin}: [defaults]: {name!r} is not a field of {kind}").format(
                    origin=origin, name=name, kind=kind
                )
            )
    return TableMapping(kind, MappingProxyType(columns), MappingProxyType(dict(defaults)))


@cache
def builtin_mapping(kind: str) -> TableMapping:
    """The mapping every kind has: its fields' declared aliases (see the module's text)."""
    spec = kind_spec(kind)
    columns: dict[str, ColumnRule] = {
        header_key(header): ColumnRule("", "") for header in IGNORED_HEADERS
    }
    owner: dict[str, str] = {}
    for declared in spec.specs.values():
        convert = _converter(declared)
        for header in declared.aliases:
            headers = [(header, convert)]
            if declared.money:
                headers += [
                    (f"{header}({unit})", unit_convert) for unit, unit_convert in _MONEY_UNITS
                ]
            for text, how in headers:
                key = header_key(text)
                taken = owner.get(key)
                if taken is not None and taken != "org_code" and taken != declared.name:
                    raise MappingError(
                        f"{kind}: the header {text!r} is declared for {taken} and {declared.name}"
                    )
                owner[key] = declared.name
                columns[key] = ColumnRule(declared.name, how)
        for header in declared.domain_aliases:
            key = header_key(header)
            if owner.get(key, declared.name) != declared.name:
                raise MappingError(f"{kind}: the header {header!r} is declared for {owner[key]}")
            owner[key] = declared.name
            columns[key] = ColumnRule(declared.name, "domain")
    return TableMapping(kind, MappingProxyType(columns), MappingProxyType({}))


def load_mapping(kind: str, path: Path | None = None) -> TableMapping:
    """The built-in mapping of ``kind``, with the file at ``path`` laid over it."""
    base = builtin_mapping(kind)
    if path is None:
        return base
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingError(
            _("{path}: cannot read the mapping ({reason})").format(path=path, reason=exc.strerror)
        ) from exc
    except UnicodeDecodeError as exc:
        raise MappingError(_("{path}: a mapping must be UTF-8 text").format(path=path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(
            _("{path}: not valid TOML ({reason})").format(path=path, reason=exc)
        ) from exc
    extra = _parse(kind, data, str(path))
    return TableMapping(
        kind,
        MappingProxyType({**base.columns, **extra.columns}),
        MappingProxyType({**base.defaults, **extra.defaults}),
    )
