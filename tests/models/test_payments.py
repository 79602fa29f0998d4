"""A payment's amount is standard times quantity to the nearest fen, and a project is over
its plan by exactly what its payments exceed it: the form, the check across fields and
the project view read these."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from models.cross_checks import CROSS_CHECKS
from models.payments import expected_amount_fen, over_plan_fen, yuan


def test_standard_times_quantity() -> None:
    assert expected_amount_fen(1200, "12.5") == 15000
    assert expected_amount_fen(333, "1.5") == 500  # 499.5 rounds half up
    assert expected_amount_fen(12345, "100") == 1234500


def test_nothing_to_suggest_without_both() -> None:
    for standard, quantity in [(0, "2"), (1200, ""), (1200, "abc"), (1200, "-1"), (None, "2")]:
        assert expected_amount_fen(standard, quantity) is None
    assert expected_amount_fen(True, "2") is None
    assert expected_amount_fen(1200, "NaN") is None


@given(
    st.integers(min_value=1, max_value=10**9),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2),
)
def test_the_suggested_amount_passes_the_check(standard: int, quantity: Decimal) -> None:
    amount = expected_amount_fen(standard, str(quantity))
    assert amount is not None
    record = {"standard": standard, "quantity": str(quantity), "amount_fen": amount}
    assert CROSS_CHECKS["subsidy_payment"](record) == []


def test_over_plan() -> None:
    assert over_plan_fen(4583800, 4701395) == 117595
    assert over_plan_fen(4583800, 4583800) == 0
    assert over_plan_fen(0, 100) == 0  # no plan yet: nothing to exceed


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**12))
def test_over_plan_is_the_excess(plan: int, paid: int) -> None:
    over = over_plan_fen(plan, paid)
    assert over >= 0
    assert (over > 0) == (plan > 0 and paid > plan)
    if over:
        assert plan + over == paid


def test_yuan() -> None:
    assert yuan(4701395) == "47,013.95"
    assert yuan(-5) == "-0.05"
