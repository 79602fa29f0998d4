"""A one-line answer asked for in a modal: the value to keep in a conflict, the reason a
report or a disclosure is returned, a stage's date. Enter keeps it, Escape gives up."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from client.i18n import _
from client.widgets.bindings import translate_bindings
from client.widgets.literal import LiteralStatic

__all__ = ["ValueDialog"]


class ValueDialog(ModalScreen[str | None]):
    """Type the value to keep; Enter keeps it, Escape gives up."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="value-cancel", tooltip="Keep deciding later"),
    ]

    def __init__(self, title: str, value: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.heading = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="value-dialog"):
            yield LiteralStatic(self.heading)
            yield Input(self.value, id="value")
            yield Static(_("Enter keeps this value; Esc goes back."), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Keep deciding later."""
        self.dismiss(None)
