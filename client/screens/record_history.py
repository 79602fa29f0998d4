"""A record's history, whole: this computer's entries and central's versions made on
other devices (fetched in a worker when central answers, kept for offline), each marked
where it came from, with a line saying how fresh central's part is. ``HistoryView`` is
the table and that line; ``RecordHistoryScreen`` shows it for a record of any kind (h on
a list), the disclosure detail under its fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from client.audit import IMPORT
from client.i18n import N_, _
from client.labels import field_name, kind_name, shown
from client.record_history import HERE, Kept, Row, record_history
from client.screens.base import AppScreen, local_time
from client.widgets.bindings import translate_bindings
from client.widgets.literal import LiteralStatic, literal
from client.widgets.paged_table import STRETCH_MIN, PagedTable
from models.kinds import kind_spec

__all__ = ["ACTIONS", "HistoryFetched", "HistoryView", "RecordHistoryScreen", "changes_text"]

ACTIONS: dict[str, str] = {
    "create": N_("created"),
    "update": N_("changed"),
    "delete": N_("deleted"),
    "resolve": N_("conflict decided"),
    "import": N_("imported"),
    "note": N_("noted"),
}

FETCHING = "fetching"
OFFLINE = "offline"
NOT_SENT = "not_sent"
"""States of central's part besides "" (fetched now) and a failure's own words."""


@dataclass
class HistoryFetched(Message):
    """The app's worker asked central for a record's history: kept (``failure`` empty),
    central unreachable (``OFFLINE``) or another failure, in words."""

    record_id: str
    failure: str = ""


def changes_text(kind: str, row: Row) -> str:
    """One entry's changes: each field from → to, or for an imported record the file it
    came from and the start of its values' digest."""
    if row.action == IMPORT:
        return _("from the file {name} (values digest {digest})").format(
            name=row.changes.get("file") or "?", digest=str(row.changes.get("sha256"))[:12]
        )
    parts = []
    for name, pair in row.changes.items():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        if row.action == "create" and pair[1] in (None, "", []):
            continue
        before, after = shown(kind, name, pair[0]), shown(kind, name, pair[1])
        parts.append(f"{field_name(kind, name)}: {before} → {after}")
    return "；".join(parts)


def state_text(kept: Kept | None, state: str) -> str:
    """The line over the history: how fresh central's part is, and why when it is not."""
    if state == NOT_SENT:
        return _("Not on central yet: only this computer's entries.")
    if kept is None:
        base = _("Central's versions have not been fetched yet.")
    else:
        base = _("Central's versions as of {time}.").format(time=local_time(kept.fetched_at))
    if state == FETCHING:
        return _("Asking central… {line}").format(line=base)
    if state == OFFLINE:
        return _("Offline: {line}").format(line=base)
    if state:
        return _("Central did not answer ({what}). {line}").format(what=state, line=base)
    return base


class HistoryView(Vertical):
    """The line on central's part, and the entries, newest first, each marked here or
    central."""

    DEFAULT_CSS = """
    HistoryView { height: auto; }
    HistoryView #history-state { height: auto; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield LiteralStatic("", id="history-state")
        yield PagedTable(id="history", cursor_type="row", zebra_stripes=True, stretch="changes")

    def on_mount(self) -> None:
        table = self.query_one("#history", PagedTable)
        table.add_column(_("When"), width=16)
        table.add_column(_("Who"), width=10)
        table.add_column(_("What"), width=8)
        table.add_column(_("From"), width=8)
        table.add_column(_("Changes"), width=STRETCH_MIN, key="changes")

    def show(self, kind: str, rows: list[Row], kept: Kept | None, state: str, me: str) -> None:
        """Fill the table with ``rows`` and the line with central's state."""
        self.query_one("#history-state", Static).update(state_text(kept, state))
        table = self.query_one("#history", DataTable)
        table.clear()
        for row in reversed(rows):
            who = _("this computer") if row.actor == me else row.actor[:10]
            source = _("here") if row.source == HERE else _("central")
            if row.version:
                source = f"{source} v{row.version}"
            table.add_row(
                local_time(row.at),
                who,
                _(ACTIONS.get(row.action, row.action)),
                source,
                changes_text(kind, row),
            )


class HistoryHolder(AppScreen[None]):
    """A screen that shows a record's ``HistoryView``: reads it, asks the app to fetch
    central's part once shown, and reads it again when the fetch ends."""

    kind: str = ""

    def __init__(self, record_id: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.record_id = record_id
        self.history_state = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail"):
            yield Static("", id="detail-fields")
            yield Static(_("Version history"), classes="section-title")
            yield HistoryView()
        yield Footer()

    def show_history(self) -> None:
        """Read the record's history (this computer's and central's kept copy) again."""
        store = self.sanwu.store
        rows, kept = record_history(store.engine, self.record_id, this_device=store.actor)
        self.query_one(HistoryView).show(self.kind, rows, kept, self.history_state, store.actor)

    def fetch_history(self) -> None:
        """Ask central for the record's versions (in the app's worker); a record central
        has not received yet has none."""
        store = self.sanwu.store
        _kind, record = store.get(self.record_id)
        if store.identity is None or not record.get("version"):
            self.history_state = NOT_SENT
        else:
            self.history_state = FETCHING
            self.sanwu.fetch_history(self, self.kind, self.record_id)
        self.show_history()

    def on_history_fetched(self, message: HistoryFetched) -> None:
        if message.record_id == self.record_id and self.is_attached:
            self.history_state = message.failure
            self.show_history()


class RecordHistoryScreen(HistoryHolder):
    """One record of any kind: its fields and its whole history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "fetch", "Fetch again", id="history-fetch", tooltip="Ask central again"),
        Binding("escape", "back", "Back", id="history-back", tooltip="Back to the list"),
        Binding("f1", "app.help", "Help", id="history-help", tooltip="Keys of this screen"),
    ]
    HELP = N_("A record's history: this computer's entries and central's versions.")

    def on_mount(self) -> None:
        kind, record = self.sanwu.store.get(self.record_id)
        self.kind = kind
        text = Text(end="")
        text.append(kind_name(kind), style="bold").append("\n")
        for name in kind_spec(kind).fields:
            value = record.get(name)
            if value in (None, "", [], False):
                continue
            text.append(field_name(kind, name), style="bold").append("：")
            text.append_text(literal(_line(shown(kind, name, value)))).append("\n")
        version = record.get("version")
        text.append(_("Version"), style="bold").append("：")
        text.append(str(version) if version else _("not synced"))
        self.query_one("#detail-fields", Static).update(text)
        self.fetch_history()

    def action_fetch(self) -> None:
        """Ask central again for the record's versions."""
        self.fetch_history()

    def action_back(self) -> None:
        """Back to the list."""
        self.dismiss(None)


def _line(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"
