"""One line that says honestly what is and is not synced."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

from client.i18n import _


class SyncBar(Static):
    """Pending ops, open conflicts, and how the last sync went."""

    DEFAULT_CSS = """
    SyncBar { height: 1; padding: 0 1; background: $panel; color: $text; }
    SyncBar.-offline { color: $warning; }
    """

    pending: reactive[int] = reactive(0)
    """Ops waiting for central."""
    conflicts: reactive[int] = reactive(0)
    """Conflicts waiting for a person."""
    state: reactive[str] = reactive("")
    """The last sync's outcome, already translated."""

    def render(self) -> str:
        return "  ".join(
            (
                _("Waiting to sync: {n}").format(n=self.pending),
                _("Conflicts: {n}").format(n=self.conflicts),
                self.state,
            )
        )
