"""One line (two when narrow) that says honestly what is and is not synced."""

from __future__ import annotations

from rich.cells import cell_len
from textual.geometry import Size
from textual.reactive import reactive
from textual.widgets import Static

from client.i18n import _


class SyncBar(Static):
    """Last sync, ops waiting, open conflicts, and whether central is reachable."""

    DEFAULT_CSS = """
    SyncBar { height: auto; max-height: 2; padding: 0 1; background: $panel; color: $text; }
    SyncBar.-offline { color: $warning; }
    SyncBar.-conflicts { color: $error; }
    """

    pending: reactive[int] = reactive(0)
    """Ops waiting for central."""
    conflicts: reactive[int] = reactive(0)
    """Conflicts waiting for a person."""
    reminders: reactive[int] = reactive(0)
    """Open reminders central raised for this device's units (一书两提醒's online one)."""
    state: reactive[str] = reactive("")
    """The last sync's outcome, already translated."""
    last_sync: reactive[str] = reactive("")
    """When the last round ended well, already formatted ("" when never)."""
    online: reactive[bool | None] = reactive(None)
    """Whether central answered lately; None before anything was tried."""

    def watch_online(self, online: bool | None) -> None:
        self.set_class(online is False, "-offline")

    def watch_conflicts(self, conflicts: int) -> None:
        self.set_class(conflicts > 0, "-conflicts")

    def render(self) -> str:
        return self.lines(self.content_size.width or self.app.size.width - 2)

    def get_content_height(self, _container: Size, _viewport: Size, width: int) -> int:
        return self.lines(width).count("\n") + 1

    def lines(self, width: int) -> str:
        """One line; two (the last sync's outcome on the second) when one would be cut."""
        link = "" if self.online is None else (_("online") if self.online else _("offline"))
        parts = [
            link,
            _("Waiting to sync: {n}").format(n=self.pending),
            _("Conflicts: {n}").format(n=self.conflicts),
            _("Reminders: {n}").format(n=self.reminders) if self.reminders else "",
            _("Last sync: {when}").format(when=self.last_sync or _("never")),
        ]
        line = " · ".join(part for part in parts if part)
        if not self.state:
            return line
        if cell_len(line) + 3 + cell_len(self.state) <= width:
            return f"{line} · {self.state}"
        return f"{line}\n{self.state}"
