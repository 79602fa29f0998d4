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
- Money (``*_fen``, ``standard``) is integer fen: an int, or a string of
  ASCII digits (spreadsheets often give text); floats and decimal strings
  are ``float_money``, booleans ``not_int``, negative ``negative``.
- ``quantity`` is a non-negative decimal written as text (ints accepted,
  floats refused), canonicalised: ``"2.50"`` stays ``"2.50"``, ``"02"`` → ``"2"``.
- Dates: ``YYYY-MM-DD`` strings or ``date`` objects (not datetimes); "" clears.
- Choices accept the code case-insensitively or its Chinese label.
- ``channels`` also accepts one string separated by commas, 、 or spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any

from models.catalog import PERIOD_KINDS, load_catalog, period_fits
from models.duty import indicator_by_code
from models.kinds import SYSTEM_COLUMNS, FieldType, WireValue, kind_spec
from models.orgs import is_org_code

__all__ = [
    "CHANNELS",
    "CHOICES",
    "CHOICE_LABELS",
    "MAX_FEN",
    "MAX_LENGTH",
    "FieldError",
    "normalize",
    "text_limit",
    "validate_record",
]


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; ``message`` names the field but never its value."""

    field: str
    code: str
    message: str


CHOICE_LABELS: Mapping[tuple[str, str], Mapping[str, str]] = MappingProxyType(
    {
        ("disclosure", "channels"): {
            "touchscreen": "电子触摸屏",
            "board": "固定公开栏",
            "wechat": "微信公众号",
            "led": "LED显示屏",
            "broadcast": "广播",
        },
        ("disclosure", "status"): {"draft": "草稿", "published": "已公开", "withdrawn": "已撤回"},
        ("subsidy_project", "category"): {
            "agriculture": "农业类补贴",
            "health": "卫生类补贴",
            "family_planning": "计划生育补助",
            "construction": "建设类补贴",
            "social_security": "社会保障类补贴",
            "one_card": "一卡通信息",
            "education": "教育类补贴",
        },
        ("subsidy_project", "stage"): {
            "planning": "规划立项",
            "allocation": "资金拨付",
            "review": "申报审核",
            "disbursement": "执行发放",
            "closed": "已结束",
        },
        ("subsidy_payment", "method"): {
            "one_card": "一卡通",
            "social_security_card": "社保卡",
            "cash": "现金",
            "other": "其他",
        },
        ("subsidy_payment", "unit"): {"": "", "mu": "亩", "person": "人", "household": "户"},
        ("warning", "doc_type"): {
            "warning": "预警",
            "suggestion": "监督建议书",
            "reminder_letter": "提醒函",
            "notice": "通知",
        },
        ("warning", "status"): {
            "issued": "已下发",
            "received": "已签收",
            "rectifying": "整改中",
            "verifying": "待验收",
            "closed": "已销号",
            "returned": "已退回",
        },
        ("feedback", "verdict"): {"": "", "accepted": "通过", "returned": "退回"},
        ("clue", "source"): {
            "hotline": "热线电话",
            "letter": "来信",
            "wechat": "微信",
            "visit": "来访",
            "online_check": "线上巡查",
        },
        ("clue", "problem"): {
            "not_disclosed": "不公开",
            "fake": "假公开",
            "half_disclosed": "半公开",
            "other": "其他",
        },
        ("clue", "status"): {
            "received": "已受理",
            "investigating": "核查中",
            "rectifying": "整改中",
            "closed": "已办结",
            "unfounded": "不属实",
        },
    }
)
"""Allowed codes per (kind, field), each with its Chinese label for the UI."""

CHOICES: Mapping[tuple[str, str], frozenset[str]] = MappingProxyType(
    {key: frozenset(labels) for key, labels in CHOICE_LABELS.items()}
)
CHANNELS: frozenset[str] = CHOICES[("disclosure", "channels")]

MAX_FEN = 10**14
"""One trillion yuan: anything above is a typing mistake, and it stays inside int64."""

_DEFAULT_MAX_LENGTH = 2000
MAX_LENGTH: Mapping[str, int] = MappingProxyType(
    {
        "org_code": 12,
        "project_id": 36,
        "warning_id": 36,
        "catalog_code": 20,
        "indicator_code": 20,
        "period": 10,
        "title": 200,
        "name": 200,
        "recipient_name": 100,
        "responsible": 100,
        "reviewer": 100,
        "issued_by": 200,
        "fund_batch": 200,
        "account": 40,
        "reporter_contact": 200,
        "quantity": 30,
        "content": 20000,
        "description": 20000,
        "problems": 20000,
        "progress": 20000,
        "policy_basis": 5000,
        "review_opinion": 5000,
        "verdict_note": 5000,
    }
)
"""Characters allowed per text field; others get 2000."""

_MONEY_FIELDS = frozenset({"standard"})
_ASCII_INT = re.compile(r"-?[0-9]+")
_ASCII_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]+")
_SPLIT = re.compile(r"[\s,，、;；]+")
_TRUE = frozenset({"true", "1", "yes", "y", "是"})
_FALSE = frozenset({"false", "0", "no", "n", "否", ""})
# Stage dates of a subsidy project, in the order the stages happen.
_STAGE_DATES = ("planned_on", "allocated_on", "reviewed_on", "disbursed_on", "closed_on")


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


def _limited(field: str, inner: Callable[[Any], str]) -> Callable[[Any], str]:
    limit = MAX_LENGTH.get(field, _DEFAULT_MAX_LENGTH)

    def run(value: Any) -> str:
        text = inner(value)
        if len(text) > limit:
            raise _Invalid("too_long", f"must be at most {limit} characters")
        return text

    return run


_PLAIN_TEXT: dict[_Normalizer, int] = {}
"""The rules ``_plain_text`` made, each with its limit (``text_limit``)."""


def _plain_text(field: str) -> _Normalizer:
    """A text field's rule (strip, then at most the field's limit), registered so that
    ``text_limit`` recognises it and not a lookalike."""
    rule = _limited(field, _text)
    _PLAIN_TEXT[rule] = MAX_LENGTH.get(field, _DEFAULT_MAX_LENGTH)
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


def _quantity(value: Any) -> str:
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
    if Decimal(canonical) != number or len(canonical) > MAX_LENGTH["quantity"]:
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


def _choice(kind: str, field: str, *, may_be_empty: bool) -> _Normalizer:
    labels = CHOICE_LABELS[(kind, field)]
    lookup = {code.lower(): code for code in labels} | {
        label: code for code, label in labels.items() if label
    }
    if may_be_empty:
        # "Not chosen yet" where the field starts empty; ``required`` catches it on save.
        lookup[""] = ""
    allowed = ", ".join(repr(code) for code in sorted(labels))

    def run(value: Any) -> str:
        text = _text(value)
        found = lookup.get(text.lower(), lookup.get(text))
        if found is None:
            raise _Invalid("bad_choice", f"must be one of {allowed}")
        return found

    return run


_CHANNEL_LOOKUP: Mapping[str, str] = MappingProxyType(
    {code: code for code in CHOICE_LABELS[("disclosure", "channels")]}
    | {label: code for code, label in CHOICE_LABELS[("disclosure", "channels")].items()}
)


def _channels(value: Any) -> list[str]:
    lookup = _CHANNEL_LOOKUP
    items: Iterable[Any]
    if isinstance(value, str):
        items = [part for part in _SPLIT.split(value) if part]
    elif value is None:
        items = []
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        raise _Invalid("bad_channels", "must be a list of channels")
    out = set()
    for item in items:
        if not isinstance(item, str):
            raise _Invalid("bad_channels", "must be a list of channels")
        text = item.strip()
        code = lookup.get(text.lower(), lookup.get(text))
        if code is None:
            raise _Invalid("bad_channels", f"may only hold {', '.join(sorted(CHANNELS))}")
        out.add(code)
    return sorted(out)


# ---------------------------------------------------------------- the rule table


def _normalizer(kind: str, field: str, field_type: FieldType, default: WireValue) -> _Normalizer:
    if field == "org_code":
        return _org_code
    if field == "id_number":
        return _id_number
    if field == "account":
        return _limited(field, _account)
    if field == "quantity":
        return _quantity
    if field == "period":
        return _limited(field, _period)
    if field == "catalog_code":
        return _code(load_catalog, "unknown_catalog_item", "catalogue item")
    if field == "indicator_code":
        return _code(indicator_by_code, "unknown_indicator", "duty indicator")
    if kind == "disclosure" and field == "channels":
        return _channels
    if (kind, field) in CHOICE_LABELS:
        return _choice(kind, field, may_be_empty=default == "")
    if field_type is FieldType.INT:
        return _int_field(field.endswith("_fen") or field in _MONEY_FIELDS)
    if field_type is FieldType.BOOL:
        return _bool
    if field_type is FieldType.DATE:
        return _date
    if field_type is FieldType.SET:
        return _string_set
    return _plain_text(field)


@cache
def _rules(kind: str) -> Mapping[str, _Normalizer]:
    spec = kind_spec(kind)
    defaults = spec.defaults()
    return {
        field: _normalizer(kind, field, field_type, defaults.get(field))
        for field, field_type in spec.field_types.items()
    }


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


@cache
def _required(kind: str) -> tuple[str, ...]:
    spec = kind_spec(kind)
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
    check = _CROSS_CHECKS.get(kind)
    if check is not None:
        errors.extend(error for error in check(clean) if error.field not in bad)
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
    check = _CROSS_CHECKS.get(kind)
    across = check(record) if check is not None else None
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


def cross_check(
    kind: str,
) -> tuple[tuple[str, ...], Callable[[Mapping[str, WireValue]], list[FieldError]]] | None:
    """The kind's check across fields and the fields it reads, or None: a caller that
    checks many records (a bulk import) runs it once per distinct set of those values."""
    check = _CROSS_CHECKS.get(kind)
    return None if check is None else (_CROSS_FIELDS[kind], check)


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
