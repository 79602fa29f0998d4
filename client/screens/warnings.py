"""Warnings and rectification: my unit's warnings with a countdown, sign for receipt, report
progress; a supervisor issues warnings, suggestions and reminder letters and verifies."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from client import queries
from client.errors import StoreError, ValidationFailed
from client.i18n import N_, _, label
from client.screens.base import SanwuScreen
from client.screens.conflicts import ValueDialog
from client.screens.form import FormField, RecordForm, errors_text, form_fields
from client.screens.home import days_left
from models.orgs import in_scope, load_org_units

REPLY_DAYS = {"reminder_letter": 7, "warning": 10, "suggestion": 15, "notice": 15}
"""Local practice: a reminder answered in 7 days, a written report in 10, a plan in 15."""


def feedback_fields() -> list[FormField]:
    return form_fields("feedback")


def warning_fields(scope: str) -> list[FormField]:
    units = tuple(
        (f"{unit.name} {unit.code}", unit.code)
        for unit in load_org_units()
        if in_scope(unit.code, scope) and unit.level not in ("district", "town")
    )
    return form_fields("warning", units=units)


class WarningsScreen(SanwuScreen):
    """Warnings (top) and the chosen warning's feedback (bottom)."""

    MODE = "warnings"
    HELP = N_("Warnings: sign for receipt, report rectification; supervisors issue and verify.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "sign", "Sign", id="warning-sign", tooltip="Sign for receipt"),
        Binding("f", "feedback", "Feedback", id="warning-feedback", tooltip="Report progress"),
        Binding("i", "issue", "Issue", id="warning-issue", tooltip="Issue a warning or letter"),
        Binding("v", "verdict('accepted')", "Accept", id="feedback-accept", tooltip="Accept"),
        Binding("x", "verdict('returned')", "Return", id="feedback-return", tooltip="Return"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        yield Static("", id="warnings-count", classes="section-title")
        yield DataTable(id="warnings", cursor_type="row", zebra_stripes=True)
        yield Static("", id="warning-problems")
        yield DataTable(id="feedback", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        warnings = self.query_one("#warnings", DataTable)
        warnings.add_column(_("Title"))
        warnings.add_column(_("Type"), width=8)
        warnings.add_column(_("Status"), width=6)
        warnings.add_column(_("Reply by"), width=10)
        warnings.add_column(_("Left"), width=10)
        feedback = self.query_one("#feedback", DataTable)
        feedback.add_column(_("Reported"), width=10)
        feedback.add_column(_("Progress"))
        feedback.add_column(_("Done"), width=4)
        feedback.add_column(_("Verdict"), width=6)
        warnings.focus()

    def _role(self) -> str:
        identity = self.store.identity
        return identity.role if identity else ""

    def refresh_data(self) -> None:
        super().refresh_data()
        today = self.sanwu.today()
        self.warnings = queries.list_records(self.store.engine, "warning", order_by=("reply_due",))
        open_count = sum(w["status"] != "closed" for w in self.warnings)
        self.query_one("#warnings-count", Static).update(
            _("Warnings: {n} open of {total}").format(n=open_count, total=len(self.warnings))
        )
        table = self.query_one("#warnings", DataTable)
        row = table.cursor_row
        table.clear()
        for warning in self.warnings:
            due = warning["reply_due"]
            left = ""
            if due and warning["status"] != "closed":
                left = days_left(date.fromisoformat(due), today)
            table.add_row(
                warning["title"],
                label("warning", "doc_type", warning["doc_type"]),
                label("warning", "status", warning["status"]),
                due or "—",
                left,
                key=warning["id"],
            )
        if self.warnings:
            table.move_cursor(row=min(row, len(self.warnings) - 1))
        self._show_feedback()

    def chosen(self) -> dict[str, Any] | None:
        table = self.query_one("#warnings", DataTable)
        if not self.warnings or table.cursor_row >= len(self.warnings):
            return None
        return self.warnings[table.cursor_row]

    def chosen_feedback(self) -> dict[str, Any] | None:
        table = self.query_one("#feedback", DataTable)
        if not self.feedback or table.cursor_row >= len(self.feedback):
            return None
        return self.feedback[table.cursor_row]

    @on(DataTable.RowHighlighted, "#warnings")
    def _show_feedback(self) -> None:
        warning = self.chosen()
        self.feedback = (
            queries.list_records(
                self.store.engine,
                "feedback",
                where={"warning_id": warning["id"]},
                order_by=("reported_on",),
            )
            if warning
            else []
        )
        self.query_one("#warning-problems", Static).update(
            f"{warning['problems']}" if warning else ""
        )
        table = self.query_one("#feedback", DataTable)
        table.clear()
        for item in self.feedback:
            table.add_row(
                item["reported_on"] or "—",
                (item["progress"] or "").replace("\n", " "),
                _("yes") if item["completed"] else _("no"),
                label("feedback", "verdict", item["verdict"]) or "—",
                key=item["id"],
            )

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        role = self._role()
        if role == "support":
            return action == "refresh"
        warning = self.chosen()
        if action == "sign":
            return warning is not None and warning["status"] == "issued" and role != "supervisor"
        if action == "feedback":
            return (
                warning is not None
                and warning["status"] not in ("closed",)
                and (role != "supervisor")
            )
        if action == "issue":
            return role in ("supervisor", "town", "")
        if action == "verdict":
            return role in ("supervisor", "") and warning is not None
        return True

    def _edit(self, kind: str, record_id: str, values: dict[str, Any]) -> bool:
        try:
            self.store.edit(record_id, values)
        except ValidationFailed as exc:
            self.notify(errors_text(kind, exc.errors), severity="error")
            return False
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return False
        return True

    def action_sign(self) -> None:
        """Sign for receipt of the chosen warning."""
        warning = self.chosen()
        if warning is not None and self._edit("warning", warning["id"], {"status": "received"}):
            self.notify(_("Signed for receipt."))
            self.refresh_data()

    def action_feedback(self) -> None:
        """Report rectification progress on the chosen warning."""
        warning = self.chosen()
        if warning is None:
            return

        def saved(record_id: str | None) -> None:
            if record_id is None:
                return
            _kind, feedback = self.store.get(record_id)
            status = "verifying" if feedback["completed"] else "rectifying"
            if warning["status"] != status:
                self._edit("warning", warning["id"], {"status": status})
            self.refresh_data()

        self.app.push_screen(
            RecordForm(
                "feedback",
                feedback_fields(),
                title=_("Feedback on: {title}").format(title=warning["title"]),
                values={"reported_on": self.sanwu.today().isoformat()},
                fixed={"warning_id": warning["id"], "org_code": warning["org_code"]},
            ),
            saved,
        )

    def action_issue(self) -> None:
        """Issue a warning, supervision suggestion or reminder letter to a unit."""
        identity = self.store.identity
        today = self.sanwu.today()
        self.app.push_screen(
            RecordForm(
                "warning",
                warning_fields(identity.scope if identity else "150202"),
                title=_("Issue a warning or letter"),
                values={
                    "doc_type": "suggestion",
                    "issued_on": today.isoformat(),
                    "reply_due": (today + timedelta(days=REPLY_DAYS["suggestion"])).isoformat(),
                },
                fixed={"issued_by": identity.org_name if identity else ""},
            )
        )

    def action_verdict(self, verdict: str) -> None:
        """Accept or return the chosen feedback (closes or returns the warning)."""
        warning = self.chosen()
        item = self.chosen_feedback() or (self.feedback[-1] if self.feedback else None)
        if warning is None or item is None:
            self.notify(_("No feedback to verify yet."), severity="warning")
            return

        def noted(note: str | None) -> None:
            if note is None:
                return
            if not self._edit("feedback", item["id"], {"verdict": verdict, "verdict_note": note}):
                return
            status = "closed" if verdict == "accepted" else "returned"
            self._edit("warning", warning["id"], {"status": status})
            self.notify(label("warning", "status", status))
            self.refresh_data()

        title = _("Accept: a note (optional)") if verdict == "accepted" else _("Return: why?")
        self.app.push_screen(ValueDialog(title, ""), noted)
