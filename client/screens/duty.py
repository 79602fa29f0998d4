"""Duty evidence (履职记实): the 108 indicators grouped by subject with points and a light;
one record per matter with date, description and attachments."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static, Tree

from client import queries
from client.i18n import N_, _, language
from client.screens.base import SanwuScreen
from client.screens.duty_scores import DutyScoresScreen, DutyUnitScreen
from client.screens.form import FormField, RecordForm, form_fields
from client.screens.home import LIGHTS
from client.screens.record_actions import ask_delete, may_delete, may_edit, show_history
from client.widgets.literal import LiteralStatic
from client.widgets.paged_table import PagedTable
from models.duty import (
    SUBJECTS,
    Indicator,
    due_dates,
    indicators_for,
    load_indicators,
    total_points,
    traffic_light,
)
from models.orgs import org_by_code

_SUBJECT_MSGIDS = {
    "team": N_("Leadership team"),
    "secretary": N_("Secretary"),
    "member": N_("Team members"),
    "discipline": N_("Discipline body"),
}


def evidence_fields() -> list[FormField]:
    return form_fields("duty_evidence", fixed=("indicator_code",))


def _scored(org_code: str) -> bool:
    unit = org_by_code().get(org_code)
    return unit is not None and bool(indicators_for(unit.level))


def indicator_light(indicator: Indicator, today: date, count: int) -> str:
    """The light of the indicator's next deadline this year ("" for ongoing ones)."""
    upcoming = [day for day in due_dates(indicator, today.year) if day >= today]
    dates = upcoming or list(due_dates(indicator, today.year))[-1:]
    if not dates:
        return "green" if count else ""
    return traffic_light(dates[0], today, done=count > 0)


class DutyScreen(SanwuScreen):
    """The indicators as a tree by subject; the chosen indicator's records below."""

    MODE = "duty"
    HELP = N_("Duty evidence: one record per matter, as it happens; lights show deadlines.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "Record", id="duty-new", tooltip="Record evidence for the indicator"),
        Binding("e", "edit", "Edit", id="duty-edit", tooltip="Edit the chosen record"),
        Binding(
            "d",
            "delete",
            "Delete",
            id="duty-delete",
            tooltip="Delete the chosen record (asks first)",
        ),
        Binding(
            "h", "history", "History", id="duty-history", tooltip="The chosen record's history"
        ),
        Binding(
            "t",
            "scores",
            "Scores",
            id="duty-scores",
            tooltip="Scores, ranks and missing items (逐项赋分)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.indicator: Indicator | None = None
        self.records: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        tree: Tree[Indicator | None] = Tree(_("Duty list"), id="indicators")
        tree.show_root = False
        yield tree
        yield LiteralStatic("", id="indicator-title", classes="section-title")
        yield PagedTable(id="evidence", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#evidence", DataTable)
        table.add_column(_("Date"), width=10)
        table.add_column(_("What was done"))
        table.add_column(_("Files"), width=5)
        self.query_one("#indicators", Tree).focus()

    def _unit(self) -> str:
        identity = self.store.identity
        return identity.org_code if identity else ""

    def refresh_data(self) -> None:
        super().refresh_data()
        today = self.sanwu.today()
        counts = queries.evidence_counts(self.store.engine, self._unit())
        tree: Tree[Indicator | None] = self.query_one("#indicators", Tree)
        tree.clear()
        for subject, chinese in SUBJECTS.items():
            name = _(_SUBJECT_MSGIDS[subject]) if language() == "en" else chinese
            node = tree.root.add(
                _("{subject} ({points:g} points)").format(
                    subject=name, points=total_points(subject)
                ),
                data=None,
                expand=subject == "team",
            )
            for indicator in load_indicators():
                if indicator.subject != subject:
                    continue
                count = counts.get(indicator.code, 0)
                dot, style, _word = LIGHTS[indicator_light(indicator, today, count)]
                node.add_leaf(
                    Text.assemble(
                        (dot, style),
                        f" {indicator.code} {indicator.name} ",
                        (
                            _("{points:g} pts, {n} records").format(
                                points=indicator.points, n=count
                            ),
                            "dim",
                        ),
                    ),
                    data=indicator,
                )
        self._show_records()

    @on(Tree.NodeHighlighted, "#indicators")
    def _indicator_chosen(self, event: Tree.NodeHighlighted[Indicator | None]) -> None:
        self.indicator = event.node.data
        self._show_records()

    def _show_records(self) -> None:
        indicator = self.indicator
        table = self.query_one("#evidence", DataTable)
        table.clear()
        if indicator is None:
            self.query_one("#indicator-title", Static).update(
                _("Choose an indicator to see its records.")
            )
            return
        self.records = queries.list_records(
            self.store.engine,
            "duty_evidence",
            where={"indicator_code": indicator.code},
            org_prefix=self._unit(),
            order_by=("occurred_on",),
            descending=True,
        )
        self.query_one("#indicator-title", Static).update(
            _("{code}: evidence expected: {evidence}").format(
                code=indicator.code, evidence=indicator.evidence
            )
        )
        for record in self.records:
            table.add_row(
                record["occurred_on"] or "—",
                record["description"].splitlines()[0] if record["description"] else "",
                str(len(record["attachments"] or [])),
                key=record["id"],
            )
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#evidence")
    def _record_chosen(self) -> None:
        self.refresh_bindings()

    def chosen(self) -> dict[str, Any] | None:
        """The evidence record under the records table's cursor."""
        if not self.is_mounted or self.indicator is None:
            return None
        table = self.query_one("#evidence", DataTable)
        if not self.records or table.cursor_row >= len(self.records):
            return None
        return self.records[table.cursor_row]

    def _chosen_id(self) -> str | None:
        record = self.chosen()
        return None if record is None else str(record["id"])

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return may_edit(self, self._chosen_id(), ("description",))
        if action == "delete":
            return may_delete(self, self._chosen_id())
        if action == "history":
            return self._chosen_id() is not None
        if action == "scores":
            identity = self.store.identity
            if identity is None:
                return False
            # A unit's clerk sees its own items, when the duty list scores its kind.
            return identity.role != "clerk" or _scored(identity.org_code)
        if action == "new":
            identity = self.store.identity
            if identity is not None and identity.role == "support":
                return False
            return self.indicator is not None
        return True

    def action_new(self) -> None:
        """Record evidence for the chosen indicator."""
        indicator = self.indicator
        if indicator is None:
            return
        self.app.push_screen(
            RecordForm(
                "duty_evidence",
                evidence_fields(),
                title=f"{indicator.code} {indicator.name}",
                values={"occurred_on": self.sanwu.today().isoformat()},
                fixed={"indicator_code": indicator.code},
            )
        )

    def action_edit(self) -> None:
        """Edit the chosen evidence record."""
        record = self.chosen()
        if record is None:
            return
        self.app.push_screen(
            RecordForm(
                "duty_evidence",
                evidence_fields(),
                title=_("Edit: {code}").format(code=record["indicator_code"]),
                record_id=record["id"],
                values=record,
            ),
            lambda _id: self.refresh_data(),
        )

    def action_delete(self) -> None:
        """Delete the chosen evidence record, after asking."""
        record = self.chosen()
        if record is not None:
            lines = str(record["description"] or "").splitlines() or [""]
            what = f"{record['occurred_on'] or ''} {lines[0]}".strip()
            ask_delete(self, record["id"], what, self.refresh_data)

    def action_history(self) -> None:
        """The chosen evidence record's whole history."""
        show_history(self, self._chosen_id())

    def action_scores(self) -> None:
        """Scores, ranks and missing items: the table, or a unit's own items."""
        identity = self.store.identity
        if identity is None:
            return
        year = self.sanwu.today().year
        if identity.role == "clerk":
            self.app.push_screen(DutyUnitScreen(identity.org_code, year))
        else:
            self.app.push_screen(DutyScoresScreen(year))
