"""The arithmetic of subsidy payments, pure: a line's amount is its standard times its
quantity, and a project's payments should stay within its plan. The payment form fills
the amount from it, the check across fields names the amount it expects, and the
project view and the form flag a project paid over its plan; all three agree because
they share these functions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["expected_amount_fen", "over_plan_fen", "yuan"]


def expected_amount_fen(standard_fen: object, quantity: object) -> int | None:
    """Standard (fen per unit) times quantity (decimal text), to the nearest fen, half up;
    None while either is missing or not a number (nothing to suggest yet)."""
    if not isinstance(standard_fen, int) or isinstance(standard_fen, bool) or standard_fen <= 0:
        return None
    if not isinstance(quantity, str) or not quantity.strip():
        return None
    try:
        count = Decimal(quantity.strip())
    except InvalidOperation:
        return None
    if not count.is_finite() or count <= 0:
        return None
    return int((Decimal(standard_fen) * count).to_integral_value(rounding=ROUND_HALF_UP))


def over_plan_fen(plan_fen: int, paid_fen: int) -> int:
    """How far the payments exceed the plan, in fen (0 within it). A project with no
    plan yet (0) is not flagged: there is nothing to exceed."""
    if plan_fen <= 0:
        return 0
    return max(0, paid_fen - plan_fen)


def yuan(fen: int) -> str:
    """Integer fen as yuan, written exactly, with thousands separators: 123456 → "1,234.56"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"
