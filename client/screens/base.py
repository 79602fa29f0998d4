"""What every main screen shares: header, screen row, sync line, footer, fresh data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from client.widgets.bindings import translate_bindings
from client.widgets.nav_bar import NavBar
from client.widgets.sync_bar import SyncBar

if TYPE_CHECKING:
    from client.store import Store


ResultT = TypeVar("ResultT")


class Host(Protocol):
    """What screens ask of the app that shows them (``client.app.SanwuApp`` is one):
    screens depend on this, not on the app module, which imports them."""

    @property
    def store(self) -> Store: ...

    def today(self) -> date: ...

    def go(self, mode: str) -> None: ...

    def hidden_modes(self) -> frozenset[str]: ...

    def action_sync(self) -> None: ...

    def update_sync_bar(self, screen: Screen[Any]) -> None: ...

    def post_message(self, message: Message) -> bool: ...

    def worker_failed(self, worker: Worker[Any]) -> None: ...

    def fetch_history(self, screen: MessagePump, kind: str, record_id: str) -> None:
        """Ask central for a record's versions in a worker and keep them; ``screen`` hears
        ``record_history.HistoryFetched`` when it ends."""


class AppScreen(Screen[ResultT]):
    """Any screen of the Sanwu app: the app and its store, typed."""

    @property
    def sanwu(self) -> Host:
        return cast(Host, self.app)

    @property
    def store(self) -> Store:
        return self.sanwu.store

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker messages do not bubble: a failure of this screen's work (an export, a
        fetch) goes to the app, the one place where failures become visible."""
        if event.state is WorkerState.ERROR:
            self.sanwu.worker_failed(event.worker)


class SanwuScreen(AppScreen[None]):
    """A main screen (one per mode). Subclasses yield their body from ``compose_body``
    and reload what they show in ``refresh_data``."""

    AUTO_FOCUS = "DataTable, Tree"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "app.sync", "Sync", id="sync", tooltip="Sync with central now"),
        Binding(  # in F1, not the footer: a screen reads again by itself after a change
            "r", "refresh", "Refresh", id="refresh", show=False, tooltip="Reload from the database"
        ),
        Binding("q", "app.quit", "Quit", id="quit-q", show=False, tooltip="Leave Sanwu"),
    ]
    MODE: ClassVar[str] = ""
    """The mode this screen is the root of."""
    HELP: ClassVar[str] = ""
    """msgid of one sentence for the help screen: what this screen is for."""

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self._fresh = False
        """Whether what is shown was read since the screen was last left."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield NavBar(id="nav")
        yield from self.compose_body()
        yield SyncBar(id="sync-bar")
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        nav = self.query_one(NavBar)
        nav.current = self.MODE
        nav.hidden = self.sanwu.hidden_modes()
        self.refresh_data()

    def on_screen_resume(self) -> None:
        # A screen shown for the first time was read when mounted: not twice.
        if not self._fresh:
            self.refresh_data()

    def on_screen_suspend(self) -> None:
        self._fresh = False

    def refresh_data(self) -> None:
        """Read again what the screen shows (after a save, a sync, or coming back)."""
        self._fresh = True
        self.sanwu.update_sync_bar(self)

    def action_refresh(self) -> None:
        """Reload from the database."""
        self.refresh_data()


def local_time(moment: datetime | None) -> str:
    """A stored UTC timestamp in this computer's time, to the minute ("—" when none)."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
