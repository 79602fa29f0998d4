"""An open dropdown over other widgets shows its Chinese options whole: the upstream
reproduction (docs/upstream/textual_wide_char_cut.py) with client.widgets.wide_cuts
installed; and with Textual's own cutting 现 is split (the workaround is still needed:
when that test fails upstream has fixed it, and wide_cuts can go)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual.widgets import Select

from client.widgets import wide_cuts

REPRO = Path(__file__).parents[3] / "docs" / "upstream" / "textual_wide_char_cut.py"
OPTIONS = ("一卡通", "东兴社区", "现金")


async def _open_menu() -> list[str]:
    app: Any = runpy.run_path(str(REPRO))["Repro"]()
    async with app.run_test(size=(40, 12)) as pilot:
        app.query_one(Select).focus()
        await pilot.press("enter")
        await pilot.pause()
        return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_the_workaround_keeps_every_option_whole() -> None:
    wide_cuts.install()
    lines = await _open_menu()
    for option in OPTIONS:
        assert sum(option in line for line in lines) == 1, lines
    assert {cell_len(line) for line in lines} == {40}


async def test_textual_alone_still_splits_a_character() -> None:
    wide_cuts.install(wide_cuts.TEXTUALS)
    try:
        lines = await _open_menu()
    finally:
        wide_cuts.install()
    assert not any("现金" in line for line in lines), "fixed upstream: drop wide_cuts"
    assert any("  金" in line for line in lines)
