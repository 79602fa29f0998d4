"""PagedTable's widths: at least what each column was declared with (80 columns), widened
toward the content when there is room (120), the stretching column taking the rest; and
the remaining-days cell whole (逾期 319 天 with its 天)."""

from __future__ import annotations

from datetime import date

from rich.cells import cell_len
from textual.app import App, ComposeResult

from client.screens.home import days_left
from client.widgets.paged_table import STRETCH_MIN, WANT_MAX, PagedTable

TODAY = date(2026, 11, 5)


class Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield PagedTable(id="t", stretch="title")


def _table(app: Tables) -> PagedTable:
    table = app.query_one(PagedTable)
    table.add_column("村", width=8, key="unit")
    table.add_column("事项", width=14, key="item")
    table.add_column("标题", width=STRETCH_MIN, key="title")
    table.add_column("剩余", width=10, key="left")
    late = days_left(date(2026, 1, 20), TODAY)
    table.add_row("鄂尔格逊村", "集体土地承包与流转", "集体土地流转情况", late)
    table.add_row("东园村", "低保", "低保评定结果公示" * 8, days_left(date(2023, 1, 1), TODAY))
    return table


def _widths(table: PagedTable) -> dict[str, int]:
    return {str(key.value): column.width for key, column in table.columns.items()}


async def test_columns_take_their_content_at_120_and_keep_their_width_at_80() -> None:
    app = Tables()
    async with app.run_test(size=(120, 40)) as pilot:
        table = _table(app)
        await pilot.pause()
        wide = _widths(table)
        assert wide["unit"] == cell_len("鄂尔格逊村")
        assert wide["item"] == cell_len("集体土地承包与流转")
        assert wide["left"] == cell_len("逾期 1404 天")
        used = sum(wide.values()) + 2 * table.cell_padding * len(wide)
        assert used == 120 - 2, "the title takes the rest, less the scrollbar"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        narrow = _widths(table)
        assert narrow["unit"] >= 8 and narrow["left"] == wide["left"]
        assert narrow["title"] >= STRETCH_MIN
        assert sum(narrow.values()) + 2 * table.cell_padding * 4 <= 80 - 2


async def test_a_long_title_grows_only_to_the_cap_when_it_does_not_stretch() -> None:
    app = Tables()
    async with app.run_test(size=(200, 40)) as pilot:
        table = _table(app)
        table.stretch = None
        table.fit_columns()
        await pilot.pause()
        assert _widths(table)["title"] == WANT_MAX


def test_the_remaining_days_read_whole() -> None:
    assert days_left(date(2026, 1, 20), TODAY) == "逾期 289 天"
    assert days_left(date(2026, 11, 8), TODAY) == "剩 3 天"
