"""Draft a supervision bulletin (监督通报) from a period's findings, edit it, issue it.

Opened from a supervising level's home (``b``). The period starts as the last full
quarter (bulletins are quarterly as a rule); the title, text and units named are filled
from its findings (``client.analysis.findings``, the same draft as ``sanwu bulletin
draft``), and Ctrl+F fills them again for the period typed. Everything stays editable;
Ctrl+S issues it through the store as one record (synced like any other), refused with
the reason when the rule says so (``models.rules.bulletins``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, ClassVar

from sqlalchemy.engine import Engine
from textual.binding import Binding, BindingType
from textual.widgets import Input, SelectionList, Static

from client.analysis.findings import draft, gather
from client.i18n import _
from client.screens.form import FormField, RecordForm, form_fields
from models.figure_counts import Window
from models.orgs import in_scope, load_org_units
from models.validation import FieldError

__all__ = ["BulletinDraftForm", "last_quarter"]


def last_quarter(today: date) -> Window:
    """The last calendar quarter that ended before ``today``."""
    first_month = (today.month - 1) // 3 * 3 + 1
    end = date(today.year, first_month, 1) - timedelta(days=1)
    return Window(date(end.year, end.month - 2, 1), end)


def unit_choices(scope: str, own: str, named: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The units a bulletin may name (in scope, not the issuing unit): the ones named
    first, in the draft's order, then the rest by code."""
    names = {unit.code: unit.name for unit in load_org_units()}
    others = sorted(
        unit.code
        for unit in load_org_units()
        if in_scope(unit.code, scope) and unit.code != own and unit.code not in named
    )
    return tuple((f"{names.get(code, code)} {code}", code) for code in (*named, *others))


_LAYOUT = ("period_from", "period_to", "title", "doc_no", "body", "named_units")
"""The period first: the findings that fill the rest are drawn from it."""


def _fields(choices: tuple[tuple[str, str], ...]) -> list[FormField]:
    declared = form_fields("bulletin", fixed=("org_code", "issued_on"), units=choices)
    by_name = {field.name: field for field in declared}
    return [by_name[name] for name in _LAYOUT]


class BulletinDraftForm(RecordForm):
    """The draft of a period's bulletin; dismisses with the bulletin's id once issued."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s", "save", "Issue the bulletin", id="draft-issue", tooltip="Issue this bulletin"
        ),
        Binding(
            "ctrl+f",
            "findings",
            "Findings",
            id="draft-findings",
            tooltip="Fill title, text and units from the period's findings",
        ),
    ]

    def __init__(self, engine: Engine, *, scope: str, org_code: str, today: date) -> None:
        self.engine = engine
        self.scope = scope
        self.org_code = org_code
        values = self._drafted(last_quarter(today))
        super().__init__(
            "bulletin",
            _fields(unit_choices(scope, org_code, values["named_units"])),
            title=_("Draft a bulletin from a period's findings"),
            values=values,
            fixed={"org_code": org_code, "issued_on": today.isoformat()},
        )

    def on_mount(self) -> None:
        super().on_mount()
        # The text is what is edited most: taller than a form's usual text area.
        self.query_one("#f-body").styles.height = 12
        self.query_one("#f-named_units").styles.height = 8

    def _drafted(self, window: Window) -> dict[str, Any]:
        found = gather(self.engine, window, scope=self.scope, issuer=self.org_code)
        return draft(found)

    def _window(self) -> Window | None:
        """The period typed, or None with the error shown under the field."""
        days: dict[str, date] = {}
        errors = []
        for name in ("period_from", "period_to"):
            try:
                days[name] = date.fromisoformat(self.query_one(f"#f-{name}", Input).value.strip())
            except ValueError:
                errors.append(FieldError(name, "bad_date", f"{name} is not a date"))
        if not errors and days["period_from"] > days["period_to"]:
            errors.append(FieldError("period_to", "date_order", "period_to before period_from"))
        if errors:
            self.show_errors(errors)
            return None
        return Window(days["period_from"], days["period_to"])

    def action_findings(self) -> None:
        """Fill title, text and units from the period's findings."""
        window = self._window()
        if window is None:
            return
        values = self._drafted(window)
        self.show_errors_cleared()
        self.set_value("title", values["title"])
        self.set_value("body", values["body"])
        units = self.query_one("#f-named_units", SelectionList)
        units.deselect_all()
        offered = {str(units.get_option_at_index(i).value) for i in range(units.option_count)}
        for code in values["named_units"]:
            if code in offered:
                units.select(code)
        self.notify(
            _("Filled from the findings of {start} to {end}: {n} units named.").format(
                start=window.first, end=window.last, n=len(values["named_units"])
            )
        )

    def show_errors_cleared(self) -> None:
        """No field marked wrong any more."""
        for spec in self.fields:
            self.query_one(f"#e-{spec.name}", Static).update("")
            self.query_one(f"#box-{spec.name}").remove_class("-invalid")
