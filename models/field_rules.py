"""One field's rule: what people type (in a form, a spreadsheet, a JSON argument)
becomes the field's wire value, or an error naming what is wrong.

Which rule a field gets comes from its declaration (``models.fields``): its format,
its type, its choices, its limit; ``rule_for`` picks it. Messages name the field's
problem but never repeat the value (a wrong value may be personal data typed into
the wrong box).

Conversions worth knowing:

- Text is stripped; ``None`` for a text field means "".
- People's names (``Format.PERSON_NAME``) lose the spaces a ledger pads them with
  (``李　芳`` → 李芳, an ideographic or plain space between Chinese characters).
- ID numbers (GB 11643): upper-cased, spaces removed, 15-digit legacy numbers
  converted to 18 (area + "19" + rest + check character); the check character and
  the birth date must be right. The area code is not looked up: python-stdnum's
  area table rejects real numbers of newer areas.
- Money (fields marked ``Money``) is integer fen: an int, or a string of ASCII
  digits (spreadsheets often give text); floats and decimal strings are
  ``float_money``, booleans ``not_int``, negative ``negative``.
- Decimals (``Format.DECIMAL``, a payment's quantity) are non-negative numbers
  written as text (ints accepted, floats refused), canonicalised: ``"2.50"`` stays
  ``"2.50"``, ``"02"`` → ``"2"``.
- Dates: ``YYYY-MM-DD`` strings or ``date`` objects (not datetimes); "" clears.
- Choices accept the code case-insensitively, its Chinese label, or one of the
  words declared for it; a set of choices (a disclosure's channels) also accepts
  one string separated by commas, 、 or spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from models.catalog import PERIOD_KINDS, load_catalog, period_fits
from models.duty import indicator_by_code
from models.fields import FieldSpec, FieldType, Format
from models.kinds import WireValue
from models.limits import INT_MAX
from models.orgs import is_org_code

__all__ = [
    "CONTROL_CHARACTERS",
    "MAX_FEN",
    "PLAIN_TEXT_LIMITS",
    "Invalid",
    "Normalizer",
    "fits",
    "int_limit",
    "rule_for",
]

MAX_FEN = 10**14
"""One trillion yuan: anything above is a typing mistake, and it stays inside int64."""
_INT_DIGITS_MAX = 20
"""More significant digits than any whole number a field holds (MAX_FEN has 15)."""
_DECIMAL_INT_BITS = 256
"""A whole number sent for a decimal field: beyond this it is no quantity anyone typed."""

_ASCII_INT = re.compile(r"-?[0-9]+")
_ASCII_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]+")
_SPLIT = re.compile(r"[\s,，、;；]+")
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What no text field holds: control characters (C0 but tab and newline, DEL, C1) and the
bidi embedding, override and isolate controls. A record's text is shown on other devices
and terminals: an ESC sequence there would clear a screen or set a window's title, an
override would reverse what a title seems to say. Carriage returns are made newlines
first (``_text``)."""
_TRUE = frozenset({"true", "1", "yes", "y", "是"})
_FALSE = frozenset({"false", "0", "no", "n", "否", ""})


def _listed(value: Any, code: str, message: str) -> list[Any]:
    """A list-valued field's parts: a list as it is, or one string separated by commas,
    、 or spaces; None is no parts; anything else is ``Invalid(code, message)``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in _SPLIT.split(value) if part]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    raise Invalid(code, message)


class Invalid(Exception):
    """Raised by a field normalizer; turned into a FieldError by the caller."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


Normalizer = Callable[[Any], WireValue]


# ---------------------------------------------------------------- basic types


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text: str = value
        if "\r" in text:  # Windows line ends from a pasted text or a spreadsheet cell
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if CONTROL_CHARACTERS.search(text) is not None:
            raise _control()
        return text.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise Invalid("not_text", "must be text")


_NAME_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
"""White space between two non-ASCII characters (Chinese, or ·): a ledger's padding."""
_RUNS = re.compile(r"\s+")


def _person_name(value: Any) -> str:
    """A name as text, without the padding ledgers align names with: ``李　芳`` (an
    ideographic space filling a two-character name out to three) is 李芳; the space of a
    name in Latin letters stays, one of it."""
    text = _text(value)
    if not any(char.isspace() for char in text):
        return text  # most names
    return _RUNS.sub(" ", _NAME_GAP.sub("", text.replace("\u3000", " ")))


def _control() -> Invalid:
    return Invalid("control_character", "must not hold control characters (only newlines and tabs)")


def _limited(limit: int, inner: Callable[[Any], str]) -> Callable[[Any], str]:

    def run(value: Any) -> str:
        text = inner(value)
        if len(text) > limit:
            raise Invalid("too_long", f"must be at most {limit} characters")
        return text

    return run


PLAIN_TEXT_LIMITS: dict[Normalizer, int] = {}
"""The rules ``_plain_text`` made, each with its limit (``text_limit``)."""


def _plain_text(limit: int) -> Normalizer:
    """A text field's rule (strip, then at most ``limit`` characters), registered so that
    ``text_limit`` recognises it and not a lookalike."""
    rule = _limited(limit, _text)
    PLAIN_TEXT_LIMITS[rule] = limit
    return rule


def int_limit(field: FieldSpec) -> int:
    """The largest whole number ``field`` takes: what its column holds. A 64-bit column
    (money, and anything declared ``BIG_INT``) stops at ``MAX_FEN``; any other is 32-bit
    on PostgreSQL, where a larger value would fail the whole push (``INT_MAX``)."""
    return MAX_FEN if field.wide else INT_MAX


def _int_field(money: bool, limit: int) -> Normalizer:
    def run(value: Any) -> int:
        if isinstance(value, bool) or value is None:
            raise Invalid("not_int", "must be a whole number")
        if isinstance(value, float | Decimal):
            if money:
                raise Invalid("float_money", "is money in whole fen: no fractions or floats")
            raise Invalid("not_int", "must be a whole number")
        if isinstance(value, str):
            text = value.strip()
            if _ASCII_INT.fullmatch(text):
                # Thousands of digits would stop int() itself (ValueError): judged by length.
                if text.startswith("-"):
                    raise Invalid("negative", "must not be negative")
                if len(text.lstrip("0")) > _INT_DIGITS_MAX:
                    raise Invalid("too_large", "is too large")
                value = int(text)
            elif money and _ASCII_DECIMAL.fullmatch(text):
                raise Invalid("float_money", "is money in whole fen: no fractions or floats")
            else:
                raise Invalid("not_int", "must be a whole number")
        if not isinstance(value, int):
            raise Invalid("not_int", "must be a whole number")
        if value < 0:
            raise Invalid("negative", "must not be negative")
        if value > limit:
            raise Invalid("too_large", f"is too large (at most {limit})")
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
    raise Invalid("not_bool", "must be true or false")


def _date(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise Invalid("bad_date", "must be a date (YYYY-MM-DD), not a timestamp")
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
    raise Invalid("bad_date", "must be a real date written YYYY-MM-DD")


def _string_set(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        out = set()
        for item in value:
            if not isinstance(item, str):
                raise Invalid("not_list", "must be a list of text")
            if CONTROL_CHARACTERS.search(item) is not None:
                raise _control()
            if item.strip():
                out.add(item.strip())
        return sorted(out)
    raise Invalid("not_list", "must be a list of text")


# ---------------------------------------------------------------- special fields


def _org_code(value: Any) -> str:
    text = _text(value)
    if text and not is_org_code(text):
        raise Invalid("bad_org_code", "must be a 12-digit organisation code")
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
        raise Invalid("bad_id_number", "must be text (an 18-character resident ID number)")
    text = "".join(str(value).split()).upper()
    if not text:
        return ""
    bad = Invalid("bad_id_number", "is not a valid resident ID number")
    if not text.isascii():
        raise bad
    if len(text) == 15:
        if not text.isdigit():
            raise bad
        first17 = text[:6] + "19" + text[6:]
        if not _birth_date_ok(first17[6:14]):
            raise Invalid("bad_id_number", "has an impossible birth date")
        return first17 + _check_char(first17)
    if len(text) != 18 or not text[:17].isdigit():
        raise Invalid("bad_id_number", "must have 18 characters (or 15 digits, legacy)")
    if not _birth_date_ok(text[6:14]):
        raise Invalid("bad_id_number", "has an impossible birth date")
    if text[17] != _check_char(text[:17]):
        raise Invalid("bad_id_number", "has a wrong check character (typing mistake?)")
    return text


def _account(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Invalid("bad_account", "must be text")
    text = "".join(str(value).split()).replace("-", "")
    if text and not _ACCOUNT.fullmatch(text):
        raise Invalid("bad_account", "may hold only digits and Latin letters")
    return text


def _decimal(limit: int) -> Normalizer:
    def run(value: Any) -> str:
        text = _decimal_text(value)
        if len(text) > limit:
            raise Invalid("bad_decimal", "must be a decimal number such as 12.5")
        return text

    return run


def _decimal_text(value: Any) -> str:
    if isinstance(value, bool | float):
        raise Invalid("bad_decimal", "must be a decimal number written as text, never a float")
    if isinstance(value, int):
        if value.bit_length() > _DECIMAL_INT_BITS:
            raise Invalid("bad_decimal", "must be a decimal number such as 12.5")
        text = str(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = _text(value)
    if not text:
        return ""
    if not _ASCII_DECIMAL.fullmatch(text):
        raise Invalid("bad_decimal", "must be a decimal number such as 12.5")
    if text.startswith("-"):
        raise Invalid("negative", "must not be negative")
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already guarantees a number
        raise Invalid("bad_decimal", "must be a decimal number such as 12.5") from None
    whole, _, fraction = text.partition(".")
    # Leading zeros dropped by text, not by int(): int() refuses thousands of digits.
    canonical = (whole.lstrip("0") or "0") + ("." + fraction if fraction else "")
    if Decimal(canonical) != number:
        raise Invalid("bad_decimal", "must be a decimal number such as 12.5")
    return canonical


def _code(known: Callable[[], Mapping[str, object]], code: str, what: str) -> Normalizer:
    def run(value: Any) -> str:
        text = _text(value).upper()
        if text and text not in known():
            raise Invalid(code, f"is not a known {what} code")
        return text

    return run


def _period(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    if len(text) == 7 and text[5] in "qh":
        text = text[:5] + text[5].upper() + text[6:]
    if not _is_period(text):
        raise Invalid(
            "bad_period", "must be a period like 2026-10, 2026-Q3, 2026-H2, 2026 or 2026-10-14"
        )
    return text


@lru_cache(maxsize=4096)
def _is_period(text: str) -> bool:
    """Whether ``text`` is a period of any kind (bulk imports repeat the same few)."""
    return any(period_fits(kind, text) for kind in PERIOD_KINDS)


@lru_cache(maxsize=4096)
def fits(period_kind: str, period: str) -> bool:
    return period_fits(period_kind, period)


def _choice_lookup(field: FieldSpec) -> dict[str, str]:
    """What people may write for each code: the code (any case), its label, its words."""
    labels = field.choices or {}
    return (
        {code.lower(): code for code in labels}
        | {label: code for code, label in labels.items() if label}
        | dict(field.choice_words)
    )


def _choice(field: FieldSpec) -> Normalizer:
    lookup = _choice_lookup(field)
    if field.default == "":
        # "Not chosen yet" where the field starts empty; ``required`` catches it on save.
        lookup[""] = ""
    allowed = ", ".join(repr(code) for code in sorted(field.choices or {}))

    def run(value: Any) -> str:
        text = _text(value)
        found = lookup.get(text.lower(), lookup.get(text))
        if found is None:
            raise Invalid("bad_choice", f"must be one of {allowed}")
        return found

    return run


def _choice_set(field: FieldSpec) -> Normalizer:
    """A set of choices (a disclosure's channels): a list, or one string of them
    separated by commas, 、 or spaces."""
    lookup = _choice_lookup(field)
    allowed = ", ".join(sorted(field.choices or {}))
    name = field.name

    def run(value: Any) -> list[str]:
        items = _listed(value, "bad_choices", f"must be a list of {name}")
        out = set()
        for item in items:
            if not isinstance(item, str):
                raise Invalid("bad_choices", f"must be a list of {name}")
            text = item.strip()
            code = lookup.get(text.lower(), lookup.get(text))
            if code is None:
                raise Invalid("bad_choices", f"may only hold {allowed}")
            out.add(code)
        return sorted(out)

    return run


# ---------------------------------------------------------------- the rule table


def _items(value: Any) -> list[str]:
    """Problem numbers: whole numbers from 1, as text ("01" is "1"); a list, or one string
    of them separated by commas, 、 or spaces."""
    parts = _listed(value, "bad_items", "must be a list of problem numbers")
    out = set()
    for part in parts:
        text = (
            str(part).strip() if isinstance(part, str | int) and not isinstance(part, bool) else ""
        )
        if not text.isascii() or not text.isdigit() or len(text) > 4 or int(text) < 1:
            raise Invalid("bad_items", "must be a list of problem numbers (1, 2, …)")
        out.add(str(int(text)))
    return sorted(out)


def _org_codes(value: Any) -> list[str]:
    """Unit codes: a list, or one string of them separated by commas, 、 or spaces."""
    parts = _listed(value, "bad_org_codes", "must be a list of 12-digit organisation codes")
    out = set()
    for part in parts:
        text = part.strip() if isinstance(part, str) else ""
        if not is_org_code(text):
            raise Invalid("bad_org_codes", "must be a list of 12-digit organisation codes")
        out.add(text)
    return sorted(out)


_FORMATS: Mapping[Format, Callable[[FieldSpec], Normalizer]] = {
    Format.ITEMS: lambda _field: _items,
    Format.ORG_CODES: lambda _field: _org_codes,
    Format.ORG_CODE: lambda _field: _org_code,
    Format.ID_NUMBER: lambda _field: _id_number,
    Format.PERSON_NAME: lambda field: _limited(_limit(field), _person_name),
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


def rule_for(field: FieldSpec) -> Normalizer:
    make = _FORMATS.get(field.format)
    if make is not None:
        return make(field)
    if field.choices is not None:
        return _choice_set(field) if field.type is FieldType.SET else _choice(field)
    if field.type is FieldType.INT:
        return _int_field(field.money, int_limit(field))
    if field.type is FieldType.BOOL:
        return _bool
    if field.type is FieldType.DATE:
        return _date
    if field.type is FieldType.SET:
        return _string_set
    return _plain_text(_limit(field))
