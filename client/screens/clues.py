"""Problem clues (问题线索), for the supervising side that handles them: intake (source,
problem type, the unit concerned, the reporter's contact sealed), 核查, then one
outcome: unfounded (了结), rectification (the warning it raises goes to the unit) or a
case filed (立案) with the people disciplined. The unit a clue is about never
receives it; only the supervisor role sees who reported it (masked here too)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from client.errors import RuleRefused, StoreError, ValidationFailed
from client.i18n import N_, _, label
from client.labels import errors_text, field_name, refusal_text, shown, unit_name
from client.screens.base import SanwuScreen
from client.screens.form import FormField, RecordForm, declared_field, form_fields
from client.screens.record_actions import (
    ask_delete,
    editable_fields,
    may_delete,
    may_edit,
    show_history,
)
from client.widgets.literal import LiteralStatic
from client.widgets.paged_table import PagedTable
from models.orgs import in_scope, load_org_units
from models.rules.actors import SUPERVISING_ROLES
from models.validation import normalize


def clue_fields(scope: str) -> list[FormField]:
    units = tuple(
        (f"{unit.name} {unit.code}", unit.code)
        for unit in load_org_units()
        if in_scope(unit.code, scope) and unit.level not in ("district", "town")
    )
    return form_fields("clue", units=units, labels={"org_code": N_("Unit concerned")})


_OUTCOME_FIELDS = ("outcome", "finding", "people_disciplined")
"""The fields a conclusion sets (``models.rules.clues.conclusion``), in the form's order."""


class OutcomeForm(RecordForm):
    """Conclude a clue with its one outcome (a rectification raises the warning)."""

    def __init__(self, clue: Mapping[str, Any], *, today: date) -> None:
        fields = [declared_field("clue", name) for name in _OUTCOME_FIELDS]
        super().__init__(
            "clue",
            fields,
            title=_("Conclude: {what}").format(what=str(clue["description"])[:30]),
            values={"people_disciplined": "0"},
        )
        self.clue = clue
        self.today = today

    def save(self, values: Mapping[str, Any]) -> str:
        typed, errors = normalize("clue", {"people_disciplined": values["people_disciplined"]})
        people = typed.get("people_disciplined")
        if errors or not isinstance(people, int):
            raise ValidationFailed(errors)
        self.store.supervision.conclude(
            self.clue["id"],
            str(values.get("outcome") or ""),
            today=self.today,
            finding=str(values.get("finding") or ""),
            people=people,
        )
        return str(self.clue["id"])


class CluesScreen(SanwuScreen):
    """Clues (top) and the chosen clue's details (bottom)."""

    MODE = "clues"
    HELP = N_("Clues: take in a report, check it, conclude with one outcome.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New clue", id="clue-new", tooltip="Take in a clue"),
        Binding("k", "investigate", "Check", id="clue-check", tooltip="Start the check (核查)"),
        Binding("o", "outcome", "Conclude", id="clue-outcome", tooltip="Conclude with an outcome"),
        Binding("e", "edit", "Edit", id="clue-edit", tooltip="Edit the chosen clue"),
        Binding(
            "d", "delete", "Delete", id="clue-delete", tooltip="Delete the chosen clue (asks first)"
        ),
        Binding("h", "history", "History", id="clue-history", tooltip="The chosen clue's history"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.clues: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="clues-count", classes="section-title")
        yield PagedTable(id="clues", cursor_type="row", zebra_stripes=True)
        yield LiteralStatic("", id="clue-detail")

    def on_mount(self) -> None:
        table = self.query_one("#clues", DataTable)
        table.add_column(_("Received on"), width=10)
        table.add_column(_("Unit"), width=8)
        table.add_column(_("Problem"), width=6)
        table.add_column(_("Status"), width=6)
        table.add_column(_("Outcome"))
        table.focus()
        super().on_mount()

    def refresh_data(self) -> None:
        super().refresh_data()
        self.clues = sorted(
            self.store.list_records("clue"), key=lambda c: (c["received_on"] or "", c["id"])
        )
        open_count = sum(c["status"] != "concluded" for c in self.clues)
        self.query_one("#clues-count", Static).update(
            _("Clues: {n} open of {total}").format(n=open_count, total=len(self.clues))
        )
        table = self.query_one("#clues", DataTable)
        row = table.cursor_row
        table.clear()
        for clue in self.clues:
            table.add_row(
                clue["received_on"] or "—",
                unit_name(clue["org_code"], short=True),
                label("clue", "problem", clue["problem"]),
                label("clue", "status", clue["status"]),
                label("clue", "outcome", clue["outcome"]) or "—",
                key=clue["id"],
            )
        if self.clues:
            table.move_cursor(row=min(row, len(self.clues) - 1))
        self._show_detail()

    def chosen(self) -> dict[str, Any] | None:
        table = self.query_one("#clues", DataTable)
        if not self.clues or table.cursor_row >= len(self.clues):
            return None
        return self.clues[table.cursor_row]

    @on(DataTable.RowHighlighted, "#clues")
    def _show_detail(self) -> None:
        clue = self.chosen()
        lines = []
        if clue is not None:
            for name in ("description", "source", "reporter_contact", "finding"):
                if clue.get(name):
                    lines.append(f"{field_name('clue', name)}：{shown('clue', name, clue[name])}")
            if clue.get("outcome") == "case_filed":
                lines.append(
                    _("People disciplined: {n}").format(n=clue.get("people_disciplined", 0))
                )
        self.query_one("#clue-detail", Static).update("\n".join(lines))
        self.refresh_bindings()

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        identity = self.store.identity
        supervising = identity is not None and identity.role in SUPERVISING_ROLES
        if action == "new":
            return supervising
        clue = self.chosen() if self.is_mounted else None
        clue_id = None if clue is None else str(clue["id"])
        if action == "edit":
            return may_edit(self, clue_id, ("description",))
        if action == "delete":
            return may_delete(self, clue_id)
        if action == "history":
            return clue_id is not None
        if action == "investigate":
            return supervising and clue is not None and clue["status"] == "received"
        if action == "outcome":
            return supervising and clue is not None and clue["status"] != "concluded"
        return True

    def action_new(self) -> None:
        """Take in a clue."""
        identity = self.store.identity
        self.app.push_screen(
            RecordForm(
                "clue",
                clue_fields(identity.scope if identity else ""),
                title=_("New clue"),
                values={"received_on": self.sanwu.today().isoformat()},
            ),
            lambda _id: self.refresh_data(),
        )

    def action_edit(self) -> None:
        """Edit the chosen clue (its intake), until it is concluded."""
        clue = self.chosen()
        identity = self.store.identity
        if clue is None or identity is None:
            return
        fields = editable_fields(identity.role, "clue", clue_fields(identity.scope))
        self.app.push_screen(
            RecordForm(
                "clue",
                fields,
                title=_("Edit clue"),
                record_id=clue["id"],
                values=clue,
            ),
            lambda _id: self.refresh_data(),
        )

    def action_delete(self) -> None:
        """Delete the chosen clue, after asking."""
        clue = self.chosen()
        if clue is not None:
            what = f"{clue['received_on'] or ''} {str(clue['description'])[:30]}".strip()
            ask_delete(self, clue["id"], what, self.refresh_data)

    def action_history(self) -> None:
        """The chosen clue's whole history."""
        clue = self.chosen()
        show_history(self, None if clue is None else str(clue["id"]))

    def action_investigate(self) -> None:
        """Start the check (核查)."""
        clue = self.chosen()
        if clue is None:
            return
        try:
            self.store.supervision.investigate(clue["id"])
        except RuleRefused as exc:
            self.notify(refusal_text(exc.kind, exc.refusal), severity="error")
            return
        except ValidationFailed as exc:
            self.notify(errors_text("clue", exc.errors), severity="error")
            return
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.refresh_data()

    def action_outcome(self) -> None:
        """Conclude the chosen clue with one outcome."""
        clue = self.chosen()
        if clue is not None:
            self.app.push_screen(
                OutcomeForm(clue, today=self.sanwu.today()), lambda _id: self.refresh_data()
            )
