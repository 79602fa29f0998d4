"""Which files were just written, with their whole paths, until the person closes it.

A notification fades after a few seconds, and an export's path is long (the home's
``exports`` folder): a clerk who looked away could not find the file again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from client.i18n import _
from client.widgets.bindings import translate_bindings
from client.widgets.literal import LiteralStatic


class WrittenScreen(ModalScreen[None]):
    """The files a command wrote: what they are, then one full path per line."""

    DEFAULT_CSS = """
    WrittenScreen { align: center middle; }
    WrittenScreen > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        padding: 1 2; border: thick $success; background: $surface;
    }
    WrittenScreen .written-path { color: $text; margin-top: 1; }
    WrittenScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape", "close", "Close", id="written-close", tooltip="Close"),
    ]

    def __init__(self, what: str, paths: Sequence[Path]) -> None:
        super().__init__()
        translate_bindings(self)
        self.what = what
        self.paths = [str(path) for path in paths]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield LiteralStatic(self.what, id="written-what")
            for path in self.paths:
                yield LiteralStatic(path, classes="written-path")
            with Horizontal():
                yield Button(_("Close"), id="written-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#written-ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        """Close the list."""
        self.dismiss(None)
