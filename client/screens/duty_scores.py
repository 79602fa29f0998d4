"""Duty scores (逐项赋分) on screen: the table of the units this device reaches, ranked
within departments and within discipline bodies with each unit's missing items
(``DutyScoresScreen``, key t on the duty screen, for town staff and supervisors), and
one unit's items down to their evidence (``DutyUnitScreen``: Enter on a row, or key t
for a unit's own clerk). A supervising level scores an item there (a), with the reason;
the rule is ``models.rules.scoring``, the reading ``client.analysis.duty_scores``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from client.analysis.duty_scores import ItemRow, ScoreRow, UnitDetail, score_rows, unit_detail
from client.i18n import N_, _
from client.screens.base import AppScreen
from client.screens.form import RecordForm, form_fields
from client.widgets.bindings import translate_bindings
from client.widgets.literal import LiteralStatic
from client.widgets.paged_table import STRETCH_MIN, PagedTable
from models.rules.actors import Side, side_of
from models.rules.duty import year_closed
from models.rules.scoring import Slot, Status

STATUS_TEXT: Mapping[Status, tuple[str, str]] = {
    Status.ON_TIME: (N_("On time"), "green"),
    Status.LATE: (N_("Made up late"), "yellow"),
    Status.MISSING: (N_("Missing"), "red"),
    Status.PENDING: (N_("Not due yet"), "dim"),
    Status.ADJUSTED: (N_("Adjusted"), "cyan"),
}
"""Each status as shown, and its colour."""
LEVEL_TEXT: Mapping[str, str] = {
    "department": N_("Department"),
    "discipline": N_("Discipline body"),
    "village": N_("Village"),
    "community": N_("Community"),
}


def points_text(value: Decimal) -> str:
    """A score to two decimals at most, without trailing zeros: 75.06, 3, 1.5."""
    text = format(value.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def status_cell(status: Status) -> Text:
    word, style = STATUS_TEXT[status]
    return Text(_(word), style=style)


def slot_text(slot: Slot) -> str:
    """A due date and how it stands: "03-31 按时" (an ongoing item's: the whole year)."""
    when = slot.due.strftime("%m-%d") if slot.due is not None else _("whole year")
    return f"{when} {_(STATUS_TEXT[slot.status][0])}"


def item_note(row: ItemRow) -> str:
    """The chosen item: its due dates, or the supervisor's score and reason."""
    item = row.item
    head = f"{row.indicator.code} {row.indicator.name}"
    adjustment = item.adjustment
    if adjustment is not None:
        return _("{item}: scored {points} by the supervising level on {day}: {reason}").format(
            item=head,
            points=points_text(item.score),
            day=adjustment.adjusted_on.isoformat() if adjustment.adjusted_on else "—",
            reason=adjustment.reason,
        )
    return f"{head}：" + " · ".join(slot_text(slot) for slot in item.slots)


class DutyScoresScreen(AppScreen[None]):
    """The score table of one year; [ and ] change the year, Enter opens a unit."""

    HELP = N_("Duty scores: each unit's score, rank within its kind and missing items.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "open", "Items", id="scores-open", tooltip="The unit's items", priority=True
        ),
        Binding(
            "left_square_bracket",
            "year(-1)",
            "Year before",
            key_display="[",
            id="scores-earlier",
            tooltip="The year before",
        ),
        Binding(
            "right_square_bracket",
            "year(1)",
            "Year after",
            key_display="]",
            id="scores-later",
            tooltip="The year after",
        ),
        Binding("escape", "back", "Back", id="scores-back", tooltip="Back to the duty list"),
        Binding("f1", "app.help", "Help", id="scores-help", tooltip="Keys of this screen"),
    ]

    def __init__(self, year: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.year = year
        self.rows: list[ScoreRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="scores-title", classes="section-title")
        yield PagedTable(id="scores", cursor_type="row", zebra_stripes=True, stretch="unit")
        yield LiteralStatic("", id="scores-missing")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#scores", PagedTable)
        table.add_column(_("Rank"), width=4)
        table.add_column(_("Unit"), width=STRETCH_MIN, key="unit")
        table.add_column(_("Level"), width=12)
        table.add_column(_("Score"), width=6)
        table.add_column(_("Max"), width=4)
        table.add_column(_("Missing"), width=4)
        self.refresh_data()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        """Score the year again (after an adjustment, a sync or another year)."""
        identity = self.store.identity
        today = self.sanwu.today()
        self.rows = score_rows(
            self.store.engine,
            self.year,
            today=today,
            scope=identity.scope if identity is not None else None,
        )
        if year_closed(self.year, today):
            title = _("{year} duty scores (closed): {n} units, ranked within their kind")
        else:
            title = _("{year} duty scores as of {today}: {n} units, ranked within their kind")
        self.query_one("#scores-title", Static).update(
            title.format(year=self.year, today=today.isoformat(), n=len(self.rows))
        )
        table = self.query_one("#scores", PagedTable)
        row_index = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(
                str(row.rank),
                row.name,
                _(LEVEL_TEXT.get(row.level, row.level)),
                points_text(row.score),
                points_text(row.max),
                Text(str(len(row.missing)), style="red" if row.missing else "green"),
                key=row.org_code,
            )
        if self.rows:
            table.move_cursor(row=min(row_index, len(self.rows) - 1))
        self._show_missing()

    def chosen(self) -> ScoreRow | None:
        table = self.query_one("#scores", PagedTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#scores")
    def _show_missing(self) -> None:
        row = self.chosen()
        note = self.query_one("#scores-missing", Static)
        if row is None:
            note.update(_("No duty indicator applies to the units this device reaches."))
        elif row.missing:
            # As many codes as three lines hold (seven cells each), then how many more.
            room = max(8, (self.app.size.width - 2) // 7 * 3 - 4)
            shown = " ".join(row.missing[:room])
            if len(row.missing) > room:
                shown += " " + _("and {n} more").format(n=len(row.missing) - room)
            note.update(_("Missing items of {unit}: {items}").format(unit=row.name, items=shown))
        else:
            note.update(_("{unit} misses no item.").format(unit=row.name))

    def action_open(self) -> None:
        """The unit's items and their evidence."""
        row = self.chosen()
        if row is not None:
            self.app.push_screen(DutyUnitScreen(row.org_code, self.year, rank=row.rank))

    def action_year(self, step: int) -> None:
        """Another year's table."""
        self.year += step
        self.refresh_data()

    def action_back(self) -> None:
        """Back to the duty list."""
        self.dismiss(None)


class AdjustForm(RecordForm):
    """A supervisor's score for one item: the points and the reason (edited in place when
    the item has one already)."""

    def __init__(self, org_code: str, year: int, row: ItemRow, *, unit: str, today: date) -> None:
        current = row.item.adjustment
        super().__init__(
            "duty_adjustment",
            form_fields("duty_adjustment", fixed=("year", "indicator_code")),
            title=_("Score {code} of {unit} for {year} (at most {points} points)").format(
                code=row.indicator.code, unit=unit, year=year, points=f"{row.indicator.points:g}"
            ),
            values={"points": str(current.points), "reason": current.reason} if current else {},
        )
        self.org_code = org_code
        self.year = year
        self.code = row.indicator.code
        self.today = today

    def save(self, values: Mapping[str, Any]) -> str:
        return self.store.scoring.adjust(
            self.org_code,
            self.year,
            self.code,
            points=str(values.get("points") or ""),
            reason=str(values.get("reason") or ""),
            today=self.today,
        )


class DutyUnitScreen(AppScreen[None]):
    """One unit's items of a year (m: the missing ones only), and the chosen item's
    records below, each with the due date it counts for."""

    HELP = N_("A unit's duty items: score and status of each, and the evidence behind it.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "missing", "Missing only", id="unit-missing", tooltip="Only missing items"),
        Binding(
            "a", "adjust", "Give a score", id="unit-adjust", tooltip="Score the item, with reason"
        ),
        Binding("escape", "back", "Back", id="unit-back", tooltip="Back"),
        Binding("f1", "app.help", "Help", id="unit-help", tooltip="Keys of this screen"),
    ]

    def __init__(self, org_code: str, year: int, *, rank: int | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.org_code = org_code
        self.year = year
        self.rank = rank
        self.missing_only = False
        self.detail: UnitDetail | None = None
        self.rows: list[ItemRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield LiteralStatic("", id="unit-title", classes="section-title")
        yield PagedTable(id="unit-items", cursor_type="row", zebra_stripes=True, stretch="name")
        yield LiteralStatic("", id="item-note")
        yield PagedTable(id="item-evidence", cursor_type="row", zebra_stripes=True, stretch="what")
        yield Footer()

    def on_mount(self) -> None:
        items = self.query_one("#unit-items", PagedTable)
        items.add_column(_("Code"), width=6)
        items.add_column(_("Indicator"), width=STRETCH_MIN, key="name")
        items.add_column(_("Max"), width=4)
        items.add_column(_("Score"), width=5)
        items.add_column(_("Status"), width=8)
        evidence = self.query_one("#item-evidence", PagedTable)
        evidence.add_column(_("Date"), width=10)
        evidence.add_column(_("What was done"), width=STRETCH_MIN, key="what")
        evidence.add_column(_("Counts for"), width=14)
        evidence.add_column(_("Files"), width=4)
        self.refresh_data()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        """Read the unit's items again."""
        detail = unit_detail(self.store.engine, self.org_code, self.year, today=self.sanwu.today())
        self.detail = detail
        summary = _("{unit} {code} · {year}: {score} of {max} points · {n} missing").format(
            unit=detail.name,
            code=detail.org_code,
            year=self.year,
            score=points_text(detail.score),
            max=points_text(detail.max),
            n=len(detail.missing),
        )
        if self.rank is not None:
            summary += " · " + _("rank {rank}").format(rank=self.rank)
        self.query_one("#unit-title", Static).update(summary)
        self.rows = [
            row
            for row in detail.items
            if not self.missing_only or row.item.status is Status.MISSING
        ]
        table = self.query_one("#unit-items", PagedTable)
        row_index = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(
                row.indicator.code,
                row.indicator.name,
                f"{row.indicator.points:g}",
                points_text(row.item.score),
                status_cell(row.item.status),
                key=row.indicator.code,
            )
        if self.rows:
            table.move_cursor(row=min(row_index, len(self.rows) - 1))
        self._show_evidence()
        self.refresh_bindings()

    def chosen(self) -> ItemRow | None:
        table = self.query_one("#unit-items", PagedTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#unit-items")
    def _show_evidence(self) -> None:
        row = self.chosen()
        self.query_one("#item-note", Static).update(
            item_note(row) if row is not None else _("No duty indicator applies to this unit.")
        )
        table = self.query_one("#item-evidence", PagedTable)
        table.clear()
        for record in row.evidence if row is not None else ():
            table.add_row(
                record.occurred_on.isoformat(),
                record.description,
                slot_text(record.counts_for) if record.counts_for else _("not counted"),
                str(record.files),
                key=record.id,
            )

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        if action != "adjust":
            return True
        identity = self.store.identity
        return (
            identity is not None
            and side_of(identity.actor(), self.org_code) is Side.SUPERVISOR
            and not year_closed(self.year, self.sanwu.today())
            and self.chosen() is not None
        )

    def action_adjust(self) -> None:
        """Score the chosen item, with the reason."""
        row = self.chosen()
        if row is None or self.detail is None:
            return
        self.app.push_screen(
            AdjustForm(
                self.org_code, self.year, row, unit=self.detail.name, today=self.sanwu.today()
            )
        )

    def action_missing(self) -> None:
        """Show only the missing items, or every item again."""
        self.missing_only = not self.missing_only
        self.refresh_data()

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)
