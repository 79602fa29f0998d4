"""The records screen: what this device holds, newest first, and whether it is synced."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from client.i18n import _
from client.widgets.sync_bar import SyncBar
from models.catalog import load_catalog, parse_period

_STATUS = {"draft": "Draft", "published": "Published", "withdrawn": "Withdrawn"}


def _period_order(record: dict[str, Any]) -> tuple[date, str]:
    """Newest period first, whatever its kind (2026-Q3 ends before 2026-11 does)."""
    item = load_catalog().get(record["catalog_code"])
    try:
        _start, end = parse_period(item.period if item else "", record["period"])
    except ValueError:
        end = date.min
    return end, record["recorded_at"] or ""


class RecordsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "app.sync", _("Sync"), id="sync", tooltip=_("Sync with central now")),
        Binding("r", "refresh", _("Refresh"), id="refresh", tooltip=_("Reload from the database")),
        Binding("q", "app.quit", _("Quit"), id="quit", tooltip=_("Leave Sanwu")),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="records", cursor_type="row", zebra_stripes=True)
        yield SyncBar(id="sync-bar")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Period"), _("Title"), _("Status"), _("Version"))
        self.action_refresh()

    def action_refresh(self) -> None:
        from client.app import SanwuApp

        app = self.app
        assert isinstance(app, SanwuApp)
        records = app.store.list_records("disclosure")
        self.show_records(records)
        status = app.store.status()
        bar = self.query_one(SyncBar)
        bar.pending = status.pending + status.quarantined
        bar.conflicts = status.conflicts

    def show_records(self, records: list[dict[str, Any]]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        ordered = sorted(records, key=_period_order, reverse=True)
        for record in ordered:
            version = str(record["version"]) if record["version"] else _("not synced")
            table.add_row(
                record["period"],
                record["title"],
                _(_STATUS.get(record["status"], record["status"])),
                version,
                key=record["id"],
            )
