"""Cleaning of legacy spreadsheet cells, as pure functions (no I/O, no store).

Old exports hold full-width digits (U+FF10..U+FF19), stray spaces, amounts written
``1,234.50元`` or ``1.2万元``, dates written ``2020年7月14日`` or stored as Excel
serial numbers, and ID numbers a spreadsheet turned into numbers. Each
function here turns one cell into a clean value, or raises ``CleanError``
with a code and a message that names what is wrong but never repeats the
value (it may be personal data).

Money is converted with ``Decimal`` only: a float from a workbook cell is
read through its shortest ``repr`` (``1234.5``), never multiplied as a float.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any

__all__ = [
    "CleanError",
    "clean_text",
    "clean_texts",
    "excel_serial_to_date",
    "half_width",
    "id15_to_18",
    "parse_account",
    "parse_amount_fen",
    "parse_date",
    "parse_decimal",
    "parse_id_number",
    "parse_period",
    "unwrap_text_cell",
]

# Full-width forms U+FF01..U+FF5E sit 0xFEE0 above ASCII; U+3000 is the ideographic space.
_FULL_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0x3000: 0x20,
    0x00A0: 0x20,
}
_FULL_ALL = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20, 0x00A0: 0x20}
_ALNUM_TABLE = str.maketrans(_FULL_ALNUM)
_ALL_TABLE = str.maketrans(_FULL_ALL)
_SPACES = " \t\r\n\u3000\u00a0\ufeff"
_TO_HALF = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_FULL_ALNUM)) + "]")
"""Any character ``_ALNUM_TABLE`` changes: a regex search is much faster than translate."""

EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (Excel's phantom 1900-02-29 is before every real date)."""
_MAX_SERIAL = 2958465  # 9999-12-31
_MIN_SERIAL = 1


class CleanError(ValueError):
    """A cell that cannot be cleaned; ``message`` never holds the value itself. ``detail``
    says how a number was mangled (``float``, ``scientific``, ``zeros``, ``digits17``), for
    a screen to say it in the person's language."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail


def half_width(text: str, *, punctuation: bool = False) -> str:
    """Full-width digits and Latin letters (and spaces) as ASCII; with ``punctuation``, every
    full-width ASCII form (U+FF01..U+FF5E) too. Chinese text keeps its full-width punctuation."""
    return text.translate(_ALL_TABLE if punctuation else _ALNUM_TABLE)


def _cell_text(value: Any) -> str:
    """A cell as text: ints as digits, floats that are whole as digits, others by ``repr``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def clean_text(value: Any) -> str:
    """Any cell as trimmed text with full-width digits and letters made ASCII."""
    if type(value) is str:  # the common case, kept short: it runs for most cells
        if _TO_HALF.search(value) is None:  # most cells: nothing to translate
            return value.strip(_SPACES)
        return value.translate(_ALNUM_TABLE).strip(_SPACES)
    return half_width(_cell_text(value)).strip(_SPACES)


_STR_ONLY = frozenset({str})


def clean_texts(cells: Sequence[Any]) -> list[str]:
    """``clean_text`` of each cell, for a column of mostly unique text (a bulk import's
    titles): one search of the whole column for anything to make half-width, then only a
    strip per cell; a column with anything else is cleaned cell by cell."""
    if set(map(type, cells)) <= _STR_ONLY and _TO_HALF.search("".join(cells)) is None:
        return list(map(str.strip, cells, repeat(_SPACES)))
    return list(map(clean_text, cells))


_FORMULA_TEXT = re.compile(r'=\s*"(.*)"', re.DOTALL)
_TEXT_MARKS = "'`\u2018\u2019"


def unwrap_text_cell(text: str) -> str:
    """The text inside a cell written so that a spreadsheet keeps it as text (platform
    exports do it to ID and account numbers): ``="…"`` (a formula giving text), a leading
    apostrophe, a tab or spaces before it."""
    text = text.strip(_SPACES)
    if text[:1] == "=" and (match := _FORMULA_TEXT.fullmatch(text)):
        text = match.group(1).strip(_SPACES)
    return text.lstrip(_TEXT_MARKS).strip(_SPACES)


# ---------------------------------------------------------------- numbers

_THOUSANDS = str.maketrans("", "", ",，_ \u3000")


def parse_decimal(value: Any) -> Any:
    """A quantity (an area in mu, a count of persons) as decimal text, or the number a
    workbook cell holds (floats through their shortest ``repr``, never as floats).

    Text is made half-width including its punctuation, so 12.5 in full-width forms (a full-width
    decimal point, as amounts are read) is 12.5; thousands separators go. What is still
    not a number is left for the field's rule to name."""
    if isinstance(value, float) and not isinstance(value, bool):
        return _decimal_of(value)
    if not isinstance(value, str):
        return value
    return half_width(value, punctuation=True).translate(_THOUSANDS).strip(_SPACES)


# ---------------------------------------------------------------- money

_YUAN_SUFFIXES = (("万元", 10_000), ("万", 10_000), ("元整", 1), ("元", 1), ("圆", 1))
_MONEY_NOISE = str.maketrans("", "", ",，_ '\u3000¥￥")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _decimal_of(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CleanError("not_a_number", "is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CleanError("not_a_number", "is not a number")
        return Decimal(repr(value))  # the shortest decimal that reads back as this float
    if isinstance(value, Decimal):
        return value
    raise CleanError("not_a_number", "is not a number")


def parse_amount_fen(value: Any, *, unit: int = 1) -> int | None:
    """Money as integer fen. ``unit`` is how many yuan one written unit is (1 for 元,
    10,000 for 万元); a ``元`` or ``万元`` written in the cell wins over it.

    ``"1,234.50元"`` → 123450; ``"1.2万元"`` → 1200000; an empty cell → None.
    Fractions of a fen are refused, never rounded.
    """
    if value is None or (isinstance(value, str) and not value.strip(_SPACES)):
        return None
    if isinstance(value, str):
        text = half_width(value, punctuation=True).translate(_MONEY_NOISE).strip(_SPACES)
        text = text.removeprefix("RMB").removeprefix("人民币")
        for suffix, factor in _YUAN_SUFFIXES:
            if text.endswith(suffix):
                text, unit = text[: -len(suffix)], factor
                break
        if not _DECIMAL.fullmatch(text):
            raise CleanError("bad_amount", "is not an amount (write it like 1234.50 or 1.2万元)")
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern guarantees a number
            raise CleanError("bad_amount", "is not an amount") from None
    else:
        number = _decimal_of(value)
    fen = number * unit * 100
    if fen != fen.to_integral_value():
        raise CleanError("fraction_of_fen", "has fractions of a fen (more than 2 decimals)")
    return int(fen)


# ---------------------------------------------------------------- dates

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CN_DATE = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]?")
_SEP_DATE = re.compile(r"([0-9]{4})\s*[-/.]\s*([0-9]{1,2})\s*[-/.]\s*([0-9]{1,2})")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_TIME_TAIL = re.compile(r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")


def excel_serial_to_date(serial: float | int) -> date:
    """An Excel (1900 system) serial day number as a date; the time of day is dropped."""
    if isinstance(serial, bool) or not _MIN_SERIAL <= serial <= _MAX_SERIAL:
        raise CleanError("bad_date", "is a number outside Excel's date range")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _ymd(year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise CleanError("bad_date", "is not a real date") from None


def parse_date(value: Any) -> date | None:
    """A date from a date cell, an Excel serial number, ``2020年7月14日``, ``2020-07-14``,
    ``2020/7/14``, ``2020.7.14`` or ``20200714`` (a time of day after it is dropped)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return excel_serial_to_date(value)
    if not isinstance(value, str):
        raise CleanError("bad_date", "is not a date")
    if _ISO_DATE.fullmatch(value):
        return _ymd(value[:4], value[5:7], value[8:10])
    text = half_width(value, punctuation=True).strip(_SPACES)
    if not text:
        return None
    for pattern in (_CN_DATE, _SEP_DATE, _COMPACT_DATE):
        match = pattern.match(text)
        if match and _TIME_TAIL.fullmatch(text[match.end() :]):
            return _ymd(*match.groups())
    if text.isdigit() and 3 <= len(text) <= 7:  # a serial number that became text
        return excel_serial_to_date(int(text))
    raise CleanError("bad_date", "is not a date (write it like 2020-07-14 or 2020年7月14日)")


_CN_MONTH = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月(份)?")
_CN_QUARTER = re.compile(r"([0-9]{4})\s*年\s*(第)?\s*([1-4一二三四])\s*季度?")
_CN_HALF = re.compile(r"([0-9]{4})\s*年\s*(上|下)半年")
_CN_YEAR = re.compile(r"([0-9]{4})\s*年(度)?")
_SLASH_MONTH = re.compile(r"([0-9]{4})\s*[/.]\s*([0-9]{1,2})")
_CANONICAL_PERIOD = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?|-[QH][1-4])?")
_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


def parse_period(value: Any) -> str:
    """A period in Sanwu's form: ``2020年7月`` → 2020-07, ``2020年第3季度`` → 2020-Q3,
    ``2020年下半年`` → 2020-H2, ``2020年度`` → 2020, dates → 2020-07-14; anything else
    is returned cleaned, for validation to judge."""
    if isinstance(value, datetime | date):
        return parse_date(value).isoformat()  # type: ignore[union-attr]
    if isinstance(value, float | int) and not isinstance(value, bool):
        return clean_text(value)  # a year typed into a number cell: 2020
    text = half_width(clean_text(value), punctuation=True)
    if _CANONICAL_PERIOD.fullmatch(text):
        return text
    if match := _CN_DATE.fullmatch(text):
        return _ymd(*match.groups()).isoformat()
    if match := _CN_MONTH.fullmatch(text):
        return f"{match.group(1)}-{int(match.group(2)):02d}"
    if match := _CN_QUARTER.fullmatch(text):
        return f"{match.group(1)}-Q{_CN_DIGITS.get(match.group(3), match.group(3))}"
    if match := _CN_HALF.fullmatch(text):
        return f"{match.group(1)}-H{1 if match.group(2) == '上' else 2}"
    if match := _CN_YEAR.fullmatch(text):
        return match.group(1)
    if match := _SLASH_MONTH.fullmatch(text):
        return f"{match.group(1)}-{int(match.group(2)):02d}"
    if len(text) == 7 and text[4] == "-" and text[5] in "qhQH":
        return text[:5] + text[5].upper() + text[6]
    return text


# ---------------------------------------------------------------- ID numbers

_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+")
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def _check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def id15_to_18(text: str) -> str:
    """A legacy 15-digit number as 18 characters: area + ``19`` + the rest + check character."""
    if len(text) != 15 or not text.isdigit():
        raise CleanError("bad_id_number", "is not a 15-digit legacy ID number")
    first17 = text[:6] + "19" + text[6:]
    return first17 + _check_char(first17)


_MANGLED = "was turned into a number by a spreadsheet"


def parse_id_number(value: Any) -> str:
    """An ID number as 18 upper-case characters (15-digit numbers converted), or "".

    Numbers a spreadsheet mangled are refused with the reason: scientific
    notation (``1.10105E+17``), a number too long for a float (the last digits
    became 000), or an 18-digit number missing its last character. The check
    character itself is left to ``models.validation``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        raise CleanError("bad_id_number", "is not an ID number")
    if isinstance(value, float):
        if value.is_integer() and 0 < value < 1e15:
            value = int(value)  # a 15-digit legacy number fits a float exactly
        else:
            raise CleanError(
                "id_number_mangled",
                f"{_MANGLED} (stored as a number, its last digits are lost): "
                "format the column as text and export again",
                "float",
            )
    text = unwrap_text_cell(half_width(_cell_text(value), punctuation=True))
    text = "".join(text.split()).upper().strip("'\"`")
    if not text:
        return ""
    if _SCIENTIFIC.fullmatch(text):
        raise CleanError(
            "id_number_mangled",
            f"{_MANGLED} (scientific notation like 1.1E+17): "
            "format the column as text and export again",
            "scientific",
        )
    if len(text) == 15 and text.isdigit():
        return id15_to_18(text)
    if (
        len(text) == 18
        and text.isdigit()
        and text.endswith("000")
        and (_check_char(text[:17]) != text[17])
    ):
        raise CleanError(
            "id_number_mangled",
            f"{_MANGLED} (its last digits became 000): format the column as text and export again",
            "zeros",
        )
    if len(text) == 17 and text.isdigit():
        raise CleanError(
            "id_number_mangled",
            "has 17 digits: the last character was lost (an X dropped by a spreadsheet?)",
            "digits17",
        )
    return text


def parse_account(value: Any) -> str:
    """A bank or one-card account number as its digits and letters, or "".

    Cells an export kept as text (``="…"``, an apostrophe) are unwrapped; spaces and
    hyphens between groups of digits go. A number cell that lost digits (longer than a
    float holds, or in scientific notation) is refused with the reason, as ID numbers are."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and 0 < value < 1e15:
            return str(int(value))
        raise CleanError(
            "account_mangled",
            f"{_MANGLED} (stored as a number, its last digits are lost): "
            "format the column as text and export again",
            "float",
        )
    text = unwrap_text_cell(half_width(_cell_text(value), punctuation=True))
    text = "".join(text.split()).replace("-", "").strip("'\"`")
    if _SCIENTIFIC.fullmatch(text):
        raise CleanError(
            "account_mangled",
            f"{_MANGLED} (scientific notation like 6.2E+18): format the column as text "
            "and export again",
            "scientific",
        )
    return text
