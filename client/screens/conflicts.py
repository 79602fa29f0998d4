"""Conflicts, field by field: base / mine / theirs; take a side or edit the value.
Deciding writes the local record and queues the resolution for central (Store.resolve)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from client.errors import StoreError, ValidationFailed
from client.i18n import N_, _
from client.labels import errors_text, field_name, kind_name, shown
from client.screens.base import SanwuScreen
from client.store import ConflictEntry
from client.widgets.literal import LiteralStatic
from client.widgets.paged_table import PagedTable
from client.widgets.value_dialog import ValueDialog
from models.kinds import FieldType, kind_spec
from sync.resolution import Choice

TYPE_NAMES = {
    "field": N_("both changed"),
    "duplicate": N_("duplicate record"),
    "deleted": N_("edited and deleted"),
    "moved": N_("moved to another unit"),
}
MOVED_HELP = N_(
    "This record now belongs to a unit this device does not reach; your edit was not "
    "sent. m: keep it as a new record of your unit; t: drop your edit."
)


def shown_side(entry: ConflictEntry, value: Any) -> str:
    if entry.type == "duplicate" and entry.theirs is value and isinstance(value, str):
        return _("the other record {id}").format(id=value[:8])
    if entry.type == "deleted" and isinstance(value, bool):
        return _("deleted") if value else _("kept")
    if entry.type == "moved":
        if isinstance(value, list):  # mine: the fields edited
            return "、".join(field_name(entry.kind, str(name)) for name in value)
        return _("another unit (not named here)")
    return shown(entry.kind, entry.field, value)


class ConflictsScreen(SanwuScreen):
    """Every open conflict; the chosen one is shown side by side below the list."""

    MODE = "conflicts"
    HELP = N_("Conflicts: someone else changed the same field. Keep yours, theirs, or type one.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "take('mine')", "Keep mine", id="conflict-mine", tooltip="Keep my value"),
        Binding("t", "take('theirs')", "Take theirs", id="conflict-theirs", tooltip="Take theirs"),
        Binding("e", "edit", "Edit value", id="conflict-edit", tooltip="Type the value to keep"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[ConflictEntry] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="conflicts-title", classes="section-title")
        yield PagedTable(id="conflicts", cursor_type="row", zebra_stripes=True)
        with Vertical(id="sides"):
            yield LiteralStatic("", id="side-base")
            yield LiteralStatic("", id="side-mine")
            yield LiteralStatic("", id="side-theirs")

    def on_mount(self) -> None:
        table = self.query_one("#conflicts", DataTable)
        table.add_column(_("Record"), width=24)
        table.add_column(_("Field"), width=16)
        table.add_column(_("Kind of conflict"))
        table.focus()

    def refresh_data(self) -> None:
        super().refresh_data()
        self.entries = self.store.conflicts()
        self.query_one("#conflicts-title", Static).update(
            _("Open conflicts: {n}").format(n=len(self.entries))
            if self.entries
            else _("No conflicts: nothing to decide.")
        )
        table = self.query_one("#conflicts", DataTable)
        row = table.cursor_row
        table.clear()
        for entry in self.entries:
            title = self._record_title(entry)
            table.add_row(
                f"{kind_name(entry.kind)} {title}",
                field_name(entry.kind, entry.field),
                _(TYPE_NAMES.get(entry.type, entry.type)),
                key=str(entry.id),
            )
        if self.entries:
            table.move_cursor(row=min(row, len(self.entries) - 1))
        self._show_sides()

    def _record_title(self, entry: ConflictEntry) -> str:
        try:
            _kind, record = self.store.get(entry.record_id)
        except StoreError:  # a record moved away: its copy is kept in the conflict
            record = dict(entry.record or {})
        name = kind_spec(entry.kind).title_field
        value = record.get(name) if name else None
        return shown(entry.kind, name, value) if name and isinstance(value, str) and value else ""

    def chosen(self) -> ConflictEntry | None:
        table = self.query_one("#conflicts", DataTable)
        if not self.entries or table.cursor_row >= len(self.entries):
            return None
        return self.entries[table.cursor_row]

    @on(DataTable.RowHighlighted, "#conflicts")
    def _show_sides(self) -> None:
        entry = self.chosen()
        parts = {
            "base": (_("Before (base)"), entry.base if entry else None),
            "mine": (_("Mine (m)"), entry.mine if entry else None),
            "theirs": (_("Theirs (t)"), entry.theirs if entry else None),
        }
        for side, (title, value) in parts.items():
            text = f"{title}：{shown_side(entry, value)}" if entry else ""
            if entry is not None and entry.type == "moved" and side == "base":
                text = _(MOVED_HELP)
            self.query_one(f"#side-{side}", Static).update(text)

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        if action in ("take", "edit"):
            identity = self.store.identity
            if identity is not None and identity.role == "support":
                return False
            if action == "edit":
                entry = self.chosen()
                return entry is not None and entry.type == "field"
        return True

    def decide(self, choice: Choice, value: Any = None) -> None:
        """Carry out the decision on the chosen conflict; it goes to central at the next sync."""
        entry = self.chosen()
        if entry is None:
            return
        try:
            self.store.resolve(entry.id, choice, value)
        except ValidationFailed as exc:
            self.notify(
                errors_text(entry.kind, exc.errors),
                severity="error",
            )
            return
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(_("Decided; it will go to central at the next sync."))
        self.refresh_data()

    def action_take(self, side: str) -> None:
        """Keep my value, or take theirs."""
        self.decide(Choice.MINE if side == "mine" else Choice.THEIRS)

    def action_edit(self) -> None:
        """Type the value to keep."""
        entry = self.chosen()
        if entry is None or entry.type != "field":
            return
        spec = kind_spec(entry.kind)
        field_type = spec.field_types.get(entry.field, FieldType.TEXT)
        personal = entry.field in spec.personal
        start = "" if personal else _editable(entry.mine, field_type)

        def typed(text: str | None) -> None:
            if text is None:
                return
            self.decide(Choice.VALUE, _parsed(text, field_type))

        title = _("New value for {field}").format(field=field_name(entry.kind, entry.field))
        self.app.push_screen(ValueDialog(title, start), typed)


def _editable(value: Any, field_type: FieldType) -> str:
    if value is None:
        return ""
    if field_type is FieldType.SET and isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _parsed(text: str, field_type: FieldType) -> Any:
    if field_type is FieldType.INT:
        try:
            return int(text.strip())
        except ValueError:
            return text
    if field_type is FieldType.BOOL:
        return text.strip()
    if field_type is FieldType.SET:
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if isinstance(value, list) else text
    return text
