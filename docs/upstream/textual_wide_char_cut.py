"""Minimal reproduction for Textual (seen with 8.2.8): a double-width character of a
widget drawn on top of another (here an open Select's overlay) turns into two spaces
where the edge of a widget underneath falls inside it.

Run: ``python docs/upstream/textual_wide_char_cut.py``. Expected ``现金`` in the open
menu; printed is ``  金``: the compositor cuts every line at every widget's edges
(``Compositor.cuts``, hidden widgets included) and ``Strip.divide`` splits the character
at the cut under the overlay. Sanwu's workaround: client/widgets/wide_cuts.py."""

import asyncio

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Select, Static


class Repro(App[None]):
    CSS = """
    Select { width: 20; }
    Horizontal { height: 10; }
    #left { width: 4; }
    """

    def compose(self) -> ComposeResult:
        yield Select([("一卡通", 1), ("东兴社区", 2), ("现金", 3)], prompt="方式")
        with Horizontal():
            yield Static("x", id="left")  # its right edge, x=4, is inside 现 (x=3..4)
            yield Static("y")


async def main() -> None:
    app = Repro()
    async with app.run_test(size=(40, 12)) as pilot:
        app.query_one(Select).focus()
        await pilot.press("enter")
        await pilot.pause()
        for strip in app.screen._compositor.render_strips():
            print(strip.text)  # noqa: T201 - the reproduction's output


if __name__ == "__main__":
    asyncio.run(main())
