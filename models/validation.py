"""Validation as pure functions: what people type becomes wire values, or field errors.

``normalize`` converts some fields of a kind (as typed in a form or read
from a spreadsheet) into wire values; ``validate_record`` checks a whole
record before it is saved or accepted by central. Both run on every save
and on bulk imports, so everything they need is built once and cached.

Error messages are English, name the field and never repeat the value: a
wrong value may be personal data typed into the wrong box.

Conversions worth knowing:

- Text is stripped; ``None`` for a text field means "".
- ``id_number`` (GB 11643): upper-cased, spaces removed, 15-digit legacy
  numbers converted to 18 (area + "19" + rest + check character); the check
  character and the birth date must be right. The area code is not looked
  up: python-stdnum's area table rejects real numbers of newer areas.
- Money (fields marked ``Money``) is integer fen: an int, or a string of
  ASCII digits (spreadsheets often give text); floats and decimal strings
  are ``float_money``, booleans ``not_int``, negative ``negative``.
- Decimals (``Format.DECIMAL``, a payment's quantity) are non-negative numbers
  written as text (ints accepted, floats refused), canonicalised: ``"2.50"``
  stays ``"2.50"``, ``"02"`` → ``"2"``.
- Dates: ``YYYY-MM-DD`` strings or ``date`` objects (not datetimes); "" clears.
- Choices accept the code case-insensitively, its Chinese label, or one of the
  words declared for it; a set of choices (a disclosure's channels) also accepts
  one string separated by commas, 、 or spaces.

Which rule a field gets comes from its declaration (``models.fields``): its
format, its type, its choices, its limit. Nothing here knows a field by name
but the checks across fields of a kind, at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

from models.catalog import PERIOD_KINDS, load_catalog, period_fits
from models.duty import indicator_by_code
from models.fields import FieldError, FieldSpec, Format, When
from models.kinds import SYSTEM_COLUMNS, FieldType, KindSpec, WireValue, kind_spec
from models.orgs import is_org_code
from models.records import STAGE_DATES

__all__ = [
    "MAX_FEN",
    "FieldError",
    "cross_check",
    "is_empty",
    "normalize",
    "required_fields",
    "text_limit",
    "validate_record",
]


MAX_FEN = 10**14
"""One trillion yuan: anything above is a typing mistake, and it stays inside int64."""

_ASCII_INT = re.compile(r"-?[0-9]+")
_ASCII_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]+")
_SPLIT = re.compile(r"[\s,，、;；]+")
_TRUE = frozenset({"true", "1", "yes", "y", "是"})
_FALSE = frozenset({"false", "0", "no", "n", "否", ""})
# Stage dates of a subsidy project, in the order the stages happen.
_STAGE_DATES = tuple(STAGE_DATES.values())


class _Invalid(Exception):
    """Raised by a field normalizer; turned into a FieldError by the caller."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


_Normalizer = Callable[[Any], WireValue]


# ---------------------------------------------------------------- basic types


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _Invalid("not_text", "must be text")


def _limited(limit: int, inner: Callable[[Any], str]) -> Callable[[Any], str]:

    def run(value: Any) -> str:
        text = inner(value)
        if len(text) > limit:
            raise _Invalid("too_long", f"must be at most {limit} characters")
        return text

    return run


_PLAIN_TEXT: dict[_Normalizer, int] = {}
"""The rules ``_plain_text`` made, each with its limit (``text_limit``)."""


def _plain_text(limit: int) -> _Normalizer:
    """A text field's rule (strip, then at most ``limit`` characters), registered so that
    ``text_limit`` recognises it and not a lookalike."""
    rule = _limited(limit, _text)
    _PLAIN_TEXT[rule] = limit
    return rule


def _int_field(money: bool) -> _Normalizer:
    def run(value: Any) -> int:
        if isinstance(value, bool) or value is None:
            raise _Invalid("not_int", "must be a whole number")
        if isinstance(value, float | Decimal):
            if money:
                raise _Invalid("float_money", "is money in whole fen: no fractions or floats")
            raise _Invalid("not_int", "must be a whole number")
        if isinstance(value, str):
            text = value.strip()
            if _ASCII_INT.fullmatch(text):
                value = int(text)
            elif money and _ASCII_DECIMAL.fullmatch(text):
                raise _Invalid("float_money", "is money in whole fen: no fractions or floats")
            else:
                raise _Invalid("not_int", "must be a whole number")
        if not isinstance(value, int):
            raise _Invalid("not_int", "must be a whole number")
        if value < 0:
            raise _Invalid("negative", "must not be negative")
        if value > MAX_FEN:
            raise _Invalid("too_large", "is too large")
        return value

    return run


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _Invalid("not_bool", "must be true or false")


def _date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise _Invalid("bad_date", "must be a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _DATE.fullmatch(text):
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                pass
    raise _Invalid("bad_date", "must be a real date written YYYY-MM-DD")


def _string_set(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        out = set()
        for item in value:
            if not isinstance(item, str):
                raise _Invalid("not_list", "must be a list of text")
            if item.strip():
                out.add(item.strip())
        return sorted(out)
    raise _Invalid("not_list", "must be a list of text")


# ---------------------------------------------------------------- special fields


def _org_code(value: Any) -> str:
    text = _text(value)
    if text and not is_org_code(text):
        raise _Invalid("bad_org_code", "must be a 12-digit organisation code")
    return text


def _check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits (python-stdnum's formula)."""
    checksum = (1 - 2 * int(first17, 13)) % 11
    return "X" if checksum == 10 else str(checksum)


def _birth_date_ok(yyyymmdd: str) -> bool:
    try:
        date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return True


def _id_number(value: Any) -> str:
    if value is None:
        return ""
    # Spreadsheets hold legacy 15-digit numbers as ints; an int loses nothing there.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Invalid("bad_id_number", "must be text (an 18-character resident ID number)")
    text = "".join(str(value).split()).upper()
    if not text:
        return ""
    bad = _Invalid("bad_id_number", "is not a valid resident ID number")
    if not text.isascii():
        raise bad
    if len(text) == 15:
        if not text.isdigit():
            raise bad
        first17 = text[:6] + "19" + text[6:]
        if not _birth_date_ok(first17[6:14]):
            raise _Invalid("bad_id_number", "has an impossible birth date")
        return first17 + _check_char(first17)
    if len(text) != 18 or not text[:17].isdigit():
        raise _Invalid("bad_id_number", "must have 18 characters (or 15 digits, legacy)")
    if not _birth_date_ok(text[6:14]):
        raise _Invalid("bad_id_number", "has an impossible birth date")
    if text[17] != _check_char(text[:17]):
        raise _Invalid("bad_id_number", "has a wrong check character (typing mistake?)")
    return text


def _account(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Invalid("bad_account", "must be text")
    text = "".join(str(value).split()).replace("-", "")
    if text and not _ACCOUNT.fullmatch(text):
        raise _Invalid("bad_account", "may hold only digits and Latin letters")
    return text


def _decimal(limit: int) -> _Normalizer:
    def run(value: Any) -> str:
        text = _decimal_text(value)
        if len(text) > limit:
            raise _Invalid("bad_decimal", "must be a decimal number such as 12.5")
        return text

    return run


def _decimal_text(value: Any) -> str:
    if isinstance(value, bool | float):
        raise _Invalid("bad_decimal", "must be a decimal number written as text, never a float")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = _text(value)
    if not text:
        return ""
    if not _ASCII_DECIMAL.fullmatch(text):
        raise _Invalid("bad_decimal", "must be a decimal number such as 12.5")
    if text.startswith("-"):
        raise _Invalid("negative", "must not be negative")
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise _Invalid("bad_decimal", "must be a decimal number such as 12.5") from None
    whole, _, fraction = text.partition(".")
    canonical = str(int(whole)) + ("." + fraction if fraction else "")
    if Decimal(canonical) != number:
        raise _Invalid("bad_decimal", "must be a decimal number such as 12.5")
    return canonical


def _code(known: Callable[[], Mapping[str, object]], code: str, what: str) -> _Normalizer:
    def run(value: Any) -> str:
        text = _text(value).upper()
        if text and text not in known():
            raise _Invalid(code, f"is not a known {what} code")
        return text

    return run


def _period(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    if len(text) == 7 and text[5] in "qh":
        text = text[:5] + text[5].upper() + text[6:]
    if not _is_period(text):
        raise _Invalid(
            "bad_period", "must be a period like 2026-10, 2026-Q3, 2026-H2, 2026 or 2026-10-14"
        )
    return text


@lru_cache(maxsize=4096)
def _is_period(text: str) -> bool:
    """Whether ``text`` is a period of any kind (bulk imports repeat the same few)."""
    return any(period_fits(kind, text) for kind in PERIOD_KINDS)


@lru_cache(maxsize=4096)
def _fits(period_kind: str, period: str) -> bool:
    return period_fits(period_kind, period)


def _choice_lookup(field: FieldSpec) -> dict[str, str]:
    """What people may write for each code: the code (any case), its label, its words."""
    labels = field.choices or {}
    return (
        {code.lower(): code for code in labels}
        | {label: code for code, label in labels.items() if label}
        | dict(field.choice_words)
    )


def _choice(field: FieldSpec) -> _Normalizer:
    lookup = _choice_lookup(field)
    if field.default == "":
        # "Not chosen yet" where the field starts empty; ``required`` catches it on save.
        lookup[""] = ""
    allowed = ", ".join(repr(code) for code in sorted(field.choices or {}))

    def run(value: Any) -> str:
        text = _text(value)
        found = lookup.get(text.lower(), lookup.get(text))
        if found is None:
            raise _Invalid("bad_choice", f"must be one of {allowed}")
        return found

    return run


def _choice_set(field: FieldSpec) -> _Normalizer:
    """A set of choices (a disclosure's channels): a list, or one string of them
    separated by commas, 、 or spaces."""
    lookup = _choice_lookup(field)
    allowed = ", ".join(sorted(field.choices or {}))
    name = field.name

    def run(value: Any) -> list[str]:
        items: Iterable[Any]
        if isinstance(value, str):
            items = [part for part in _SPLIT.split(value) if part]
        elif value is None:
            items = []
        elif isinstance(value, list | tuple | set | frozenset):
            items = value
        else:
            raise _Invalid("bad_choices", f"must be a list of {name}")
        out = set()
        for item in items:
            if not isinstance(item, str):
                raise _Invalid("bad_choices", f"must be a list of {name}")
            text = item.strip()
            code = lookup.get(text.lower(), lookup.get(text))
            if code is None:
                raise _Invalid("bad_choices", f"may only hold {allowed}")
            out.add(code)
        return sorted(out)

    return run


# ---------------------------------------------------------------- the rule table


_FORMATS: Mapping[Format, Callable[[FieldSpec], _Normalizer]] = {
    Format.ORG_CODE: lambda _field: _org_code,
    Format.ID_NUMBER: lambda _field: _id_number,
    Format.ACCOUNT: lambda field: _limited(_limit(field), _account),
    Format.DECIMAL: lambda field: _decimal(_limit(field)),
    Format.PERIOD: lambda field: _limited(_limit(field), _period),
    Format.CATALOG_ITEM: lambda _field: _code(
        load_catalog, "unknown_catalog_item", "catalogue item"
    ),
    Format.DUTY_INDICATOR: lambda _field: _code(
        indicator_by_code, "unknown_indicator", "duty indicator"
    ),
}
"""The rule of each text format a field may declare (plain text and files: by type)."""


def _limit(field: FieldSpec) -> int:
    assert field.max_length is not None, f"{field.name}: text without a limit"
    return field.max_length


def _normalizer(field: FieldSpec) -> _Normalizer:
    make = _FORMATS.get(field.format)
    if make is not None:
        return make(field)
    if field.choices is not None:
        return _choice_set(field) if field.type is FieldType.SET else _choice(field)
    if field.type is FieldType.INT:
        return _int_field(field.money)
    if field.type is FieldType.BOOL:
        return _bool
    if field.type is FieldType.DATE:
        return _date
    if field.type is FieldType.SET:
        return _string_set
    return _plain_text(_limit(field))


def _rules(kind: str) -> Mapping[str, _Normalizer]:
    return _rules_of(kind_spec(kind))


@cache
def _rules_of(spec: KindSpec) -> Mapping[str, _Normalizer]:
    """Each field's rule, made once per kind (cached by the spec: a kind declared anew,
    as a test does, gets its own)."""
    return {name: _normalizer(field) for name, field in spec.specs.items()}


_SYSTEM = frozenset(SYSTEM_COLUMNS)


def _error(field: str, exc: _Invalid) -> FieldError:
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
        except _Invalid as exc:
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
        except _Invalid as exc:
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


def text_limit(kind: str, field: str) -> int | None:
    """The most characters of ``field`` when its rule is plain text, else None.

    Plain text is stripped (``str.strip``), then refused (``too_long``) past this many
    characters, and nothing else: None for fields whose rule does more (codes, choices,
    periods) or that ``kind`` does not have. A bulk import checks a column of such text
    at once instead of calling ``normalize`` per cell."""
    rule = _rules(kind).get(field)
    return None if rule is None else _PLAIN_TEXT.get(rule)


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
    own = _CROSS_CHECKS.get(spec.name)
    if own is None and not conditional:
        return None
    reads = list(_CROSS_FIELDS.get(spec.name, ()))
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


# ---------------------------------------------------------------- checks across fields


def _check_disclosure(record: Mapping[str, WireValue]) -> list[FieldError]:
    item = load_catalog().get(str(record.get("catalog_code") or ""))
    period = record.get("period")
    if item is None or not isinstance(period, str) or not period:
        return []
    if not _fits(item.period, period):
        return [
            FieldError(
                "period",
                "period_mismatch",
                f"period does not fit catalogue item {item.code}, which is {item.period}",
            )
        ]
    return []


def _check_order(record: Mapping[str, WireValue], fields: tuple[str, ...]) -> list[FieldError]:
    errors = []
    latest: tuple[str, str] | None = None
    for field in fields:
        value = record.get(field)
        if not isinstance(value, str) or not value:
            continue
        if latest is not None and value < latest[1]:
            errors.append(
                FieldError(field, "date_order", f"{field} must not be before {latest[0]}")
            )
        else:
            latest = (field, value)
    return errors


def _check_project(record: Mapping[str, WireValue]) -> list[FieldError]:
    return _check_order(record, _STAGE_DATES)


def _check_payment(record: Mapping[str, WireValue]) -> list[FieldError]:
    standard, quantity, amount = (
        record.get("standard"),
        record.get("quantity"),
        record.get("amount_fen"),
    )
    if not (isinstance(standard, int) and standard and isinstance(quantity, str) and quantity):
        return []
    if not isinstance(amount, int) or not amount:
        return []
    expected = Decimal(standard) * Decimal(quantity)
    # Either rounding direction of a fractional fen is accepted.
    if abs(Decimal(amount) - expected) >= 1:
        return [
            FieldError("amount_fen", "amount_mismatch", "amount_fen is not standard times quantity")
        ]
    return []


def _check_warning(record: Mapping[str, WireValue]) -> list[FieldError]:
    return _check_order(record, ("issued_on", "reply_due"))


_CROSS_CHECKS: Mapping[str, Callable[[Mapping[str, WireValue]], list[FieldError]]] = {
    "disclosure": _check_disclosure,
    "subsidy_project": _check_project,
    "subsidy_payment": _check_payment,
    "warning": _check_warning,
}

_CROSS_FIELDS: Mapping[str, tuple[str, ...]] = {
    "disclosure": ("catalog_code", "period"),
    "subsidy_project": _STAGE_DATES,
    "subsidy_payment": ("standard", "quantity", "amount_fen"),
    "warning": ("issued_on", "reply_due"),
}
"""The fields each check across fields reads (``cross_check``); a test holds them to it."""
