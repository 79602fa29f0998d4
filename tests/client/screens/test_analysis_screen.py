"""The analysis screen under Pilot, with the figures' scenario in a supervisor's real home:
key 0 shows exactly what ``sanwu report supervision`` counts for the same window and
units (the figures' table and the loaded numbers), for each period and unit chosen; the
charts add up to the figures; ``x`` writes what is shown and reads back the same; a
clerk's device has no analysis screen; a chart refuses a label it would draw askew."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from textual.widgets import DataTable, Select, TabbedContent

from client.analysis.figures import figures
from client.exports.analysis import SHEETS
from client.screens.analysis import AnalysisScreen
from client.store import Store
from client.widgets.bar_chart import BarChart
from models.figure_counts import Scope, Window
from models.figures import FIGURES
from tests.client.screens.conftest import TODAY, make_app, screen_text
from tests.client.screens.test_duty_scores_screen import unit_store
from tests.client.test_figures import supervisor_home
from tests.stores import open_store

THIS_YEAR = Window(date(2026, 1, 1), TODAY)
TOWN = "150202101"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return supervisor_home(tmp_path_factory.mktemp("analysis") / "home")


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    with open_store(home) as opened:
        yield opened


async def _loaded(pilot: Any) -> AnalysisScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AnalysisScreen)
    return screen


def _shown(screen: AnalysisScreen) -> dict[str, int]:
    """The figures' table as drawn: key → the number in its row."""
    table = screen.query_one("#analysis-figures", DataTable)
    return {
        str(table.get_row_at(n)[2]): int(str(table.get_row_at(n)[1]))
        for n in range(table.row_count)
    }


async def test_the_screen_counts_what_the_report_counts(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("0")
        screen = await _loaded(pilot)
        assert screen.analysis is not None
        expected = figures(store.engine, THIS_YEAR, Scope(("150202",)))
        assert screen.analysis.figures == expected == _shown(screen)
        assert [
            str(screen.query_one("#analysis-figures", DataTable).get_row_at(n)[0])
            for n in range(len(FIGURES))
        ] == [fig.label_zh for fig in FIGURES]
        assert expected["warnings_open"] > 0 and expected["disclosures_due"] > 0
        analysis = screen.analysis
        assert sum(row.documents for row in analysis.months) > 0
        assert sum(b.count for b in analysis.ages) == expected["warnings_open"]
        assert sum(r.on_time for r in analysis.rates) == expected["disclosures_on_time"]
        assert "2026-01-01 至 2026-11-05 · 东河区" in screen_text(app)

        screen.query_one("#analysis-unit", Select).value = TOWN
        screen = await _loaded(pilot)
        assert screen.analysis is not None and screen.analysis.scope == Scope((TOWN,))
        town = figures(store.engine, THIS_YEAR, Scope((TOWN,)))
        assert screen.analysis.figures == town == _shown(screen)
        assert {row.org_code[:9] for row in screen.analysis.rates} == {TOWN}

        screen.query_one("#analysis-period", Select).value = "last_year"
        screen = await _loaded(pilot)
        last_year = Window(date(2025, 1, 1), date(2025, 12, 31))
        assert screen.analysis is not None and screen.analysis.window == last_year
        assert _shown(screen) == figures(store.engine, last_year, Scope((TOWN,)))
        assert screen.analysis.year == 2025


async def test_each_tab_draws_at_80x24(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("0")
        screen = await _loaded(pilot)
        tabs = screen.query_one(TabbedContent)
        for tab in ("tab-months", "tab-rates", "tab-scores", "tab-ages", "tab-figures"):
            await pilot.press("t")  # the next tab, by the key the footer shows
            await pilot.pause()
            assert tabs.active == tab
        await pilot.press("T")
        await pilot.pause()
        assert tabs.active == "tab-ages"
        text = screen_text(app)
        assert "下发文书" in text and "完成反馈" in text
        assert "未销号文书" in text and "按时率最低" in text
        assert "2026年度履职得分" in text


async def test_x_writes_what_is_shown(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("0")
        screen = await _loaded(pilot)
        analysis = screen.analysis
        assert analysis is not None
        await pilot.press("x")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    written = list((store.home / "exports").glob("analysis-2026-01-01-2026-11-05-150202.xlsx"))
    assert written
    book = load_workbook(written[0])
    assert book.sheetnames == list(SHEETS)
    counts = {row[2]: row[1] for row in book["监督数据"].iter_rows(min_row=4, values_only=True)}
    assert counts == analysis.figures
    months = list(book["文书与反馈"].iter_rows(min_row=3, values_only=True))
    assert [(m, d, f) for m, d, f in months] == [
        (row.month, row.documents, row.feedback) for row in analysis.months
    ]
    rates = list(book["按时公开率"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2], r[3]) for r in rates] == [
        (row.org_code, row.due, row.on_time) for row in analysis.rates
    ]
    ages = list(book["文书账龄"].iter_rows(min_row=3, values_only=True))
    assert [count for _label, count in ages] == [b.count for b in analysis.ages]
    assert book["履职得分"].max_row == 2 + len(analysis.scores)


async def test_a_clerk_has_no_analysis_screen(tmp_path: Path) -> None:
    with unit_store(tmp_path / "c", "150202101200") as clerk:
        app = make_app(clerk)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("0")
            await pilot.pause()
            assert not isinstance(app.screen, AnalysisScreen)
            assert "分析" not in str(app.screen.query_one("#nav").render())


def test_a_chart_draws_digits_alone() -> None:
    with pytest.raises(ValueError, match="one character a cell"):
        BarChart().show(["黑麻板村"], [[1]], ["red"])
