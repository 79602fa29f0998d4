"""F1: the keys of the screen underneath, and the keys that work everywhere."""

from __future__ import annotations

from typing import ClassVar

from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from client.i18n import _
from client.widgets.bindings import translate_bindings
from client.widgets.nav_bar import SCREENS


def _key_name(key: str) -> str:
    names = {
        "slash": "/",
        "escape": "Esc",
        "enter": "Enter",
        "space": "Space",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
    }
    return " / ".join(
        names.get(
            part,
            part.replace("ctrl+", "Ctrl+").replace("shift+", "Shift+").upper()
            if len(part) > 1
            else part,
        )
        for part in key.split(",")
    )


_LISTED_EVERYWHERE = frozenset({"tab", "shift+tab", "super+c"})
"""Textual's own keys that the global list names once (copy is ctrl+c, as on the screen)."""


class HelpScreen(ModalScreen[None]):
    """The keys of one screen, built from its bindings (so it is never out of date)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help-close", tooltip="Close the help"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        translate_bindings(self)
        self.under = under

    def compose(self) -> ComposeResult:
        lines = [f"[b]{_('Keys of this screen')}[/b]"]
        keys: set[str] = set()
        texts: set[str] = set()
        for key, binding in self.under._bindings:
            if not binding.description or key in keys or key in _LISTED_EVERYWHERE:
                continue
            _namespace, action, parameters = parse_action(binding.action)
            if self.under.check_action(action, parameters) is False:
                continue  # a key this role (or this moment) cannot use, as the footer hides it
            keys.add(key)
            if binding.description not in texts:  # one line for a key and its aliases
                texts.add(binding.description)
                tip = f" — {binding.tooltip}" if binding.tooltip else ""
                lines.append(f"  {_key_name(key):<10} {binding.description}{tip}")
        help_text = getattr(self.under, "HELP", "")
        if help_text:
            lines.insert(1, _(help_text))
        lines += ["", f"[b]{_('Everywhere')}[/b]"]
        hidden: frozenset[str] = getattr(self.app, "hidden_modes", frozenset)()
        for key, mode, text in SCREENS:
            if mode not in hidden:  # a screen this role has no key for, as the nav bar shows
                lines.append(f"  {key:<10} {_(text)}")
        for key, text in (
            ("F1", _("This help")),
            ("Ctrl+S", _("Sync with central now")),
            ("Ctrl+P", _("Find a screen or a command")),
            ("Ctrl+Q", _("Leave Sanwu")),
            ("Tab", _("Next field or list")),
        ):
            lines.append(f"  {key:<10} {text}")
        with VerticalScroll(id="help"):
            yield Static("\n".join(lines), markup=True)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
