"""The payment form: the amount follows standard times quantity until somebody types
an amount of their own, and a payment that takes its project over the plan is said so
under the amount (a warning, not a refusal: a plan is revised after the fact)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual import on
from textual.widgets import Input, Static

from client.i18n import _
from client.screens.form import FormField, RecordForm, fen_of, yuan_text
from models.payments import expected_amount_fen, over_plan_fen, yuan

__all__ = ["PaymentForm", "over_plan_text"]


def over_plan_text(plan_fen: int, paid_fen: int) -> str:
    """The words that flag a project paid over its plan ("" within it)."""
    over = over_plan_fen(plan_fen, paid_fen)
    return _("over the plan by {over} yuan").format(over=yuan(over)) if over else ""


class PaymentForm(RecordForm):
    """A subsidy payment line of one project, which knows the project's plan and what
    its other payments already paid."""

    def __init__(
        self,
        fields: Sequence[FormField],
        *,
        title: str,
        plan_fen: int,
        paid_elsewhere_fen: int,
        record_id: str | None = None,
        values: Mapping[str, Any] | None = None,
        fixed: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            "subsidy_payment", fields, title=title, record_id=record_id, values=values, fixed=fixed
        )
        self.plan_fen = plan_fen
        self.paid_elsewhere_fen = paid_elsewhere_fen
        """The project's payments but this one (an edited line counts once)."""
        self._suggested = ""
        """The amount text the form last filled in itself ("" when none)."""

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#box-amount_fen").mount(
            Static(
                "",
                id="plan-warning",
            )
        )
        amount = self.query_one("#f-amount_fen", Input).value
        suggested = expected_amount_fen(
            fen_of(self.query_one("#f-standard", Input).value),
            self.query_one("#f-quantity", Input).value,
        )
        if suggested is not None and amount == yuan_text(suggested):
            self._suggested = amount  # still the default: it may follow the standard
        self._show_plan()

    @on(Input.Changed, "#f-standard, #f-quantity")
    def _suggest_amount(self) -> None:
        """Fill the amount from standard times quantity while it is empty or still the
        form's own suggestion; an amount somebody typed stays."""
        amount = self.query_one("#f-amount_fen", Input)
        if amount.value.strip() not in ("", self._suggested):
            return
        suggested = expected_amount_fen(
            fen_of(self.query_one("#f-standard", Input).value),
            self.query_one("#f-quantity", Input).value,
        )
        text = "" if suggested is None else yuan_text(suggested)
        self._suggested = text
        if amount.value != text:
            amount.value = text

    @on(Input.Changed, "#f-amount_fen")
    def _amount_changed(self) -> None:
        self._show_plan()

    def over_plan(self) -> str:
        """What saving this payment would leave the project over its plan, as words."""
        amount = fen_of(self.query_one("#f-amount_fen", Input).value)
        if not isinstance(amount, int):
            return ""
        paid = self.paid_elsewhere_fen + amount
        if not over_plan_fen(self.plan_fen, paid):
            return ""
        return _(
            "Warning: planned {plan} yuan, with this payment {paid} yuan are paid, {over}."
        ).format(
            plan=yuan(self.plan_fen), paid=yuan(paid), over=over_plan_text(self.plan_fen, paid)
        )

    def _show_plan(self) -> None:
        for warning in self.query("#plan-warning").results(Static):
            warning.update(self.over_plan())

    def save(self, values: Mapping[str, Any]) -> str:
        """Save, then say again that the project is now over its plan (it is not refused)."""
        warning = self.over_plan()
        record_id = super().save(values)
        if warning:
            self.notify(warning, severity="warning")
        return record_id
