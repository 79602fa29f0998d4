"""A tick box shows its mark only when ticked (colour alone is lost on old screens): the
warnings screen's 已逾期 box and a form's list of units, drawn before and after."""

from __future__ import annotations

from textual.widgets import SelectionList

from client.store import Store
from client.widgets.ticks import TickBox, TickList
from tests.client.screens.conftest import make_app


def _box_text(widget: TickBox) -> str:
    return widget.render_line(0).text


async def test_the_overdue_box_is_empty_until_ticked(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        box = app.screen.query_one("#w-overdue", TickBox)
        assert "X" not in _box_text(box)
        box.value = True
        await pilot.pause()
        assert "X" in _box_text(box)


async def test_a_tick_list_marks_only_the_chosen() -> None:
    from textual.app import App, ComposeResult

    class Probe(App[None]):
        def compose(self) -> ComposeResult:
            yield TickList(("东园村", "a"), ("西园村", "b", True), id="units")

    app = Probe()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        units = app.query_one("#units", SelectionList)
        lines = [units.render_line(y).text for y in range(2)]
        assert lines[0].startswith("▐ ▌") and "东园村" in lines[0]
        assert lines[1].startswith("▐X▌") and "西园村" in lines[1]
        units.select("a")
        await pilot.pause()
        assert units.render_line(0).text.startswith("▐X▌")
