"""The row of screens under the header: a number key or a click goes there."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from client.i18n import N_, _

SCREENS: tuple[tuple[str, str, str], ...] = (
    ("1", "home", N_("Home")),
    ("2", "disclosures", N_("Disclosures")),
    ("3", "subsidies", N_("Subsidies")),
    ("4", "duty", N_("Duty")),
    ("5", "warnings", N_("Warnings")),
    ("6", "conflicts", N_("Conflicts")),
    ("7", "sync", N_("Sync")),
    ("8", "queue", N_("Queue")),
    ("9", "clues", N_("Clues")),
)
"""(key, mode name, msgid of its label), in the order they are shown."""


class NavBar(Static):
    """Every screen with its number key; the current one stands out."""

    DEFAULT_CSS = """
    NavBar { height: 1; padding: 0 1; background: $boost; color: $text-muted; }
    """

    current: reactive[str] = reactive("")
    """The mode shown now."""
    hidden: reactive[frozenset[str]] = reactive(frozenset())
    """Screens this device does not use (clues, off the supervising side)."""

    def render(self) -> str:
        parts = []
        for key, mode, text in SCREENS:
            if mode in self.hidden:
                continue
            item = f"{key} {_(text)}"
            if mode == self.current:
                parts.append(f"[@click=app.go('{mode}')][b reverse] {item} [/][/]")
            else:
                parts.append(f"[@click=app.go('{mode}')] {item} [/]")
        return "".join(parts)
