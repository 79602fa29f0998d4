"""The payment form under Pilot: the amount follows standard times quantity until a
person types one, a payment over the project's plan is warned of (and saved), and the
project view flags a project paid over its plan."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from client.screens.payment_form import PaymentForm
from client.store import Store
from client.widgets.confirm import ConfirmScreen
from tests.client.screens.conftest import make_app, screen_text

PAYMENT = {
    "recipient_name": "张三丰",
    "id_number": "11010519491231002X",
    "standard": 10000,
    "quantity": "2",
    "amount_fen": 20000,
    "method": "one_card",
    "account": "6228480012345678",
}


def project(store: Store, total_fen: int = 5000000) -> str:
    return store.add(
        "subsidy_project",
        {"category": "agriculture", "name": "耕地地力保护补贴", "total_fen": total_fen},
    )


async def new_payment(pilot: Any) -> PaymentForm:
    """The subsidies screen (3), then a new payment of the chosen project (p)."""
    await pilot.press("3", "p")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, PaymentForm)
    return form


async def test_the_amount_follows_standard_times_quantity_until_typed(enrolled: Store) -> None:
    project(enrolled)
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_payment(pilot)
        amount = form.query_one("#f-amount_fen", Input)
        form.query_one("#f-standard", Input).value = "123.45"
        form.query_one("#f-quantity", Input).value = "10"
        await pilot.pause()
        assert amount.value == "1234.50"
        form.query_one("#f-quantity", Input).value = "12.5"
        await pilot.pause()
        assert amount.value == "1543.13", "still the suggestion: it follows (half up)"
        amount.value = "1500"
        await pilot.pause()
        form.query_one("#f-quantity", Input).value = "20"
        await pilot.pause()
        assert amount.value == "1500", "a typed amount is never overwritten"


async def test_a_wrong_amount_names_the_expected_one(enrolled: Store) -> None:
    project(enrolled)
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_payment(pilot)
        form.query_one("#f-recipient_name", Input).value = "李四"
        form.query_one("#f-id_number", Input).value = "11010519491231002X"
        form.query_one("#f-standard", Input).value = "123.45"
        form.query_one("#f-quantity", Input).value = "10"
        await pilot.pause()
        form.query_one("#f-amount_fen", Input).value = "1000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "应为 1,234.50 元（标准" in str(form.query_one("#e-amount_fen").render())


async def test_paying_the_same_person_twice_says_so_in_the_payments_words(
    enrolled: Store,
) -> None:
    project_id = project(enrolled)
    enrolled.add("subsidy_payment", {**PAYMENT, "project_id": project_id})
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await new_payment(pilot)
        form.query_one("#f-recipient_name", Input).value = "张三丰"
        form.query_one("#f-id_number", Input).value = PAYMENT["id_number"]
        form.query_one("#f-standard", Input).value = "100"
        form.query_one("#f-quantity", Input).value = "2"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        said = str(form.query_one("#e-id_number").render())
        assert "此人（该身份证号）在本项目中已有发放记录" in said and "期间" not in said
    assert len(enrolled.list_records("subsidy_payment")) == 1


async def test_a_payment_over_the_plan_is_warned_of_and_saved(enrolled: Store) -> None:
    project_id = project(enrolled, total_fen=30000)
    enrolled.add("subsidy_payment", {**PAYMENT, "project_id": project_id})
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert "超出计划" not in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PaymentForm)
        form.query_one("#f-recipient_name", Input).value = "李四"
        form.query_one("#f-id_number", Input).value = "110105198001010016"
        form.query_one("#f-standard", Input).value = "50"
        form.query_one("#f-quantity", Input).value = "2"
        await pilot.pause()
        assert str(form.query_one("#plan-warning").render()) == ""
        form.query_one("#f-quantity", Input).value = "3"
        await pilot.pause()
        warning = str(form.query_one("#plan-warning").render())
        assert "计划 300.00 元" in warning and "已发放 350.00 元" in warning
        assert "超出计划 50.00 元" in warning
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form, "a warning, not a refusal"
        totals = app.screen.query_one("#project-totals")
        assert "已发放 350.00 元" in str(totals.render())
        assert "超出计划 50.00 元" in str(totals.render())
        assert totals.has_class("-over-plan")
    assert len(enrolled.list_records("subsidy_payment")) == 2


async def test_a_payment_is_edited_and_deleted_after_asking(enrolled: Store) -> None:
    project_id = project(enrolled, total_fen=30000)
    payment_id = enrolled.add("subsidy_payment", {**PAYMENT, "project_id": project_id})
    app = make_app(enrolled)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, PaymentForm)
        assert form.query_one("#f-amount_fen", Input).value == "200.00"
        form.query_one("#f-quantity", Input).value = "4"
        await pilot.pause()
        assert form.query_one("#f-amount_fen", Input).value == "400.00", "still the default"
        assert "超出计划 100.00 元" in str(form.query_one("#plan-warning").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form
        assert enrolled.get(payment_id)[1]["amount_fen"] == 40000
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "400.00" in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        await pilot.pause()
        assert len(enrolled.list_records("subsidy_payment")) == 1
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not app.screen.check_action("delete_payment", ())
    assert enrolled.list_records("subsidy_payment") == []


async def test_the_payment_form_names_a_project_literally(enrolled: Store) -> None:
    """A project named with markup (another device may have written it) opens the form
    and shows as typed: the form's title is literal."""
    enrolled.add(
        "subsidy_project", {"category": "agriculture", "name": "x[/] [bold", "total_fen": 100}
    )
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await new_payment(pilot)
        assert "x[/] [bold" in screen_text(app)
