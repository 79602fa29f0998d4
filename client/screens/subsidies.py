"""Subsidies: projects of the seven categories, each moved one stage at a time with a date;
its payment lines with ID numbers and accounts masked; totals per project."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Select, Static

from client import queries
from client.errors import StoreError, ValidationFailed
from client.i18n import N_, _, label
from client.labels import choice_options, errors_text, shown, yuan
from client.screens.base import SanwuScreen
from client.screens.form import FormField, RecordForm, form_fields
from client.screens.import_file import ImportScreen
from client.screens.payment_form import PaymentForm, over_plan_text
from client.screens.record_actions import ask_delete, may_delete, may_edit, show_history
from client.widgets.literal import LiteralStatic
from client.widgets.paged_table import PagedTable
from client.widgets.value_dialog import ValueDialog

STAGES = ("planning", "allocation", "review", "disbursement", "closed")
STAGE_DATES = {
    "planning": "planned_on",
    "allocation": "allocated_on",
    "review": "reviewed_on",
    "disbursement": "disbursed_on",
    "closed": "closed_on",
}


def project_fields() -> list[FormField]:
    return form_fields("subsidy_project")


def payment_fields() -> list[FormField]:
    return form_fields("subsidy_payment")


class SubsidiesScreen(SanwuScreen):
    """Projects (top) and the chosen project's payment lines (bottom)."""

    MODE = "subsidies"
    HELP = N_("Subsidies: projects by category, stages one step at a time, payments masked.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_project", "New project", id="subsidy-new", tooltip="Add a project"),
        Binding("p", "new_payment", "New payment", id="payment-new", tooltip="Add a payment"),
        Binding("a", "advance", "Next stage", id="subsidy-advance", tooltip="Move one stage on"),
        Binding("e", "edit_project", "Edit", id="subsidy-edit", tooltip="Edit the project"),
        Binding(
            "m",
            "edit_payment",
            "Edit payment",
            id="payment-edit",
            show=False,  # F1 lists it: the footer has room at 80 columns for the rest
            tooltip="Edit the chosen payment",
        ),
        Binding(
            "d",
            "delete_payment",
            "Delete payment",
            id="payment-delete",
            show=False,
            tooltip="Delete the chosen payment (asks first)",
        ),
        Binding(
            "D",
            "delete_project",
            "Delete project",
            id="subsidy-delete",
            show=False,  # in F1 with the payments' edit and delete: the footer is full at 80
            tooltip="Delete the chosen project (asks first)",
        ),
        Binding(
            "h",
            "history",
            "History",
            id="subsidy-history",
            show=False,
            tooltip="The chosen payment's history (project's from the projects list)",
        ),
        Binding(
            "i",
            "import",
            "Import",
            id="subsidy-import",
            tooltip="Import a table: payments of the chosen project, or projects",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.projects: list[dict[str, Any]] = []
        self.payments: dict[str, list[dict[str, Any]]] = {}
        self.lines: list[dict[str, Any]] = []
        """The payment lines shown, in the order of their table."""

    def compose_body(self) -> ComposeResult:
        yield Select(
            choice_options("subsidy_project", "category"), prompt=_("All categories"), id="category"
        )
        yield PagedTable(id="projects", cursor_type="row", zebra_stripes=True)
        yield LiteralStatic("", id="project-totals", classes="section-title")
        yield PagedTable(id="payments", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        projects = self.query_one("#projects", DataTable)
        projects.add_column(_("Project"))
        projects.add_column(_("Category"), width=12)
        projects.add_column(_("Stage"), width=8)
        projects.add_column(_("Total (yuan)"), width=12)
        payments = self.query_one("#payments", DataTable)
        payments.add_column(_("Recipient"), width=8)
        payments.add_column(_("ID number"), width=18)
        payments.add_column(_("Amount (yuan)"), width=11)
        payments.add_column(_("Method"), width=6)
        payments.add_column(_("Account"), width=8)
        payments.add_column(_("Paid on"), width=10)
        projects.focus()

    def refresh_data(self) -> None:
        super().refresh_data()
        category = self.query_one("#category", Select).value
        where = {} if category is Select.NULL else {"category": category}
        self.projects = queries.list_records(
            self.store.engine, "subsidy_project", where=where, order_by=("name",)
        )
        self.payments = {}
        for payment in self.store.list_records("subsidy_payment"):
            self.payments.setdefault(payment["project_id"], []).append(payment)
        table = self.query_one("#projects", DataTable)
        row = table.cursor_row
        table.clear()
        for project in self.projects:
            table.add_row(
                project["name"],
                label("subsidy_project", "category", project["category"]),
                label("subsidy_project", "stage", project["stage"]),
                yuan(project["total_fen"]),
                key=project["id"],
            )
        if self.projects:
            table.move_cursor(row=min(row, len(self.projects) - 1))
        self._show_payments()

    def chosen(self) -> dict[str, Any] | None:
        table = self.query_one("#projects", DataTable)
        if not self.projects or table.cursor_row >= len(self.projects):
            return None
        return self.projects[table.cursor_row]

    @on(DataTable.RowHighlighted, "#projects")
    def _show_payments(self) -> None:
        project = self.chosen()
        lines = self.payments.get(project["id"], []) if project else []
        self.lines = lines
        table = self.query_one("#payments", DataTable)
        row = table.cursor_row
        table.clear()
        for line in lines:
            table.add_row(
                shown("subsidy_payment", "recipient_name", line["recipient_name"]),
                shown("subsidy_payment", "id_number", line["id_number"]),
                yuan(line["amount_fen"]),
                label("subsidy_payment", "method", line["method"]),
                shown("subsidy_payment", "account", line["account"]),
                line["paid_on"] or "—",
                key=line["id"],
            )
        if lines:
            table.move_cursor(row=min(row, len(lines) - 1))
        totals, over = "", ""
        if project is not None:
            paid = sum(line["amount_fen"] for line in lines)
            totals = _("{name}: planned {total} yuan, paid {paid} yuan to {n} recipients").format(
                name=project["name"],
                total=yuan(project["total_fen"]),
                paid=yuan(paid),
                n=len(lines),
            )
            over = over_plan_text(project["total_fen"], paid)
            if over:
                totals = f"{totals} — {over}"
        shown_totals = self.query_one("#project-totals", Static)
        shown_totals.update(totals)
        shown_totals.set_class(bool(over), "-over-plan")
        self.refresh_bindings()  # the keys follow the chosen project and payment

    @on(DataTable.RowHighlighted, "#payments")
    def _payment_chosen(self) -> None:
        self.refresh_bindings()

    @on(Select.Changed, "#category")
    def _category_chosen(self) -> None:
        self.refresh_data()

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        identity = self.store.identity
        if action == "history":
            return self._history_id() is not None
        if identity is not None and identity.role == "support" and action != "refresh":
            return False
        if action == "edit_payment":
            payment = self.chosen_payment()
            return may_edit(self, payment["id"] if payment else None, ("amount_fen",))
        if action == "delete_payment":
            payment = self.chosen_payment()
            return may_delete(self, payment["id"] if payment else None)
        if action in ("delete_project", "edit_project"):
            project = self.chosen()
            if project is None:
                return False
            if action == "edit_project":
                return may_edit(self, project["id"], ("name",))
            # A project with payments keeps them: they are deleted one by one first.
            return not self.payments.get(project["id"]) and may_delete(self, project["id"])
        if action in ("new_payment", "advance"):
            project = self.chosen()
            if project is None:
                return False
            if action == "advance":
                return bool(project["stage"] != "closed")
        return True

    def action_import(self) -> None:
        """Import a legacy table: the chosen project's payment list, or projects."""
        project = self.chosen()
        if project is None:
            self.app.push_screen(ImportScreen(kind="subsidy_project"))
        else:
            self.app.push_screen(
                ImportScreen(kind="subsidy_payment", values={"project_id": project["id"]})
            )

    def action_new_project(self) -> None:
        """Add a project."""
        self.app.push_screen(
            RecordForm(
                "subsidy_project",
                project_fields(),
                title=_("New subsidy project"),
                values={"planned_on": self.sanwu.today().isoformat()},
            )
        )

    def action_edit_project(self) -> None:
        """Edit the chosen project."""
        project = self.chosen()
        if project is not None:
            self.app.push_screen(
                RecordForm(
                    "subsidy_project",
                    project_fields(),
                    title=_("Edit subsidy project"),
                    record_id=project["id"],
                    values=project,
                )
            )

    def action_new_payment(self) -> None:
        """Add a payment line to the chosen project."""
        project = self.chosen()
        if project is None:
            return
        paid = sum(line["amount_fen"] for line in self.payments.get(project["id"], []))
        self.app.push_screen(
            PaymentForm(
                payment_fields(),
                title=_("New payment: {project}").format(project=project["name"]),
                plan_fen=project["total_fen"],
                paid_elsewhere_fen=paid,
                values={"paid_on": self.sanwu.today().isoformat(), "method": "one_card"},
                fixed={"project_id": project["id"], "org_code": project["org_code"]},
            )
        )

    def chosen_payment(self) -> dict[str, Any] | None:
        """The payment line under the payments table's cursor."""
        table = self.query_one("#payments", DataTable)
        if not self.lines or table.cursor_row >= len(self.lines):
            return None
        return self.lines[table.cursor_row]

    def action_edit_payment(self) -> None:
        """Edit the chosen payment line; the plan warning counts it once."""
        project, line = self.chosen(), self.chosen_payment()
        if project is None or line is None:
            return
        paid = sum(other["amount_fen"] for other in self.lines if other["id"] != line["id"])
        self.app.push_screen(
            PaymentForm(
                payment_fields(),
                title=_("Edit payment: {project}").format(project=project["name"]),
                plan_fen=project["total_fen"],
                paid_elsewhere_fen=paid,
                record_id=line["id"],
                values=line,
            )
        )

    def action_delete_payment(self) -> None:
        """Delete the chosen payment line, after asking (it goes on every device)."""
        line = self.chosen_payment()
        if line is None:
            return
        question = _(
            "Delete the payment of {amount} yuan to {name}? It is deleted on every device "
            "at the next sync."
        ).format(
            amount=yuan(line["amount_fen"]),
            name=shown("subsidy_payment", "recipient_name", line["recipient_name"]),
        )
        ask_delete(self, line["id"], "", self.refresh_data, question=question)

    def _history_id(self) -> str | None:
        """The payment chosen when the payments list has the focus, else the project."""
        if not self.is_mounted:
            return None
        payment = self.chosen_payment()
        if payment is not None and self.query_one("#payments", DataTable).has_focus:
            return str(payment["id"])
        project = self.chosen()
        return None if project is None else str(project["id"])

    def action_history(self) -> None:
        """The whole history of the chosen payment or project."""
        show_history(self, self._history_id())

    def action_delete_project(self) -> None:
        """Delete the chosen project (one without payments), after asking."""
        project = self.chosen()
        if project is not None:
            ask_delete(self, project["id"], project["name"], self.refresh_data)

    def action_advance(self) -> None:
        """Move the chosen project one stage on, with the date it happened."""
        project = self.chosen()
        if project is None or project["stage"] == "closed":
            return
        following = STAGES[STAGES.index(project["stage"]) + 1]
        date_field = STAGE_DATES[following]

        def dated(text: str | None) -> None:
            if text is None:
                return
            try:
                self.store.edit(project["id"], {"stage": following, date_field: text})
            except ValidationFailed as exc:
                self.notify(
                    errors_text("subsidy_project", exc.errors),
                    severity="error",
                )
                return
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(
                _("Moved to {stage}.").format(stage=label("subsidy_project", "stage", following))
            )
            self.refresh_data()

        title = _("{stage}: on which date?").format(
            stage=label("subsidy_project", "stage", following)
        )
        self.app.push_screen(ValueDialog(title, self.sanwu.today().isoformat()), dated)
