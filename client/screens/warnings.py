"""Warnings and rectification (预警·反馈): the documents sent to units, each unit's own
progress, and the verdicts. A unit signs, reports progress problem by problem and
reports the work done; a supervising level issues (to one or several units at once),
accepts or returns with the reason the unit then reads. Each key takes one step of
``models.rules.warnings`` through the store; a key this device may not use on the
chosen warning is not offered."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Checkbox, DataTable, Select, Static

from client import queries
from client.errors import RuleRefused, StoreError, ValidationFailed
from client.i18n import N_, _, label
from client.labels import choice_options, errors_text, refusal_text, unit_name
from client.screens.base import SanwuScreen
from client.screens.form import FormField, RecordForm, form_fields
from client.screens.home import days_left
from client.screens.record_actions import ask_delete, may_delete, may_edit, show_history
from client.store.supervision import REPLY_DAYS
from client.widgets.literal import LiteralStatic
from client.widgets.paged_table import STRETCH_MIN, PagedTable
from client.widgets.ticks import TickBox
from client.widgets.value_dialog import ValueDialog
from models.orgs import in_scope, load_org_units
from models.rules.actors import side_of
from models.rules.refusals import Refused
from models.rules.warnings import Step, is_open, owes_reply, plan, problem_items

EDITED = ("title", "problems")
"""Fields the edit key is offered for when the rule lets this device change them: the
supervising side's, before the unit signs."""


def warning_fields(scope: str) -> list[FormField]:
    """The issue form: the units (several at once) and the document's content."""
    units = tuple(
        (f"{unit.name} {unit.code}", unit.code)
        for unit in load_org_units()
        if in_scope(unit.code, scope) and unit.level not in ("district", "town")
    )
    return [
        FormField("units", N_("Units"), "multi", units),
        *form_fields("warning", fixed=("issued_by",)),
    ]


class IssueForm(RecordForm):
    """Issue one document to each unit chosen: one warning record per unit."""

    def save(self, values: Mapping[str, Any]) -> str:
        fields = dict(values)
        units = list(fields.pop("units", []) or [])
        if not units:
            from models.fields import FieldError

            raise ValidationFailed([FieldError("units", "required", "units is required")])
        made = self.store.supervision.issue(units, {**self.fixed, **fields}, today=self.today)
        return made[0]

    @property
    def today(self) -> date:
        return self.sanwu.today()


class ReportForm(RecordForm):
    """The unit's report on a warning: progress, the problems rectified, evidence; ticked
    done, it asks for verification (the warning goes to 待验收)."""

    def __init__(self, warning: dict[str, Any], *, today: date) -> None:
        items = problem_items(str(warning.get("problems") or ""))
        choices = tuple((f"{n}. {text}", str(n)) for n, text in enumerate(items, start=1))
        fields = [
            FormField(spec.name, spec.label, "multi", choices) if spec.name == "rectified" else spec
            for spec in form_fields("feedback", fixed=("reported_on",))
        ]
        super().__init__(
            "feedback",
            fields,
            title=_("Feedback on: {title}").format(title=warning["title"]),
            fixed={"warning_id": warning["id"]},
        )
        self.warning = warning
        self.today = today

    def save(self, values: Mapping[str, Any]) -> str:
        step = Step.COMPLETE if values.get("completed") else Step.REPORT
        done = self.store.supervision.step(
            self.warning["id"],
            step,
            today=self.today,
            progress=str(values.get("progress") or ""),
            rectified=list(values.get("rectified") or []),
            attachments=list(values.get("attachments") or []),
        )
        return done.feedback_id or self.warning["id"]


class WarningsScreen(SanwuScreen):
    """Warnings (top, with filters) and the chosen warning's problems and feedback."""

    MODE = "warnings"
    HELP = N_("Warnings: sign, report problem by problem; supervisors issue, accept or return.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "step('sign')", "Sign", id="warning-sign", tooltip="Sign for receipt"),
        Binding("f", "report", "Feedback", id="warning-feedback", tooltip="Report progress"),
        Binding("i", "issue", "Issue", id="warning-issue", tooltip="Issue to one or more units"),
        Binding("v", "verdict('accept')", "Accept", id="feedback-accept", tooltip="Accept"),
        Binding("x", "verdict('return')", "Return", id="feedback-return", tooltip="Return"),
        Binding("e", "edit", "Edit", id="warning-edit", tooltip="Edit before the unit signs"),
        Binding(
            "d",
            "delete",
            "Withdraw warning",
            id="warning-delete",
            tooltip="Withdraw a warning issued by mistake, before the unit signs (asks first)",
        ),
        Binding("h", "history", "History", id="warning-history", tooltip="The warning's history"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="warning-filters"):
            yield Select(choice_options("warning", "doc_type"), prompt=_("Type"), id="w-type")
            yield Select(choice_options("warning", "status"), prompt=_("Status"), id="w-status")
            units = self._unit_choices()
            if len(units) > 1:
                yield Select(units, prompt=_("Unit"), id="w-unit")
            yield TickBox(_("Overdue"), id="w-overdue")
        yield Static("", id="warnings-count", classes="section-title")
        yield PagedTable(id="warnings", cursor_type="row", zebra_stripes=True, stretch="title")
        yield LiteralStatic("", id="warning-problems")
        yield PagedTable(id="feedback", cursor_type="row", zebra_stripes=True, stretch="progress")

    def _unit_choices(self) -> tuple[tuple[str, str], ...]:
        identity = self.store.identity
        if identity is None:
            return ()
        return tuple(
            (unit.name, unit.code)
            for unit in load_org_units()
            if in_scope(unit.code, identity.scope) and unit.level not in ("district", "town")
        )

    def on_mount(self) -> None:
        warnings = self.query_one("#warnings", PagedTable)
        warnings.add_column(_("Title"), width=STRETCH_MIN, key="title")
        warnings.add_column(_("Unit"), width=8)
        warnings.add_column(_("Type"), width=10)
        warnings.add_column(_("Status"), width=6)
        warnings.add_column(_("Left"), width=12)
        feedback = self.query_one("#feedback", PagedTable)
        feedback.add_column(_("Reported"), width=10)
        feedback.add_column(_("Progress"), width=STRETCH_MIN, key="progress")
        feedback.add_column(_("Done"), width=4)
        feedback.add_column(_("Verdict"), width=8)
        warnings.fit_columns()
        feedback.fit_columns()
        warnings.focus()
        super().on_mount()

    # ---- reading ------------------------------------------------------------------------

    def _filter(self) -> queries.WarningFilter:
        def chosen(selector: str) -> str:
            found = [s.value for s in self.query(selector).results(Select)]
            return "" if not found or found[0] is Select.NULL else str(found[0])

        overdue = self.query_one("#w-overdue", Checkbox).value
        return queries.WarningFilter(
            doc_type=chosen("#w-type"),
            status=chosen("#w-status"),
            unit=chosen("#w-unit"),
            overdue=overdue,
        )

    def refresh_data(self) -> None:
        super().refresh_data()
        today = self.sanwu.today()
        every = queries.list_records(self.store.engine, "warning", order_by=("reply_due",))
        self.warnings = queries.filter_warnings(every, self._filter(), today)
        open_count = sum(is_open(w) for w in self.warnings)
        self.query_one("#warnings-count", Static).update(
            _("Warnings: {n} open of {total}").format(n=open_count, total=len(self.warnings))
        )
        table = self.query_one("#warnings", DataTable)
        row = table.cursor_row
        table.clear()
        for warning in self.warnings:
            # Days left (or late) only while the unit owes its answer: the overdue
            # filter's and the figure's rule (models.rules.warnings.is_overdue).
            left = ""
            if owes_reply(warning):
                left = days_left(date.fromisoformat(warning["reply_due"]), today)
            table.add_row(
                warning["title"],
                unit_name(warning["org_code"], short=True),
                label("warning", "doc_type", warning["doc_type"]),
                label("warning", "status", warning["status"]),
                left,
                key=warning["id"],
            )
        if self.warnings:
            table.move_cursor(row=min(row, len(self.warnings) - 1))
        self._show_feedback()
        self.refresh_bindings()

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _filters_changed(self) -> None:
        self.refresh_data()

    def chosen(self) -> dict[str, Any] | None:
        table = self.query_one("#warnings", DataTable)
        if not self.warnings or table.cursor_row >= len(self.warnings):
            return None
        return self.warnings[table.cursor_row]

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
            problems_text(warning) if warning else ""
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
        self.refresh_bindings()

    # ---- which keys this device may use on the chosen warning ------------------------------

    def _allowed(self, step: Step) -> bool:
        warning = self.chosen()
        identity = self.store.identity
        if warning is None or identity is None:
            return False
        side = side_of(identity.actor(), str(warning["org_code"]))
        waiting = next(
            (f for f in reversed(self.feedback) if f["completed"] and not f["verdict"]), None
        )
        try:
            plan(step, warning, side=side, today=self.sanwu.today(), feedback=waiting, note="x")
        except Refused:
            return False
        return True

    def _chosen_id(self) -> str | None:
        warning = self.chosen() if self.is_mounted else None
        return None if warning is None else str(warning["id"])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        identity = self.store.identity
        if action == "edit":
            return may_edit(self, self._chosen_id(), EDITED)
        if action == "delete":
            return may_delete(self, self._chosen_id())
        if action == "history":
            return self._chosen_id() is not None
        if action == "issue":
            return identity is not None and identity.role in ("supervisor", "town")
        if action == "step":
            return self._allowed(Step(str(parameters[0])))
        if action == "report":
            return self._allowed(Step.REPORT)
        if action == "verdict":
            return self._allowed(Step(str(parameters[0])))
        return True

    # ---- steps ----------------------------------------------------------------------------

    def _take(self, warning: dict[str, Any], step: Step, **kwargs: Any) -> bool:
        try:
            self.store.supervision.step(warning["id"], step, today=self.sanwu.today(), **kwargs)
        except RuleRefused as exc:
            self.notify(refusal_text(exc.kind, exc.refusal), severity="error")
            return False
        except ValidationFailed as exc:
            self.notify(errors_text("warning", exc.errors), severity="error")
            return False
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return False
        return True

    def action_step(self, step: str) -> None:
        """Sign for receipt of the chosen warning."""
        warning = self.chosen()
        if warning is not None and self._take(warning, Step(step)):
            self.notify(_("Signed for receipt."))
            self.refresh_data()

    def action_report(self) -> None:
        """Report rectification progress on the chosen warning."""
        warning = self.chosen()
        if warning is None:
            return

        def saved(record_id: str | None) -> None:
            if record_id is not None:
                self.refresh_data()

        self.app.push_screen(ReportForm(warning, today=self.sanwu.today()), saved)

    def action_issue(self) -> None:
        """Issue a warning, supervision suggestion or reminder letter to units."""
        identity = self.store.identity
        today = self.sanwu.today()
        self.app.push_screen(
            IssueForm(
                "warning",
                warning_fields(identity.scope if identity else "150202"),
                title=_("Issue a warning or letter"),
                values={
                    "doc_type": "suggestion",
                    "issued_on": today.isoformat(),
                    "reply_due": date.fromordinal(
                        today.toordinal() + REPLY_DAYS["suggestion"]
                    ).isoformat(),
                },
                fixed={"issued_by": identity.org_name if identity else ""},
            ),
            lambda _id: self.refresh_data(),
        )

    def action_edit(self) -> None:
        """Edit the chosen warning's content, before the unit signs for it."""
        warning = self.chosen()
        if warning is None:
            return
        self.app.push_screen(
            RecordForm(
                "warning",
                form_fields("warning", fixed=("issued_by",)),
                title=_("Edit: {title}").format(title=warning["title"]),
                record_id=warning["id"],
                values=warning,
            ),
            lambda _id: self.refresh_data(),
        )

    def action_delete(self) -> None:
        """Withdraw (delete) the chosen warning, after asking."""
        warning = self.chosen()
        if warning is not None:
            what = f"{unit_name(warning['org_code'], short=True)} {warning['title']}"
            ask_delete(self, warning["id"], what, self.refresh_data)

    def action_history(self) -> None:
        """The chosen warning's whole history."""
        show_history(self, self._chosen_id())

    def action_verdict(self, step: str) -> None:
        """Accept the waiting report (closes the warning) or return it with a reason."""
        warning = self.chosen()
        if warning is None:
            return
        accepting = Step(step) is Step.ACCEPT

        def noted(note: str | None) -> None:
            if note is None:
                return
            if not accepting and not note.strip():
                self.notify(_("Say why it is returned: the unit reads it."), severity="error")
                return
            if self._take(warning, Step(step), note=note.strip()):
                status = "closed" if accepting else "returned"
                self.notify(label("warning", "status", status))
                self.refresh_data()

        title = _("Accept: a note (optional)") if accepting else _("Return: why?")
        self.app.push_screen(ValueDialog(title, ""), noted)


def problems_text(warning: dict[str, Any]) -> str:
    """A warning's problems one per line, numbered, those accepted as rectified marked;
    a returned warning's reason after them."""
    done = set(warning.get("rectified") or ())
    lines = [
        f"{'✔' if str(n) in done else '·'} {n}. {text}"
        for n, text in enumerate(problem_items(str(warning.get("problems") or "")), start=1)
    ]
    if warning.get("status") == "returned" and warning.get("return_reason"):
        lines.append(_("Returned: {reason}").format(reason=warning["return_reason"]))
    return "\n".join(lines)
