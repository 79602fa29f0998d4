"""The Sanwu Textual app. Thin: screens read the store; sync runs in a worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import Worker, WorkerState

from client.i18n import _, set_language
from client.screens.records import RecordsScreen
from client.store import Store
from client.syncing import sync_round
from client.widgets.sync_bar import SyncBar
from sync.engine import RoundReport
from sync.errors import AuthError, SyncError, TransportError


class SanwuApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "Sanwu"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "sync", _("Sync"), show=False, id="sync-anywhere"),
    ]

    @dataclass
    class SyncFinished(Message):
        """A sync round ended well."""

        report: RoundReport

    def __init__(self, store: Store, *, sync_on_start: bool = False) -> None:
        super().__init__()
        self.store = store
        self.sync_on_start = sync_on_start
        self.title = _("Sanwu three-affairs disclosure")
        identity = store.identity
        self.sub_title = (
            f"{identity.org_name} {identity.org_code}" if identity else _("not enrolled")
        )

    def on_mount(self) -> None:
        self.push_screen(RecordsScreen())
        if self.sync_on_start and self.store.identity is not None:
            self.action_sync()

    def action_sync(self) -> None:
        if self.store.identity is None:
            self.notify(_("Not enrolled: run `sanwu enroll` first."), severity="warning")
            return
        self._set_sync_state(_("Syncing…"))
        self.run_sync()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def run_sync(self) -> RoundReport:
        report = sync_round(self.store)
        self.post_message(self.SyncFinished(report))
        return report

    def on_sanwu_app_sync_finished(self, message: SyncFinished) -> None:
        report = message.report
        self._set_sync_state(
            _("Synced: sent {pushed}, received {pulled}").format(
                pushed=report.pushed, pulled=report.pulled
            )
        )
        self._refresh_screen()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "sync" or event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, TransportError):
            text = _("Offline: central unreachable; your entries are safe and will sync later.")
        elif isinstance(error, AuthError):
            text = _("Central refused this device; ask support staff.")
        elif isinstance(error, SyncError):
            text = _("Sync failed; your entries are safe.")
        else:
            text = _("Sync failed unexpectedly; your entries are safe.")
        self._set_sync_state(text)
        self.notify(text, severity="warning")
        self._refresh_screen()

    def _set_sync_state(self, text: str) -> None:
        for bar in self.screen.query(SyncBar):
            bar.state = text

    def _refresh_screen(self) -> None:
        screen = self.screen
        if isinstance(screen, RecordsScreen):
            screen.action_refresh()


def run_app(store: Store, *, lang: str | None = None, sync_on_start: bool = False) -> int:
    set_language(lang)
    result = SanwuApp(store, sync_on_start=sync_on_start).run()
    return result or 0
