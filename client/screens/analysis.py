"""The analysis screen (key 0, for town staff and supervisors): the district's figures as
``sanwu report supervision`` counts them, and charts that break them down: documents and
feedback per month, the on-time disclosure rate per unit, duty scores by unit, open
documents by age. A period and a unit narrow it; ``x`` writes what is shown to .xlsx.

The reading runs in a worker (``client.analysis.charts.load_analysis``) and comes back as
a message; the charts hold digits alone, names are in the tables beside them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Select, Static, TabbedContent, TabPane

from client.analysis.charts import WHOLE_SCOPE, Analysis, UnitChoice, load_analysis, unit_choices
from client.i18n import N_, _, language
from client.labels import unit_name, units_text
from client.screens.base import SanwuScreen
from client.screens.duty_scores import LEVEL_TEXT, points_text
from client.widgets.bar_chart import BarChart
from client.widgets.paged_table import STRETCH_MIN, PagedTable
from client.widgets.written import WrittenScreen
from models.figure_charts import PERIODS, period_window
from models.figure_counts import Scope, Window, narrow
from models.figures import FIGURES

GROUPS = {"department": N_("Every department"), "discipline": N_("Every discipline body")}
DOCUMENTS, FEEDBACK = "blue", "green"
"""The colours of the two monthly series (the legend names them)."""


def choice_label(choice: UnitChoice) -> str:
    return _(GROUPS[choice.group]) if choice.group else choice.name


def period_text(window: Window) -> str:
    return _("{start} to {end}").format(start=window.start, end=window.end)


def scope_text(scope: Scope) -> str:
    return units_text(scope.prefixes)


def _bars(width: int) -> int:
    """How many bars of units the chart draws (six cells each), the rest in the table."""
    return max(3, min(15, (width - 10) // 6))


class AnalysisScreen(SanwuScreen):
    """Figures and charts for the chosen period and unit."""

    MODE = "analysis"
    CSS_PATH = "analysis.tcss"
    AUTO_FOCUS = "#analysis-period"
    HELP = N_("Analysis: the district's figures and charts by month, unit and age.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "next_tab", "Next chart", id="analysis-next", tooltip="Show the next tab"),
        Binding("T", "next_tab(-1)", "Previous chart", show=False, id="analysis-previous"),
        Binding("x", "export", "Export", id="analysis-export", tooltip="Write what is shown"),
    ]

    @dataclass
    class Loaded(Message):
        """The worker read what the chosen period and unit show."""

        analysis: Analysis

    @dataclass
    class Exported(Message):
        path: Path

    def __init__(self) -> None:
        super().__init__()
        self.analysis: Analysis | None = None

    def device_scope(self) -> Scope:
        identity = self.store.identity
        return Scope.parse(identity.scope) if identity is not None else Scope(("",))

    def compose_body(self) -> ComposeResult:
        periods = [(_(label), name) for name, label in PERIODS]
        units = [(choice_label(c), c.prefix) for c in unit_choices(self.device_scope())]
        with Horizontal(id="analysis-filters"):
            yield Select(periods, value=PERIODS[0][0], allow_blank=False, id="analysis-period")
            yield Select(
                [(_("All units"), WHOLE_SCOPE), *units],
                value=WHOLE_SCOPE,
                allow_blank=False,
                id="analysis-unit",
            )
        yield Static("", id="analysis-title", classes="section-title")
        with TabbedContent(id="analysis-tabs"):
            with TabPane(_("Figures"), id="tab-figures"):
                yield DataTable(id="analysis-figures", cursor_type="row", zebra_stripes=True)
            with TabPane(_("Documents"), id="tab-months"):
                yield Static("", id="months-legend", classes="chart-note")
                yield BarChart(id="months-chart")
            with TabPane(_("On-time rate"), id="tab-rates"):
                yield Static("", id="rates-note", classes="chart-note")
                yield BarChart(id="rates-chart")
                yield PagedTable(id="rates", cursor_type="row", zebra_stripes=True, stretch="unit")
            with TabPane(_("Duty scores"), id="tab-scores"):
                yield Static("", id="scores-note", classes="chart-note")
                yield BarChart(id="scores-chart")
                yield PagedTable(id="scores", cursor_type="row", zebra_stripes=True, stretch="unit")
            with TabPane(_("Open by age"), id="tab-ages"):
                yield Static("", id="ages-note", classes="chart-note")
                yield BarChart(id="ages-chart")

    def on_mount(self) -> None:
        figures = self.query_one("#analysis-figures", DataTable)
        figures.add_column(_("Figure"), width=18)
        figures.add_column(_("Count"), width=8)
        figures.add_column(_("Key"), width=26)
        rates = self.query_one("#rates", PagedTable)
        rates.add_column("#", width=3)
        rates.add_column(_("Unit"), width=STRETCH_MIN, key="unit")
        rates.add_column(_("Due items"), width=6)
        rates.add_column(_("On time"), width=8)
        rates.add_column(_("Rate"), width=5)
        scores = self.query_one("#scores", PagedTable)
        scores.add_column("#", width=3)
        scores.add_column(_("Unit"), width=STRETCH_MIN, key="unit")
        scores.add_column(_("Level"), width=12)
        scores.add_column(_("Score"), width=6)
        scores.add_column(_("Rank"), width=4)
        super().on_mount()

    # ---- reading -----------------------------------------------------------------------

    def chosen(self) -> tuple[Window, Scope]:
        """The window and scope the filters name."""
        period = self.query_one("#analysis-period", Select).value
        window = period_window(str(period), self.sanwu.today())
        unit = str(self.query_one("#analysis-unit", Select).value)
        scope = self.device_scope()
        return window, narrow(scope, unit) if unit else scope

    def refresh_data(self) -> None:
        super().refresh_data()
        window, scope = self.chosen()
        self.query_one("#analysis-title", Static).update(
            _("{period} · {units} · counting…").format(
                period=period_text(window), units=scope_text(scope)
            )
        )
        identity = self.store.identity
        self.load(window, scope, identity.scope if identity is not None else None)

    @on(Select.Changed, "#analysis-filters Select")
    def _filter_changed(self) -> None:
        self.refresh_data()

    @work(thread=True, exclusive=True, exit_on_error=False, group="analysis")
    def load(self, window: Window, scope: Scope, device_scope: str | None) -> None:
        """Read the store off the screen's thread (the whole district: under a second)."""
        analysis = load_analysis(
            self.store.engine, window, scope, device_scope=device_scope, today=self.sanwu.today()
        )
        self.post_message(self.Loaded(analysis))

    def on_analysis_screen_loaded(self, message: Loaded) -> None:
        if (message.analysis.window, message.analysis.scope) != self.chosen():
            return  # the filters moved on: a newer reading is on its way
        self.analysis = analysis = message.analysis
        self.query_one("#analysis-title", Static).update(
            _("{period} · {units}").format(
                period=period_text(analysis.window), units=scope_text(analysis.scope)
            )
        )
        self._show_figures(analysis)
        self._show_months(analysis)
        self._show_rates(analysis)
        self._show_scores(analysis)
        self._show_ages(analysis)

    # ---- drawing -----------------------------------------------------------------------

    def _show_figures(self, analysis: Analysis) -> None:
        table = self.query_one("#analysis-figures", DataTable)
        table.clear()
        for fig in FIGURES:
            table.add_row(
                fig.label(language()),
                Text(str(analysis.figures[fig.key]), justify="right"),
                fig.key,
                key=fig.key,
            )

    def _show_months(self, analysis: Analysis) -> None:
        months = analysis.months
        one_year = len({row.month[:4] for row in months}) == 1
        labels = [row.month[5:] if one_year else row.month[2:] for row in months]
        self.query_one("#months-legend", Static).update(
            Text.assemble(
                ("██ ", DOCUMENTS),
                _("documents issued {n}").format(n=sum(row.documents for row in months)),
                "   ",
                ("██ ", FEEDBACK),
                _("feedback completed {n}").format(n=sum(row.feedback for row in months)),
                "   ",
                _("by month"),
            )
        )
        self.query_one("#months-chart", BarChart).show(
            labels,
            [[row.documents for row in months], [row.feedback for row in months]],
            [DOCUMENTS, FEEDBACK],
        )

    def _show_rates(self, analysis: Analysis) -> None:
        rates = analysis.rates
        shown = rates[: _bars(self.size.width)]
        due = sum(row.due for row in rates)
        on_time = sum(row.on_time for row in rates)
        self.query_one("#rates-note", Static).update(
            _("On time {on_time} of {due} due; the {n} lowest rates, in %").format(
                on_time=on_time, due=due, n=len(shown)
            )
        )
        self.query_one("#rates-chart", BarChart).show(
            [str(n) for n in range(1, len(shown) + 1)],
            [[row.percent for row in shown]],
            ["yellow"],
            top=100,
        )
        table = self.query_one("#rates", PagedTable)
        table.clear()
        for n, row in enumerate(rates, 1):
            table.add_row(
                str(n),
                unit_name(row.org_code),
                str(row.due),
                str(row.on_time),
                Text(f"{row.percent}%", style="red" if row.percent < 60 else ""),
                key=row.org_code,
            )

    def _show_scores(self, analysis: Analysis) -> None:
        scores = sorted(analysis.scores, key=lambda row: (-row.score, row.org_code))
        shown = scores[: _bars(self.size.width)]
        if scores:
            note = _("{year} duty scores: the {n} highest of {total} units").format(
                year=analysis.year, n=len(shown), total=len(scores)
            )
        else:
            note = _("{year}: no duty indicator applies to these units.").format(year=analysis.year)
        self.query_one("#scores-note", Static).update(note)
        self.query_one("#scores-chart", BarChart).show(
            [str(n) for n in range(1, len(shown) + 1)],
            [[float(row.score) for row in shown]],
            ["cyan"],
            top=float(max((row.max for row in shown), default=100)),
        )
        table = self.query_one("#scores", PagedTable)
        table.clear()
        for n, row in enumerate(scores, 1):
            table.add_row(
                str(n),
                row.name,
                _(LEVEL_TEXT.get(row.level, row.level)),
                points_text(row.score),
                str(row.rank),
                key=row.org_code,
            )

    def _show_ages(self, analysis: Analysis) -> None:
        ages = analysis.ages
        self.query_one("#ages-note", Static).update(
            _("{n} documents open on {day}, by days since issued").format(
                n=sum(bucket.count for bucket in ages), day=analysis.window.last
            )
        )
        self.query_one("#ages-chart", BarChart).show(
            [bucket.label for bucket in ages], [[bucket.count for bucket in ages]], ["red"]
        )

    # ---- export ------------------------------------------------------------------------

    def action_next_tab(self, step: int = 1) -> None:
        """Tabs by key: the table under them keeps the arrows."""
        tabs = self.query_one("#analysis-tabs", TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane) if pane.id]
        if tabs.active in panes:
            tabs.active = panes[(panes.index(tabs.active) + step) % len(panes)]

    def action_export(self) -> None:
        """Write what is shown to an .xlsx workbook, in a worker."""
        if self.analysis is not None:
            self.export(self.analysis)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(self, analysis: Analysis) -> None:
        from client.exports.analysis import export_analysis

        folder = self.store.home / "exports"
        name = "-".join(p or "all" for p in analysis.scope.prefixes)
        path = folder / f"analysis-{analysis.window.first}-{analysis.window.last}-{name}.xlsx"
        export_analysis(
            analysis,
            period=period_text(analysis.window),
            units=scope_text(analysis.scope),
            path=path,
        )
        self.post_message(self.Exported(path))

    def on_analysis_screen_exported(self, message: Exported) -> None:
        self.app.push_screen(WrittenScreen(_("Analysis written:"), [message.path]))
