"""Checks across the fields of one record, per kind: a period that fits its catalogue
item, stage dates in order, an amount that is standard times quantity, a reply due
after the issue. Each check names the fields it reads (a bulk import runs it once per
distinct set of them); a test holds it to that."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from models.catalog import load_catalog
from models.duty import applies_to, indicator_by_code
from models.field_rules import fits
from models.fields import FieldError
from models.i18n import N_
from models.kinds import WireValue
from models.orgs import org_by_code
from models.payments import expected_amount_fen, yuan
from models.records import STAGE_DATES

__all__ = ["AMOUNT_EXPECTED", "CROSS_CHECKS", "CROSS_FIELDS", "PERIOD_FORMS", "Check"]

Check = Callable[[Mapping[str, WireValue]], list[FieldError]]

# Stage dates of a subsidy project, in the order the stages happen.
_STAGE_DATES = tuple(STAGE_DATES.values())


PERIOD_FORMS: Mapping[str, str] = {
    "monthly": N_("This item is disclosed monthly: write the period like 2026-10."),
    "quarterly": N_("This item is disclosed quarterly: write the period like 2026-Q3."),
    "half_year": N_("This item is disclosed every half year: write the period like 2026-H2."),
    "yearly": N_("This item is disclosed yearly: write the period like 2026."),
    "on_event": N_("This item is disclosed when it happens: write the date like 2026-10-14."),
}
"""What a period mismatch tells the person: the item's cycle and how its period is written."""

AMOUNT_EXPECTED = N_("Should be {expected} yuan (standard times quantity).")


def _check_disclosure(record: Mapping[str, WireValue]) -> list[FieldError]:
    item = load_catalog().get(str(record.get("catalog_code") or ""))
    period = record.get("period")
    if item is None or not isinstance(period, str) or not period:
        return []
    if not fits(item.period, period):
        return [
            FieldError(
                "period",
                "period_mismatch",
                f"period does not fit catalogue item {item.code}, which is {item.period}",
                PERIOD_FORMS.get(item.period, ""),
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
        suggested = expected_amount_fen(standard, quantity)
        return [
            FieldError(
                "amount_fen",
                "amount_mismatch",
                "amount_fen is not standard times quantity",
                AMOUNT_EXPECTED if suggested is not None else "",
                {"expected": yuan(suggested)} if suggested is not None else {},
            )
        ]
    return []


def _check_warning(record: Mapping[str, WireValue]) -> list[FieldError]:
    return _check_order(record, ("issued_on", "reply_due"))


def _check_catalog_item(record: Mapping[str, WireValue]) -> list[FieldError]:
    period, day, days = record.get("period"), record.get("deadline_day"), record.get("event_days")
    if not isinstance(period, str) or not period:
        return []
    if period == "on_event":
        if not isinstance(days, int) or not 0 <= days <= 366:
            return [FieldError("event_days", "bad_deadline", "event_days must be 0 to 366")]
    elif not isinstance(day, int) or not 1 <= day <= 28:
        return [FieldError("deadline_day", "bad_deadline", "deadline_day must be 1 to 28")]
    return []


def _check_adjustment(record: Mapping[str, WireValue]) -> list[FieldError]:
    """A duty item's score is of an indicator that applies to the unit, and at most its
    points."""
    indicator = indicator_by_code().get(str(record.get("indicator_code") or ""))
    if indicator is None:
        return []
    unit = org_by_code().get(str(record.get("org_code") or ""))
    if unit is not None and not applies_to(indicator, unit.level):
        return [
            FieldError(
                "indicator_code",
                "not_applicable",
                f"indicator {indicator.code} does not apply to a unit of level {unit.level}",
            )
        ]
    points = record.get("points")
    try:
        over = isinstance(points, str) and Decimal(points) > Decimal(str(indicator.points))
    except InvalidOperation:
        over = False  # not a number: the field's own rule says so
    if over:
        return [
            FieldError(
                "points",
                "over_points",
                f"points must not exceed indicator {indicator.code}'s {indicator.points:g}",
            )
        ]
    return []


CROSS_CHECKS: Mapping[str, Check] = {
    "disclosure": _check_disclosure,
    "subsidy_project": _check_project,
    "subsidy_payment": _check_payment,
    "warning": _check_warning,
    "catalog_item": _check_catalog_item,
    "duty_adjustment": _check_adjustment,
}

CROSS_FIELDS: Mapping[str, tuple[str, ...]] = {
    "disclosure": ("catalog_code", "period"),
    "subsidy_project": _STAGE_DATES,
    "subsidy_payment": ("standard", "quantity", "amount_fen"),
    "warning": ("issued_on", "reply_due"),
    "catalog_item": ("period", "deadline_day", "event_days"),
    "duty_adjustment": ("org_code", "indicator_code", "points"),
}
"""The fields each check across fields reads (``cross_check``); a test holds them to it."""
