"""Home: what to do next. Catalogue items due and overdue with traffic lights, open
warnings with their reply deadlines, and the sync line. Town staff choose a village."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Select, Static

from client import queries
from client.errors import RuleRefused
from client.i18n import N_, _, label, language
from client.labels import refusal_text, unit_name
from client.screens.base import SanwuScreen
from client.screens.disclosure_form import DisclosureForm, unit_choices
from client.widgets.literal import LiteralStatic
from client.widgets.paged_table import STRETCH_MIN, PagedTable
from models.orgs import in_scope, org_by_code
from models.rules.actors import SUPERVISING_ROLES
from models.rules.warnings import is_overdue, owes_reply

LIGHTS: dict[str, tuple[str, str, str]] = {
    "red": ("●", "red", N_("late")),
    "yellow": ("●", "yellow", N_("due soon")),
    "green": ("●", "green", N_("done")),
    "": ("○", "dim", N_("not yet due")),
}


def light_cell(light: str) -> Text:
    """A coloured dot with a word, so the light reads without colour too."""
    dot, style, word = LIGHTS[light]
    return Text.assemble((dot, style), " ", (_(word), style if light else ""))


def days_left(deadline: date, today: date) -> str:
    days = (deadline - today).days
    if days < 0:
        return _("{n} days late").format(n=-days)
    if days == 0:
        return _("due today")
    return _("{n} days left").format(n=days)


TOWN_WIDE = "*"
"""The town's choice of every village at once (its home's first view)."""
OWES_NOTHING = frozenset({"supervisor", "support"})
"""Roles whose home lists no items due: their level publishes nothing of its own."""
ATTENTION_ROWS = 300
"""The most warnings and reminders the home lists at once."""


class HomeScreen(SanwuScreen):
    """What to do next, for this unit (or each village of a town)."""

    MODE = "home"
    HELP = N_("Home: catalogue items due this period, open warnings, and the sync state.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "record", "Record", id="home-record", tooltip="Record the chosen item"),
        Binding("w", "app.go('warnings')", "Warnings", id="home-warnings", tooltip="Warnings"),
        Binding(
            "y",
            "proposal('confirm')",
            "Issue",
            id="home-confirm",
            tooltip="Issue the warning this reminder proposes",
        ),
        Binding(
            "d",
            "proposal('dismiss')",
            "Dismiss",
            id="home-dismiss",
            tooltip="Do not issue the proposed warning",
        ),
        Binding(
            "b",
            "bulletin",
            "Bulletin",
            id="home-bulletin",
            tooltip="Draft a bulletin from a period's findings",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.reminders: list[dict[str, Any]] = []
        self.villages: tuple[str, ...] = ()

    def compose_body(self) -> ComposeResult:
        identity = self.store.identity
        units = unit_choices(identity.scope) if identity else ()
        self.villages = tuple(code for _label, code in units)
        if units:
            every = (_("Every village of the town"), TOWN_WIDE)
            yield Select((every, *units), value=TOWN_WIDE, allow_blank=False, id="home-village")
        yield LiteralStatic("", id="due-title", classes="section-title")
        yield PagedTable(id="due", cursor_type="row", zebra_stripes=True, stretch="item")
        yield LiteralStatic("", id="warnings-title", classes="section-title")
        yield PagedTable(id="home-warnings", cursor_type="row", zebra_stripes=True, stretch="title")

    def on_mount(self) -> None:
        due = self.query_one("#due", PagedTable)
        due.add_column(_("Light"), width=8)
        if self.query("#home-village"):
            due.add_column(_("Village"), width=10, key="unit")
        due.add_column(_("Item"), width=STRETCH_MIN, key="item")
        due.add_column(_("Period"), width=10)
        due.add_column(_("Deadline"), width=10)
        due.add_column(_("Left"), width=12)
        warnings = self.query_one("#home-warnings", PagedTable)
        warnings.add_column(_("Warning or reminder"), width=STRETCH_MIN, key="title")
        if self._beyond_one_unit():
            # Beyond one unit, each line's unit in its own column (a town's: the village).
            whose = _("Village") if self.query("#home-village") else _("Unit")
            warnings.add_column(whose, width=10, key="unit")
        warnings.add_column(_("Status"), width=8)
        warnings.add_column(_("Due"), width=10)
        warnings.add_column(_("Left"), width=12)
        due.fit_columns()
        warnings.fit_columns()
        identity = self.store.identity
        if identity is not None and identity.role in OWES_NOTHING:
            # The district's office owes no disclosures: its home is what it must decide.
            due.display = False
            self.query_one("#due-title", Static).display = False
        due.focus()

    def unit(self) -> str:
        """The unit shown: the chosen village for town staff, else the device's own."""
        for select in self.query("#home-village").results(Select):
            if select.value is not Select.NULL:
                return str(select.value)
        identity = self.store.identity
        return identity.org_code if identity else ""

    def refresh_data(self) -> None:
        super().refresh_data()
        today = self.sanwu.today()
        unit = self.unit()
        if unit == TOWN_WIDE:
            # Every village's late and nearly-due items in one list, the latest first.
            town = self.store.identity.org_name if self.store.identity else ""
            shown = _("{town}, every village").format(town=town)
            items = [
                due
                for code in self.village_codes()
                for due in queries.due_items(self.store.engine, code, today)
                if due.light in ("red", "yellow")
            ]
            items.sort(key=lambda due: (due.light != "red", due.deadline, due.org_code))
        else:
            org = org_by_code().get(unit)
            shown = org.name if org else unit
            items = queries.due_items(self.store.engine, unit, today)
        counts = {light: sum(d.light == light for d in items) for light in ("red", "yellow")}
        self.query_one("#due-title", Static).update(
            _("{unit}: due now {yellow}, late {red} (today {today})").format(
                unit=shown, yellow=counts["yellow"], red=counts["red"], today=today.isoformat()
            )
        )
        table = self.query_one("#due", DataTable)
        table.clear()
        with_unit = bool(self.query("#home-village"))
        for due in items:
            name = due.item.name_en if language() == "en" else due.item.name
            cells = [
                light_cell(due.light),
                *([unit_name(due.org_code, short=True)] if with_unit else []),
                name,
                due.period,
                due.deadline.isoformat(),
                "" if due.light == "green" else days_left(due.deadline, today),
            ]
            table.add_row(*cells, key=f"{due.item.code}|{due.period}|{due.org_code}")
        self._show_attention(today)

    def village_codes(self) -> list[str]:
        """The units a town device's home covers (every village and community)."""
        return list(self.villages)

    def _attention_scope(self) -> str:
        """Whose warnings and reminders the home lists: the unit's own for a clerk; the
        village a town has chosen (so its counts are the warnings screen's for that
        unit); else all of a supervising level's scope (never its own office as a unit)."""
        identity = self.store.identity
        if identity is None:
            return self.unit()
        if identity.role == "clerk":
            return identity.org_code
        chosen = self.unit()
        if self.query("#home-village") and chosen != TOWN_WIDE:
            return chosen
        return identity.scope

    def _beyond_one_unit(self) -> bool:
        """Whether the home lists more than one unit's work (not a clerk's)."""
        identity = self.store.identity
        return identity is not None and identity.role != "clerk"

    def _bulletins(
        self, scope: str, today: date
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """(issued by this device's own level, naming the unit shown itself, naming other
        units of the scope): a supervising office is not "named" by what it circulates."""
        identity = self.store.identity
        own = identity.org_code if identity else ""
        issued = (
            queries.bulletins_issued(self.store.engine, own, today)
            if identity is not None and identity.role in SUPERVISING_ROLES
            else []
        )
        shown = self.unit() if self.unit() != TOWN_WIDE else own
        others = [
            row
            for row in queries.bulletins_naming(self.store.engine, scope, today)
            if row["org_code"] != own
        ]
        named = [row for row in others if shown in row["named_units"]]
        below = [row for row in others if shown not in row["named_units"]]
        return issued, named, below

    def _show_attention(self, today: date) -> None:
        """Open warnings (a returned one with its reason) and open reminders, in one list:
        what this unit must answer, or what this level must decide."""
        scope = self._attention_scope()
        reviews = [
            row
            for row in queries.waiting_reviews(self.store.engine, scope)
            if self.store.review.waits_here(str(row["org_code"]))
        ]
        # What the reviewing level returned, with its opinion: the unit corrects it.
        corrections = [
            row
            for row in queries.returned_disclosures(self.store.engine, scope)
            if not self.store.review.reviews(str(row["org_code"]))
        ]
        warnings = queries.open_warnings(self.store.engine, scope)
        issued, named, below = self._bulletins(scope, today)
        reminders = queries.open_reminders(self.store.engine, scope)
        # Proposals wait for a decision: first; the rest by deadline, as many as a person
        # reads (a district's supervisor holds thousands; the count says how many).
        reminders.sort(key=lambda r: (r["proposal"] != "proposed", r["due_on"] or ""))
        listed = len(warnings) + len(reviews) + len(corrections)
        listed += len(issued) + len(named) + len(below)
        self.reminders = reminders[: max(0, ATTENTION_ROWS - listed)]
        returned = sum(w["status"] == "returned" for w in warnings)
        overdue = sum(is_overdue(w, today) for w in warnings)
        title = _(
            "Open warnings: {n} (returned {returned}, overdue {overdue}); reminders: {reminders}"
        ).format(n=len(warnings), returned=returned, overdue=overdue, reminders=len(reminders))
        if reviews:
            title = _("Waiting for review: {n}; ").format(n=len(reviews)) + title
        if corrections:
            title = _("Returned to correct: {n}; ").format(n=len(corrections)) + title
        if below:
            title = _("Bulletins naming units here: {n}; ").format(n=len(below)) + title
        if named:
            title = _("Named in bulletins: {n}; ").format(n=len(named)) + title
        if issued:
            title = _("Bulletins issued: {n}; ").format(n=len(issued)) + title
        if len(self.reminders) < len(reminders):
            title += _(" (the first {shown} shown)").format(shown=len(self.reminders))
        self.query_one("#warnings-title", Static).update(title)
        table = self.query_one("#home-warnings", DataTable)
        table.clear()
        with_unit = self._beyond_one_unit()

        def row(key: str, text: str, unit: str, *cells: str) -> None:
            """One line; beyond one unit, whose it is in the unit column."""
            table.add_row(text, *([unit] if with_unit else []), *cells, key=key)

        def whose(record: dict[str, Any]) -> str:
            return unit_name(str(record["org_code"]), short=True)

        def named_here(bulletin: dict[str, Any]) -> str:
            codes = [code for code in bulletin["named_units"] if in_scope(code, scope)]
            return "、".join(unit_name(code, short=True) for code in codes)

        for review in reviews:  # the longest waiting first
            submitted = review["submitted_on"]
            row(
                f"review|{review['id']}",
                _("To review: {title}").format(title=review["title"]),
                whose(review),
                label("disclosure", "status", "submitted"),
                submitted or "—",
                _("waiting {n} days").format(n=(today - date.fromisoformat(submitted)).days)
                if submitted
                else "",
            )
        bulletins = (
            (N_("Issued bulletin: {title}"), issued),  # what this level circulated
            (N_("Bulletin: {title}"), (*named, *below)),  # naming this unit (above: its units)
        )
        for text, group in bulletins:
            for bulletin in group:
                row(
                    f"bulletin|{bulletin['id']}",
                    _(text).format(title=bulletin["title"]),
                    named_here(bulletin),
                    label("bulletin", "status", "issued"),
                    bulletin["issued_on"] or "—",
                    "",
                )
        for correction in corrections:
            row(
                f"review|{correction['id']}",
                _("{title} — returned: {reason}").format(
                    title=correction["title"], reason=correction["return_reason"]
                ),
                whose(correction),
                label("disclosure", "status", "returned"),
                correction["period"],
                "",
            )
        for warning in warnings:
            due_on = warning["reply_due"]
            text = warning["title"]
            if warning["status"] == "returned" and warning["return_reason"]:
                text = _("{title} — returned: {reason}").format(
                    title=text, reason=warning["return_reason"]
                )
            row(
                f"warning|{warning['id']}",
                text,
                whose(warning),
                label("warning", "status", warning["status"]),
                due_on or "—",
                # late or not by the warnings list's rule (a report being verified is not)
                days_left(date.fromisoformat(due_on), today) if owes_reply(warning) else "",
            )
        for reminder in self.reminders:
            due_on = reminder["due_on"]
            step = reminder["step"]
            shown_step = "proposal" if reminder["proposal"] == "proposed" else step
            row(
                f"reminder|{reminder['id']}",
                _("Reminder: {title}").format(title=reminder["title"]),
                whose(reminder),
                label("reminder", "step", step) if shown_step == step else _("to decide"),
                due_on or "—",
                days_left(date.fromisoformat(due_on), today) if due_on else "",
            )
        self.refresh_bindings()

    def _chosen_reminder(self) -> dict[str, Any] | None:
        table = self.query_one("#home-warnings", DataTable)
        if table.row_count == 0:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        kind, _sep, record_id = key.partition("|")
        if kind != "reminder":
            return None
        return next((r for r in self.reminders if r["id"] == record_id), None)

    @on(Select.Changed, "#home-village")
    def _village_chosen(self) -> None:
        self.refresh_data()

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        identity = self.store.identity
        if action == "record":
            return identity is None or identity.role not in OWES_NOTHING
        if action == "bulletin":
            return identity is not None and identity.role in SUPERVISING_ROLES
        if action == "proposal":
            reminder = self._chosen_reminder() if self.is_mounted else None
            return (
                identity is not None
                and identity.role in SUPERVISING_ROLES
                and reminder is not None
                and reminder["proposal"] == "proposed"
            )
        return True

    def action_bulletin(self) -> None:
        """Draft a bulletin from a period's findings, edit it and issue it."""
        from client.screens.bulletin_draft import BulletinDraftForm

        identity = self.store.identity
        if identity is None:
            return
        form = BulletinDraftForm(
            self.store.engine,
            scope=identity.scope,
            org_code=identity.org_code,
            today=self.sanwu.today(),
        )
        self.app.push_screen(form, lambda _id: self.refresh_data())

    def action_proposal(self, decision: str) -> None:
        """Issue the warning the chosen reminder proposes, or decide not to."""
        reminder = self._chosen_reminder()
        identity = self.store.identity
        if reminder is None or identity is None:
            return
        try:
            if decision == "confirm":
                self.store.supervision.confirm_proposal(
                    reminder["id"], today=self.sanwu.today(), issued_by=identity.org_name
                )
                self.notify(_("Warning issued."))
            else:
                self.store.supervision.dismiss_proposal(reminder["id"])
        except RuleRefused as exc:
            self.notify(refusal_text(exc.kind, exc.refusal), severity="error")
            return
        self.refresh_data()

    def action_record(self) -> None:
        """Record the chosen item for its period (opens the form, filled in)."""
        table = self.query_one("#due", DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        code, period, org_code = str(key).split("|")
        identity = self.store.identity
        values = {"catalog_code": code, "period": period}
        if identity is not None and len(identity.scope) < 12:
            values["org_code"] = org_code
        form = DisclosureForm(
            today=self.sanwu.today(), scope=identity.scope if identity else "", values=values
        )
        self.app.push_screen(form)

    @on(DataTable.RowSelected, "#due")
    def _due_selected(self) -> None:
        self.action_record()

    @on(DataTable.RowSelected, "#home-warnings")
    def _warning_selected(self) -> None:
        table = self.query_one("#home-warnings", DataTable)
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        kind, _sep, record_id = key.partition("|")
        if kind == "review":
            from client.screens.disclosure_detail import DisclosureDetail

            self.app.push_screen(DisclosureDetail(record_id))
        elif kind == "warning":
            self.sanwu.go("warnings")

    @on(DataTable.RowHighlighted, "#home-warnings")
    def _attention_moved(self) -> None:
        self.refresh_bindings()
