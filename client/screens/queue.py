"""The queue inspector for support staff: pending and quarantined ops (never their values),
retry one or all, and a diagnostics bundle with personal data masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from client.diagnostics import write_bundle
from client.i18n import N_, _
from client.labels import field_name, kind_name
from client.outbox import HELD, QueuedOp
from client.screens.base import SanwuScreen
from client.widgets.literal import LiteralStatic
from client.widgets.paged_table import PagedTable
from client.widgets.written import WrittenScreen


def age_text(recorded_at: datetime, now: datetime) -> str:
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=UTC)
    seconds = max(0, int((now - recorded_at).total_seconds()))
    if seconds < 3600:
        return _("{n} min").format(n=seconds // 60)
    if seconds < 86400:
        return _("{n} h").format(n=seconds // 3600)
    return _("{n} d").format(n=seconds // 86400)


ACTIONS = {"create": N_("created"), "update": N_("changed"), "delete": N_("deleted")}
"""An op's action as the audit history names it."""


class QueueScreen(SanwuScreen):
    """What waits for central, and why it may be stuck."""

    MODE = "queue"
    HELP = N_("Queue (support): ops waiting for central; retry quarantined ones; export a bundle.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "retry_one", "Retry", id="queue-retry", tooltip="Retry the chosen op"),
        Binding("a", "retry_all", "Retry all", id="queue-retry-all", tooltip="Retry every op"),
        Binding("d", "export", "Diagnostics", id="queue-export", tooltip="Write a support zip"),
    ]

    @dataclass
    class BundleWritten(Message):
        """The diagnostics zip is on disk."""

        path: Path

    def __init__(self) -> None:
        super().__init__()
        self.ops: list[QueuedOp] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="queue-title", classes="section-title")
        yield PagedTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield LiteralStatic("", id="queue-error")

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        table.add_column(_("State"), width=6)
        table.add_column(_("Kind"), width=8)
        table.add_column(_("Record"), width=10)
        table.add_column(_("Age"), width=7)
        table.add_column(_("Tries"), width=5)
        table.add_column(_("Last error"))
        table.focus()

    def refresh_data(self) -> None:
        super().refresh_data()
        self.ops = self.store.queue()
        quarantined = sum(op.state in HELD for op in self.ops)
        self.query_one("#queue-title", Static).update(
            _("Waiting {pending}, quarantined {quarantined}").format(
                pending=len(self.ops) - quarantined, quarantined=quarantined
            )
        )
        now = datetime.now(UTC)
        table = self.query_one("#queue", DataTable)
        table.clear()
        for op in self.ops:
            table.add_row(
                _("stuck") if op.state in HELD else _("waiting"),
                kind_name(op.kind),
                op.record_id[-8:],
                age_text(op.recorded_at, now),
                str(op.attempts),
                op.last_error or "—",
                key=op.op_id,
            )
        self._show_error()

    def on_data_table_row_highlighted(self) -> None:
        self._show_error()

    def _show_error(self) -> None:
        op = self.chosen()
        text = ""
        if op is not None:
            text = _("{action} of {kind} {record}: fields {fields}").format(
                action=_(ACTIONS.get(op.action, op.action)),
                kind=kind_name(op.kind),
                record=op.record_id,
                fields=", ".join(field_name(op.kind, field) for field in op.fields),
            )
            if op.last_error:
                text += "\n" + op.last_error
        self.query_one("#queue-error", Static).update(text)

    def chosen(self) -> QueuedOp | None:
        table = self.query_one("#queue", DataTable)
        if not self.ops or table.cursor_row >= len(self.ops):
            return None
        return self.ops[table.cursor_row]

    def action_retry_one(self) -> None:
        """Put the chosen quarantined op back in line."""
        op = self.chosen()
        if op is None:
            return
        released = self.store.retry(op.op_id)
        self.notify(_("{n} ops back in line").format(n=released))
        self.refresh_data()

    def action_retry_all(self) -> None:
        """Put every quarantined op back in line."""
        released = self.store.retry()
        self.notify(_("{n} ops back in line").format(n=released))
        self.refresh_data()

    def action_export(self) -> None:
        """Write a diagnostics zip (personal data masked) into the data folder."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        self.export_bundle(self.store.home / f"sanwu-diagnostics-{stamp}.zip")

    @work(thread=True, exclusive=True, exit_on_error=False, group="diagnostics")
    def export_bundle(self, path: Path) -> None:
        write_bundle(self.store, path)
        self.post_message(self.BundleWritten(path))

    def on_queue_screen_bundle_written(self, message: BundleWritten) -> None:
        what = _("Diagnostics written (personal data masked); send this file to support:")
        self.app.push_screen(WrittenScreen(what, [message.path]))
