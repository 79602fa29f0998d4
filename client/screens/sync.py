"""Sync: start a round (it runs in a worker, the screen stays live), watch its progress,
and read the history of rounds with their figures and errors."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from client.i18n import N_, _
from client.screens.base import SanwuScreen, local_time
from client.widgets.paged_table import PagedTable
from client.widgets.sync_progress import SyncProgressPanel, kib


class SyncScreen(SanwuScreen):
    """The sync progress and the history of rounds."""

    MODE = "sync"
    HELP = N_("Sync: s sends your entries and fetches others'; the history shows every round.")
    BINDINGS: ClassVar[list[BindingType]] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="sync-server", classes="section-title")
        yield SyncProgressPanel(id="sync-progress")
        yield Static(_("Sync history"), classes="section-title")
        yield PagedTable(id="rounds", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#rounds", DataTable)
        table.add_column(_("Started"), width=16)
        table.add_column(_("Sent"), width=5)
        table.add_column(_("Got"), width=6)
        table.add_column(_("Conflicts"), width=4)
        table.add_column(_("Bytes"), width=10)
        table.add_column(_("Result"))
        table.focus()

    def refresh_data(self) -> None:
        super().refresh_data()
        identity = self.store.identity
        self.query_one("#sync-server", Static).update(
            _("Central: {url}").format(url=identity.server_url) if identity else _("not enrolled")
        )
        table = self.query_one("#rounds", DataTable)
        table.clear()
        for round_ in self.store.rounds(limit=200):
            error = str(round_["error"] or "")
            result = _("ok") if not error else _("failed: {error}").format(error=error[:60])
            table.add_row(
                local_time(round_["started_at"]),
                str(round_["pushed"]),
                str(round_["pulled"]),
                str(round_["conflicts"]),
                kib(int(round_["bytes_sent"]) + int(round_["bytes_received"])),
                result,
            )
