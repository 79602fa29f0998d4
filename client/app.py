"""The Sanwu Textual app. Thin: one mode per screen, sync and health checks in workers."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.message import Message
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets._select import SelectOverlay
from textual.worker import Worker, WorkerState

from client import queries
from client.errors import StoreError
from client.i18n import _, set_language
from client.screens.analysis import AnalysisScreen
from client.screens.base import local_time
from client.screens.clues import CluesScreen
from client.screens.commands import ScreensProvider
from client.screens.conflicts import ConflictsScreen
from client.screens.disclosures import DisclosuresScreen
from client.screens.duty import DutyScreen
from client.screens.form import RecordForm
from client.screens.help import HelpScreen
from client.screens.home import HomeScreen
from client.screens.import_file import ImportScreen
from client.screens.queue import QueueScreen
from client.screens.record_history import OFFLINE, HistoryFetched
from client.screens.subsidies import SubsidiesScreen
from client.screens.sync import SyncScreen
from client.screens.warnings import WarningsScreen
from client.store import Store
from client.syncing import check_reachable, fetch_history, sync_round
from client.widgets import typing
from client.widgets.bindings import translate_bindings, translate_widget_bindings
from client.widgets.confirm import ConfirmScreen
from client.widgets.literal import visible
from client.widgets.nav_bar import SCREENS
from client.widgets.palette import Palette
from client.widgets.sync_bar import SyncBar
from client.widgets.wide_cuts import install as keep_wide_characters_whole
from models.rules.actors import SUPERVISING_ROLES
from sync.backoff import Backoff
from sync.errors import SyncError
from sync.failures import ExitCode, Retry, failure_of
from sync.progress import Progress, RoundReport

BACKOFF_FIRST = 30.0
"""Seconds before the first health check (and the bound of the first wait after central
was found unreachable)."""
BACKOFF_MAX = 600.0
"""The longest wait between health checks while offline."""
ONLINE_CHECK = 300.0
"""Seconds between health checks while central answers."""
_GC_FROZEN = False


NOTICE_SECONDS = 30.0
"""How long the start notice (the demo's passphrase) stays up."""
NOTIFY_LIMIT = 500
"""The most characters of a notification (a toast quoting a 1 MB title stays a toast)."""


class SanwuApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "Sanwu"
    COMMANDS = App.COMMANDS | {ScreensProvider}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {
        "home": HomeScreen,
        "disclosures": DisclosuresScreen,
        "subsidies": SubsidiesScreen,
        "duty": DutyScreen,
        "warnings": WarningsScreen,
        "conflicts": ConflictsScreen,
        "sync": SyncScreen,
        "queue": QueueScreen,
        "clues": CluesScreen,
        "analysis": AnalysisScreen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"go('{mode}')", text, show=False, id=f"go-{mode}", tooltip=text)
            for key, mode, text in SCREENS
        ),
        Binding("ctrl+s", "sync", "Sync", show=False, id="sync-anywhere", tooltip="Sync now"),
        Binding("f1", "help", "Help", id="help", tooltip="Keys of this screen"),
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave Sanwu", priority=True),
    ]
    # ``q`` quits too: a binding of the list screens and the form (not a priority one
    # here), so it never takes a letter typed into a field.

    @dataclass
    class SyncProgressed(Message):
        """A sync round moved on (a pushed batch or a pulled page); newer replaces older."""

        progress: Progress
        total_ops: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SanwuApp.SyncProgressed)

    @dataclass
    class SyncFinished(Message):
        """A sync round ended well."""

        report: RoundReport

    @dataclass
    class CentralChecked(Message):
        """A health check answered (or did not)."""

        reachable: bool

    def __init__(
        self,
        store: Store,
        *,
        sync_on_start: bool = False,
        auto_sync: bool = False,
        clock: Callable[[], date] = date.today,
        notice: str = "",
    ) -> None:
        super().__init__()
        translate_bindings(self)
        translate_widget_bindings(SelectOverlay)
        typing.install()
        keep_wide_characters_whole()
        self.store = store
        self.notice = notice
        """Shown once at start, inside the app (the demo's passphrase)."""
        self._asking_to_quit = False
        self.sync_on_start = sync_on_start
        self.auto_sync = auto_sync
        self.clock = clock
        self.syncing = False
        self.online: bool | None = None
        self.sync_state = ""
        self.progress: Progress | None = None
        self.total_ops = 0
        self.backoff = Backoff(base_s=BACKOFF_FIRST, cap_s=BACKOFF_MAX)
        self._health_timer: Timer | None = None
        self.title = _("Sanwu three-affairs disclosure")
        identity = store.identity
        self.sub_title = (  # the unit's name as central sent it at enrolment: made visible
            visible(f"{identity.org_name} {identity.org_code}", limit=80)
            if identity
            else _("not enrolled")
        )

    def today(self) -> date:
        """Today, from the injected clock (frozen in tests and snapshots)."""
        return self.clock()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification shown literally (``client.widgets.literal``): its text often
        quotes a record or what central said, never markup. ``markup`` is ignored."""
        del markup  # always literal
        super().notify(
            visible(message, limit=NOTIFY_LIMIT),
            title=visible(title, limit=NOTIFY_LIMIT),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_mount(self) -> None:
        # Everything loaded so far (modules, classes, the catalogue) lives as long as the
        # app: keep it out of the garbage collector's full passes, which otherwise scan
        # it again and again (tens of ms each, felt as a stutter while typing). Once per
        # process: a later app (tests start many) must not pin its predecessors.
        global _GC_FROZEN
        if not _GC_FROZEN:
            _GC_FROZEN = True
            gc.freeze()
        self.switch_mode("home")
        if self.notice:
            self.notify(self.notice, timeout=NOTICE_SECONDS)
        if self.store.identity is None:
            return
        if self.sync_on_start:
            self.action_sync()
        if self.auto_sync:
            self._schedule_health(BACKOFF_FIRST)

    # ---- navigation ------------------------------------------------------------------

    def hidden_modes(self) -> frozenset[str]:
        """Screens this device does not use: clues and analysis are the supervising side's
        (town staff and supervisors)."""
        identity = self.store.identity
        if identity is not None and identity.role not in SUPERVISING_ROLES:
            return frozenset({"clues", "analysis"})
        return frozenset()

    def go(self, mode: str) -> None:
        """Show a screen (its mode keeps what was open there)."""
        if mode in self.MODES and mode != self.current_mode and mode not in self.hidden_modes():
            self.switch_mode(mode)

    def action_go(self, mode: str) -> None:
        """Go to a screen."""
        self.go(mode)

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        # A form is left with Escape, which asks about unsaved work.
        return not (action == "go" and isinstance(self.screen, RecordForm))

    async def action_quit(self) -> None:
        """Leave Sanwu; asks first when a form holds typing not saved."""
        if self._asking_to_quit:
            return
        if not any(isinstance(s, RecordForm) and s.dirty for s in self.screen_stack):
            self.exit()
            return

        def answered(leave: bool | None) -> None:
            self._asking_to_quit = False
            if leave:
                self.exit()

        self._asking_to_quit = True
        self.push_screen(
            ConfirmScreen(
                _("Quit without saving? What you typed will be lost."),
                yes=_("Quit"),
                no=_("Keep editing"),
            ),
            answered,
        )

    def action_command_palette(self) -> None:
        """The palette as Textual opens it, its prompt in the current language."""
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(Palette(id="--command-palette"))

    def action_help(self) -> None:
        """Keys of this screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_import(self) -> None:
        """Import a legacy table (CSV or Excel)."""
        if not isinstance(self.screen, ImportScreen):
            self.push_screen(ImportScreen())

    def get_system_commands(self, _screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand(_("Sync"), _("Sync with central now"), self.action_sync)
        yield SystemCommand(
            _("Import"), _("Import a legacy table (CSV or Excel)"), self.action_import
        )
        yield SystemCommand(_("Help"), _("Keys of this screen"), self.action_help)
        yield SystemCommand(_("Theme"), _("Change the colours"), self.action_change_theme)
        yield SystemCommand(_("Quit"), _("Leave Sanwu"), self.exit)

    # ---- sync ------------------------------------------------------------------------

    def action_sync(self) -> None:
        """Sync with central now."""
        if self.store.identity is None:
            self.notify(_("Not enrolled: run `sanwu enroll` first."), severity="warning")
            return
        if self.syncing:
            self.notify(_("A sync is already running."))
            return
        self.syncing = True
        self.progress = None
        self.total_ops = self.store.status().pending
        self._set_sync_state(_("Syncing…"))
        self.run_sync()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def run_sync(self) -> RoundReport:
        total = self.total_ops

        def progressed(progress: Progress) -> None:
            self.post_message(self.SyncProgressed(progress, total))

        report = sync_round(self.store, on_progress=progressed)
        self.post_message(self.SyncFinished(report))
        return report

    def on_sanwu_app_sync_progressed(self, message: SyncProgressed) -> None:
        self.progress = message.progress
        progress = message.progress
        self._set_sync_state(
            _("Syncing: sent {pushed}, received {pulled}").format(
                pushed=progress.pushed, pulled=progress.pulled
            )
        )
        for panel in self.screen.query("SyncProgressPanel"):
            panel.show(progress, message.total_ops)  # type: ignore[attr-defined]

    def on_sanwu_app_sync_finished(self, message: SyncFinished) -> None:
        report = message.report
        self.syncing = False
        self.online = True
        self.backoff.succeeded()
        text = _("Synced: sent {pushed}, received {pulled}").format(
            pushed=report.pushed, pulled=report.pulled
        )
        if report.conflicts:
            text += " " + _("{n} new conflicts: press 6").format(n=report.conflicts)
            self.notify(text, severity="warning")
        self._set_sync_state(text)
        self.refresh_screen()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (sync, health); a screen passes its failed ones on."""
        if event.state is WorkerState.ERROR:
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """One place where a failed worker becomes a visible message."""
        error = worker.error
        if worker.group == "sync":
            self.syncing = False
            failure = failure_of(error) if error is not None else None
            if failure is None:
                text = _("Sync failed unexpectedly; your entries are safe.")
            elif failure.retry is Retry.BACK_OFF:
                self.online = False
                text = _("Offline: central unreachable; your entries are safe and will sync later.")
                if self.auto_sync:
                    self._schedule_health(self.backoff.failed())
            elif failure.exit_code is ExitCode.REFUSED:
                text = _("Central refused this device; ask support staff.")
            else:
                text = _("Sync failed; your entries are safe.")
            self._set_sync_state(text)
            self.refresh_screen()
        elif isinstance(error, StoreError):  # the person's to fix: a full disk, a bad folder
            text = str(error)
        else:
            text = _("Something went wrong: {what}").format(what=type(error).__name__)
        self.notify(text, severity="warning", timeout=15)

    # ---- a record's history from central ------------------------------------------------

    def fetch_history(self, screen: MessagePump, kind: str, record_id: str) -> None:
        """Ask central for a record's versions in a worker and keep them; ``screen`` hears
        ``HistoryFetched`` when it ends (the kept copy is shown meanwhile)."""
        self.run_history_fetch(screen, kind, record_id)

    @work(thread=True, exit_on_error=False, group="history")
    def run_history_fetch(self, screen: MessagePump, kind: str, record_id: str) -> None:
        failure = ""
        try:
            fetch_history(self.store, kind, record_id)
        except (SyncError, StoreError, OSError) as exc:
            found = failure_of(exc) if isinstance(exc, SyncError) else None
            if found is None or found.retry is Retry.BACK_OFF:
                failure = OFFLINE
            else:
                failure = _("it does not give this record's history to this device")
        screen.post_message(HistoryFetched(record_id, failure))

    # ---- auto-sync when central comes back -------------------------------------------

    def _schedule_health(self, delay: float) -> None:
        if self._health_timer is not None:
            self._health_timer.stop()
        self._health_timer = self.set_timer(delay, self.check_health)

    @work(thread=True, exclusive=True, exit_on_error=False, group="health")
    def check_health(self) -> bool:
        """Ask central's health endpoint (through the sync layer) whether it answers."""
        reachable = check_reachable(self.store)
        self.post_message(self.CentralChecked(reachable))
        return reachable

    def on_sanwu_app_central_checked(self, message: CentralChecked) -> None:
        was_online = self.online
        self.online = message.reachable
        if message.reachable:
            self.backoff.succeeded()
            self._schedule_health(ONLINE_CHECK)
            if not self.syncing and (was_online is not True or self.store.status().pending):
                self.action_sync()
        else:
            self._schedule_health(self.backoff.failed())
        self.update_sync_bar(self.screen)

    # ---- what screens show -------------------------------------------------------------

    def _set_sync_state(self, text: str) -> None:
        self.sync_state = text
        self.update_sync_bar(self.screen)

    def update_sync_bar(self, screen: Screen[Any]) -> None:
        """Fill a screen's sync line from the store and the last sync's outcome."""
        status = self.store.status()
        last = status.last_round
        last_ok = ""
        for round_ in self.store.rounds(limit=20):
            if not round_["error"]:
                finished = round_["finished_at"]
                last_ok = local_time(finished)[5:] if isinstance(finished, datetime) else ""
                break
        if last is not None and last["error"] and self.online is None:
            self.online = False
        identity = self.store.identity
        scope = identity.scope if identity else ""
        reminders = len(queries.open_reminders(self.store.engine, scope))
        for bar in screen.query(SyncBar):
            bar.pending = status.pending + status.quarantined
            bar.conflicts = status.conflicts
            bar.reminders = reminders
            bar.last_sync = last_ok
            bar.online = self.online
            bar.state = self.sync_state

    def refresh_screen(self) -> None:
        """Reload what the current screen shows (after a sync or a save)."""
        screen = self.screen
        refresh = getattr(screen, "refresh_data", None)
        if callable(refresh):
            refresh()

    def on_record_form_record_saved(self, _message: RecordForm.RecordSaved) -> None:
        self.call_after_refresh(self.refresh_screen)


def run_app(
    store: Store,
    *,
    lang: str | None = None,
    sync_on_start: bool = False,
    auto_sync: bool = True,
    notice: str = "",
) -> int:
    """The app over ``store``; ``notice`` is shown inside it at start (the demo's
    passphrase: a line printed before a full-screen app is hidden behind it)."""
    set_language(lang)
    app = SanwuApp(store, sync_on_start=sync_on_start, auto_sync=auto_sync, notice=notice)
    return app.run() or 0
