"""The disclosure form: a catalogue item picker that fills the template, period and title."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from textual import on
from textual.widgets import Select

from client.i18n import N_, _, language
from client.screens.form import FormField, RecordForm, form_fields
from models.catalog import CatalogItem, load_catalog, parse_period, period_for
from models.orgs import org_by_code, villages_of


def suggested_period(item: CatalogItem, today: date) -> str:
    """The period a clerk most likely records now: the one that ended last (due now)."""
    if item.period == "on_event":
        return today.isoformat()
    start, _end = parse_period(item.period, period_for(item.period, today))
    return period_for(item.period, start - timedelta(days=1))


def disclosure_fields(units: tuple[tuple[str, str], ...] = ()) -> list[FormField]:
    """The form's fields; ``units`` (label, code) adds a unit picker for town staff."""
    return form_fields("disclosure", units=units, labels={"org_code": N_("Village")})


def unit_choices(scope: str) -> tuple[tuple[str, str], ...]:
    """Villages (and communities) a town device may write for; empty for a single unit."""
    if len(scope) != 9:
        return ()
    town = scope + "000"
    units = villages_of(town, communities=True) or tuple(
        unit for code, unit in org_by_code().items() if code.startswith(scope) and code != town
    )
    return tuple((f"{unit.name} {unit.code[-3:]}", unit.code) for unit in units)


class DisclosureForm(RecordForm):
    """Add or edit a disclosure."""

    def __init__(
        self,
        *,
        today: date,
        scope: str = "",
        record_id: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        units = unit_choices(scope) if record_id is None else ()
        initial = {"status": "draft", **(values or {})}
        if record_id is None and "disclosed_on" not in initial:
            initial["disclosed_on"] = today.isoformat()
        title = _("New disclosure") if record_id is None else _("Edit disclosure")
        super().__init__(
            "disclosure",
            disclosure_fields(units),
            title=title,
            record_id=record_id,
            values=initial,
        )
        self.today = today
        self._template = ""

    @on(Select.Changed, "#f-catalog_code")
    def _item_chosen(self, event: Select.Changed) -> None:
        """Fill the template, the period and the title the clerk has not typed yet."""
        item = load_catalog().get(str(event.value))
        if item is None:
            return
        values = self.values()
        if not values["content"].strip() or values["content"] == self._template:
            self.set_value("content", item.template)
        self._template = item.template
        if not values["period"].strip():
            self.set_value("period", suggested_period(item, self.today))
        if not values["title"].strip():
            period = self.values()["period"]
            name = item.name_en if language() == "en" else item.name
            self.set_value(
                "title", f"{name}（{period}）" if language() != "en" else f"{name} ({period})"
            )

    def on_mount(self) -> None:
        """A form opened for a chosen item starts with its template (runs before the base
        handler takes the "unchanged" snapshot, so leaving it untouched does not ask)."""
        item = load_catalog().get(str(self.initial.get("catalog_code") or ""))
        if item is not None and self.record_id is None and not self.initial.get("content"):
            self.set_value("content", item.template)
            self._template = item.template
            if not self.initial.get("title"):
                period = str(self.initial.get("period") or suggested_period(item, self.today))
                self.set_value("title", f"{item.name}（{period}）")
