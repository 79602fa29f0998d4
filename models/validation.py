"""Validation of records as pure functions: what people type becomes wire values, or
field errors.

``normalize`` converts some fields of a kind (as typed in a form or read from a
spreadsheet) into wire values, each by its field's rule (``models.field_rules``);
``validate_record`` checks a whole record before it is saved or accepted by central:
each field, the required ones (always, or when another field says so), then the
kind's checks across fields (``models.cross_checks``). Both run on every save and
on bulk imports, so everything they need is built once per kind and cached.

Error messages are English, name the field and never repeat the value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import cache
from typing import Any

from models.cross_checks import CROSS_CHECKS, CROSS_FIELDS
from models.field_rules import (
    CONTROL_CHARACTERS,
    MAX_FEN,
    PLAIN_TEXT_LIMITS,
    Invalid,
    Normalizer,
    rule_for,
)
from models.fields import FieldError, When
from models.ids import is_record_id
from models.kinds import SYSTEM_COLUMNS, FieldType, KindSpec, WireValue, kind_spec

__all__ = [
    "CONTROL_CHARACTERS",
    "MAX_FEN",
    "FieldError",
    "cross_check",
    "id_error",
    "is_empty",
    "normalize",
    "required_fields",
    "text_limit",
    "validate_record",
]


def _rules(kind: str) -> Mapping[str, Normalizer]:
    return _rules_of(kind_spec(kind))


@cache
def _rules_of(spec: KindSpec) -> Mapping[str, Normalizer]:
    """Each field's rule, made once per kind (cached by the spec: a kind declared anew,
    as a test does, gets its own)."""
    return {name: rule_for(field) for name, field in spec.specs.items()}


_SYSTEM = frozenset(SYSTEM_COLUMNS)


def _error(field: str, exc: Invalid) -> FieldError:
    return FieldError(field, exc.code, f"{field} {exc.detail}")


def normalize(
    kind: str, values: Mapping[str, Any]
) -> tuple[dict[str, WireValue], list[FieldError]]:
    """Wire values for the fields given, plus an error per field that could not be converted.

    Fields with errors are left out of the result. System columns are refused
    (``read_only``); names the kind does not have are ``unknown_field``.
    ``KeyError`` for an unknown kind: that is a programming error, not input.
    """
    rules = _rules(kind)
    out: dict[str, WireValue] = {}
    errors: list[FieldError] = []
    for field, value in values.items():
        rule = rules.get(field)
        if rule is None:
            if field in _SYSTEM:
                errors.append(FieldError(field, "read_only", f"{field} is set by the system"))
            else:
                errors.append(
                    FieldError(str(field), "unknown_field", f"{field} is not a field of {kind}")
                )
            continue
        try:
            out[field] = rule(value)
        except Invalid as exc:
            errors.append(_error(field, exc))
    return out, errors


def _required(kind: str) -> tuple[str, ...]:
    return _required_of(kind_spec(kind))


@cache
def _required_of(spec: KindSpec) -> tuple[str, ...]:
    return tuple(name for name in spec.field_types if name in spec.required)


def _is_empty(value: WireValue, field_type: FieldType) -> bool:
    if field_type is FieldType.INT:
        # 0 is the default of every int field: a required amount of 0 was never typed.
        return value is None or value == 0
    return value is None or value == "" or value == []


def validate_record(
    kind: str, record: Mapping[str, WireValue], *, normalized: Collection[str] = ()
) -> list[FieldError]:
    """Every problem of a complete wire record, field by field, then across fields.

    System columns in ``record`` are ignored; a missing field counts as empty.
    ``normalized`` names fields whose values ``normalize`` has just produced (and
    nothing changed since): a field's rule maps its own output to itself, so running
    it again would find nothing new and is skipped for them (bulk imports); the
    required and cross-field checks still run on every field.
    """
    spec = kind_spec(kind)
    rules = _rules(kind)
    if type(normalized) in _SETS and record.keys() <= normalized:  # type: ignore[operator]
        # Every field trusted (a bulk import's rows): no field rule to run again.
        return _whole_record_checks(kind, record, spec.field_types)
    errors: list[FieldError] = []
    if record.keys() - rules.keys() - _SYSTEM:
        for field in record:
            if field not in rules and field not in _SYSTEM:
                errors.append(
                    FieldError(str(field), "unknown_field", f"{field} is not a field of {kind}")
                )
    clean: dict[str, WireValue] = {}
    for field, rule in rules.items():
        if field not in record:
            continue
        if field in normalized:
            clean[field] = record[field]
            continue
        try:
            clean[field] = rule(record[field])
        except Invalid as exc:
            errors.append(_error(field, exc))
    bad = {error.field for error in errors}
    for field in _required(kind):
        if field not in bad and _is_empty(clean.get(field), spec.field_types[field]):
            errors.append(FieldError(field, "required", f"{field} is required"))
    bad = {error.field for error in errors}
    across = _across(spec)
    if across is not None:
        errors.extend(error for error in across[1](clean) if error.field not in bad)
    return errors


def _whole_record_checks(
    kind: str, record: Mapping[str, WireValue], types: Mapping[str, FieldType]
) -> list[FieldError]:
    """The required fields and the checks across fields of a record ``normalize`` made
    (``validate_record`` with every field trusted: no field rule to run again)."""
    errors = [
        FieldError(field, "required", f"{field} is required")
        for field in _required(kind)
        if _is_empty(record.get(field), types[field])
    ]
    check = _across(kind_spec(kind))
    across = check[1](record) if check is not None else None
    if across:
        bad = {error.field for error in errors}
        errors.extend(error for error in across if error.field not in bad)
    return errors


def id_error(record_id: object) -> FieldError | None:
    """The error of a record id that is not a UUID in its canonical text, else None.

    Ids travel between devices and are printed by ``sanwu record list``: one that is
    free text could carry escape sequences or pose as another record. Every id Sanwu
    makes is a UUID (``models.ids``), on the device or at central."""
    if is_record_id(record_id):
        return None
    return FieldError("id", "bad_record_id", "id must be a UUID (8-4-4-4-12 hex digits)")


def text_limit(kind: str, field: str) -> int | None:
    """The most characters of ``field`` when its rule is plain text, else None.

    Plain text is stripped (``str.strip``), then refused (``too_long``) past this many
    characters, and nothing else: None for fields whose rule does more (codes, choices,
    periods) or that ``kind`` does not have. A bulk import checks a column of such text
    at once instead of calling ``normalize`` per cell."""
    rule = _rules(kind).get(field)
    return None if rule is None else PLAIN_TEXT_LIMITS.get(rule)


def required_fields(kind: str) -> tuple[str, ...]:
    """The fields ``validate_record`` finds missing when empty."""
    return _required(kind)


def is_empty(value: WireValue, field_type: FieldType) -> bool:
    """Empty as a required field sees it (0 for whole numbers: never typed)."""
    return _is_empty(value, field_type)


_Check = Callable[[Mapping[str, WireValue]], list[FieldError]]


def cross_check(kind: str) -> tuple[tuple[str, ...], _Check] | None:
    """The kind's checks across fields and the fields they read, or None: a caller that
    checks many records (a bulk import) runs them once per distinct set of those values.
    Conditional requirements (``Required(when=...)``) are among them."""
    return _across(kind_spec(kind))


@cache
def _across(spec: KindSpec) -> tuple[tuple[str, ...], _Check] | None:
    """The kind's own check (below) and each field required only when another field has
    some value, as one check with the fields it reads."""
    conditional = [
        (name, field.required_when, field.type)
        for name, field in spec.specs.items()
        if field.required_when is not None
    ]
    own = CROSS_CHECKS.get(spec.name)
    if own is None and not conditional:
        return None
    reads = list(CROSS_FIELDS.get(spec.name, ()))
    for name, when, _type in conditional:
        reads += [field for field in (name, when.field) if field not in reads]

    def check(record: Mapping[str, WireValue]) -> list[FieldError]:
        errors = own(record) if own is not None else []
        for name, when, field_type in conditional:
            if when.holds(record) and _is_empty(record.get(name), field_type):
                errors.append(_required_error(name, when))
        return errors

    return tuple(reads), check


def _required_error(name: str, when: When) -> FieldError:
    return FieldError(name, "required", f"{name} is required when {when.field} is that")


_SETS: tuple[type, ...] = (frozenset, set, type({}.keys()))
"""Types of ``normalized`` that ``validate_record`` compares with a record's fields at once."""
