"""Typed markers on a kind's fields, and what one field is once its markers are read.

A kind's fields are declared once, in ``models.records``, each with its markers::

    id_number: Annotated[
        str,
        Label(N_("ID number"), hint=N_("18 characters; x allowed at the end")),
        Format.ID_NUMBER,
        Personal(Mask.ID_NUMBER),
        Required(),
        Aliases("身份证号", "公民身份号码"),
    ] = ""

Everything that treats a field (the kind registry, validation, sealing, masking,
labels, default forms, legacy import mappings, exports, the wire) reads the
``FieldSpec`` made from them (``models.kinds``); nothing keys behaviour on a
field's name or on the text of its annotation. Markers are plain data: the rules
they name live with their readers (``models.validation`` for formats,
``models.masking`` for masks).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = [
    "Aliases",
    "Choices",
    "DomainAliases",
    "FieldError",
    "FieldSpec",
    "FieldType",
    "Format",
    "Label",
    "Managed",
    "Mask",
    "Masked",
    "MaxLength",
    "Money",
    "Multiline",
    "Personal",
    "Ref",
    "Required",
    "Title",
    "VisibleTo",
    "When",
    "field_spec",
    "field_type_of",
]

DEFAULT_MAX_LENGTH = 2000
"""Characters a text field holds when it declares no ``MaxLength``."""


class FieldType(StrEnum):
    """How a field's value travels (``models.kinds.to_wire``), read from its annotation."""

    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    SET = "set"


class Format(StrEnum):
    """What a text (or set) field holds beyond plain text; ``models.validation`` has a
    rule for each, and the legacy import a converter."""

    TEXT = "text"
    """Plain text: stripped, at most the field's ``MaxLength``."""
    PERSON_NAME = "person_name"
    """A person's name: plain text, but the spaces a ledger pads a short Chinese name with
    (``李　芳``, aligned to three characters) are no part of it and go."""
    ORG_CODE = "org_code"
    """A 12-digit unit code (a unit's name is accepted on import)."""
    ID_NUMBER = "id_number"
    """A resident ID number (GB 11643); 15-digit legacy numbers become 18."""
    ACCOUNT = "account"
    """A bank or one-card account: digits and Latin letters."""
    DECIMAL = "decimal"
    """A non-negative decimal number written as text (never a float)."""
    PERIOD = "period"
    """A disclosure period: 2026-10, 2026-Q3, 2026-H2, 2026 or an event date."""
    CATALOG_ITEM = "catalog_item"
    """A code of the disclosure catalogue (its item name is accepted on import)."""
    DUTY_INDICATOR = "duty_indicator"
    """A code of the duty list."""
    FILES = "files"
    """Attachments: a set of SHA-256 digests of files kept beside the records."""
    ITEMS = "items"
    """Numbers of a warning's problems (one per line of its text): whole numbers from 1."""
    ORG_CODES = "org_codes"
    """Several 12-digit unit codes (the units a bulletin names)."""


class Mask(StrEnum):
    """How a value is shown to people (``models.masking`` has the one rule for each)."""

    ID_NUMBER = "id_number"
    ACCOUNT = "account"
    PHONE = "phone"
    NAME = "name"
    CONTACT = "contact"
    ALL = "all"


@dataclass(frozen=True)
class Label:
    """The field's name as people read it (an English msgid), and a hint for its box."""

    text: str
    hint: str = ""


@dataclass(frozen=True)
class Money:
    """Integer fen: typed and shown in yuan, never a float."""


@dataclass(frozen=True)
class Masked:
    """Shown masked everywhere (lists, exports, logs), stored as it is."""

    mask: Mask = Mask.ALL


@dataclass(frozen=True)
class Personal(Masked):
    """Personal data: sealed at rest, masked when shown, never logged in clear."""


@dataclass(frozen=True)
class Choices:
    """The codes a field may hold, each with its Chinese label; ``words`` are other
    words people write for a code (ledger usage), accepted on input."""

    labels: Mapping[str, str]
    words: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MaxLength:
    """Characters the field holds at most."""

    limit: int


@dataclass(frozen=True)
class Aliases:
    """Column headers of legacy tables that hold this field. For money, each header
    also matches with a unit after it: ``金额(元)`` in yuan, ``金额(万元)`` in 10,000 yuan."""

    headers: tuple[str, ...]

    def __init__(self, *headers: str) -> None:
        object.__setattr__(self, "headers", headers)


@dataclass(frozen=True)
class DomainAliases:
    """Column headers of legacy tables that hold the domain (党务/政务/村务/财务) of this
    field's catalogue item. A disclosure's domain is its item's, so such a column is not
    stored: an import checks the item against it (the old platform's 公开类别)."""

    headers: tuple[str, ...]

    def __init__(self, *headers: str) -> None:
        object.__setattr__(self, "headers", headers)


@dataclass(frozen=True)
class When:
    """A condition on another field of the same record: its value is one of ``values``."""

    field: str
    values: frozenset[Any]

    def holds(self, record: Mapping[str, Any]) -> bool:
        return record.get(self.field) in self.values


@dataclass(frozen=True)
class Required:
    """The field must not be empty (0 counts as empty for whole numbers), always or
    ``when`` another field has one of some values."""

    when: When | None = None


@dataclass(frozen=True)
class Ref:
    """The id of a record of another kind (a payment's project, a feedback's warning)."""

    kind: str


@dataclass(frozen=True)
class Managed:
    """Moved by the kind's own actions (a stage, a status, a verdict), not typed in a form."""


@dataclass(frozen=True)
class VisibleTo:
    """Only devices of these roles see the field (a clue's reporter: the supervisor role);
    central sends others the record without it."""

    roles: frozenset[str]

    def __init__(self, *roles: str) -> None:
        object.__setattr__(self, "roles", frozenset(roles))


@dataclass(frozen=True)
class Multiline:
    """Prose: typed in a text area."""


@dataclass(frozen=True)
class Title:
    """The field that names a record where records are listed."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; ``message`` names the field but never its value.

    ``msgid`` (marked with ``N_``) is the sentence a person reads when the check can say
    what is right (the amount it expects, the period form of the item), filled with
    ``params``; without one, the code's sentence is shown."""

    field: str
    code: str
    message: str
    msgid: str = ""
    params: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class FieldSpec:
    """One field of a kind, as its markers declare it."""

    name: str
    type: FieldType
    default: Any
    """The wire value of a new record's field before anybody typed anything."""
    label: str = ""
    hint: str = ""
    format: Format = Format.TEXT
    money: bool = False
    mask: Mask | None = None
    """Shown masked with this rule (None: shown as it is)."""
    personal: bool = False
    """Sealed at rest (personal data); always masked too."""
    choices: Mapping[str, str] | None = None
    choice_words: Mapping[str, str] = field(default_factory=dict)
    max_length: int | None = None
    """For text: characters at most (the declared limit, else ``DEFAULT_MAX_LENGTH``)."""
    aliases: tuple[str, ...] = ()
    domain_aliases: tuple[str, ...] = ()
    """Headers of a column that names the domain of this catalogue item (checked, not kept)."""
    required: bool = False
    required_when: When | None = None
    ref: str | None = None
    managed: bool = False
    multiline: bool = False
    title: bool = False
    visible_to: frozenset[str] | None = None
    """Roles that see the field (None: every role that sees the record)."""
    wide: bool = False
    """A whole number in a 64-bit column (``models.sqltypes.BIG_INT``, declared with the
    field's ``Field(sa_type=...)``); any other is 32-bit on PostgreSQL and capped to fit."""


_UNION_TYPES = (typing.Union, types.UnionType)


def field_type_of(annotation: Any) -> FieldType:
    """The wire type of an annotation: ``str``, ``int``, ``bool``, ``date`` (optional or
    not) or ``list[str]``; anything else is a declaration mistake."""
    origin = typing.get_origin(annotation)
    if origin in _UNION_TYPES:
        inner = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(inner) == 1:
            return field_type_of(inner[0])
    elif origin is list and typing.get_args(annotation) in ((str,), ()):
        return FieldType.SET
    elif annotation is bool:
        return FieldType.BOOL
    elif annotation is int:
        return FieldType.INT
    elif annotation is date:
        return FieldType.DATE
    elif annotation is str:
        return FieldType.TEXT
    if annotation is datetime:
        raise TypeError("a record field holds a date, not a timestamp")
    raise TypeError(f"no wire type for the annotation {annotation!r}")


def field_spec(
    name: str, annotation: Any, metadata: Any, default: Any, *, wide: bool = False
) -> FieldSpec:
    """A field's spec from its annotation, its markers, its wire default and whether its
    column is 64-bit (``wide``: read from the table, ``models.kinds``)."""
    field_type = field_type_of(annotation)
    values: dict[str, Any] = {
        "name": name,
        "type": field_type,
        "default": default,
        "wide": wide and field_type is FieldType.INT,
    }
    for marker in metadata:
        if isinstance(marker, Label):
            values["label"], values["hint"] = marker.text, marker.hint
        elif isinstance(marker, Format):
            values["format"] = marker
        elif isinstance(marker, Money):
            values["money"] = True
        elif isinstance(marker, Masked):
            values["mask"] = marker.mask
            values["personal"] = isinstance(marker, Personal)
        elif isinstance(marker, Choices):
            values["choices"] = MappingProxyType(dict(marker.labels))
            values["choice_words"] = MappingProxyType(dict(marker.words))
        elif isinstance(marker, MaxLength):
            values["max_length"] = marker.limit
        elif isinstance(marker, Aliases):
            values["aliases"] = marker.headers
        elif isinstance(marker, DomainAliases):
            values["domain_aliases"] = marker.headers
        elif isinstance(marker, Required):
            values["required"] = marker.when is None
            values["required_when"] = marker.when
        elif isinstance(marker, Ref):
            values["ref"] = marker.kind
        elif isinstance(marker, Managed):
            values["managed"] = True
        elif isinstance(marker, Multiline):
            values["multiline"] = True
        elif isinstance(marker, Title):
            values["title"] = True
        elif isinstance(marker, VisibleTo):
            values["visible_to"] = marker.roles
    spec = FieldSpec(**values)
    if spec.type is FieldType.TEXT and spec.max_length is None:
        spec = replace(spec, max_length=DEFAULT_MAX_LENGTH)
    if spec.money and spec.type is not FieldType.INT:
        raise TypeError(f"{name}: money is whole fen (int)")
    if spec.money and not spec.wide:
        raise TypeError(f"{name}: money needs a 64-bit column: Field(sa_type=BIG_INT)")
    if (
        spec.format in (Format.FILES, Format.ITEMS, Format.ORG_CODES)
        and spec.type is not FieldType.SET
    ):
        raise TypeError(f"{name}: {spec.format} are a list")
    if spec.domain_aliases and spec.format is not Format.CATALOG_ITEM:
        raise TypeError(f"{name}: only a catalogue item has a domain")
    return spec
