"""The row of screens under the header: a number key or a click goes there."""

from __future__ import annotations

from rich.cells import cell_len
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
    ("0", "analysis", N_("Analysis")),
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
    """Screens this device does not use (clues and analysis, off the supervising side)."""

    def render(self) -> str:
        shown = [
            (key, mode, f"{key} {_(text)}")
            for key, mode, text in SCREENS
            if mode not in self.hidden
        ]
        # Each item between two spaces; when that is wider than the row (ten screens in
        # Chinese at 80 columns), one space between items.
        wide = sum(cell_len(item) + 2 for _key, _mode, item in shown) <= self.content_size.width
        pad = " " if wide else ""
        parts = []
        for _key, mode, item in shown:
            if mode == self.current:
                parts.append(f"[@click=app.go('{mode}')][b reverse]{pad}{item}{pad}[/][/]")
            else:
                parts.append(f"[@click=app.go('{mode}')]{pad}{item}{pad}[/]")
        return "".join(parts) if wide else " ".join(parts)
