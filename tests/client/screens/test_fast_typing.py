"""Keys typed faster than the app draws stay in order (``client.widgets.typing``): the
driver hands a burst of keys to the app at once, exactly as posted here, without waiting
between them. Before the fix, a backspace in a burst was lost and a Tab left the next
letters in the old field."""

from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea

from client.screens.disclosure_form import DisclosureForm
from client.store import Store
from tests.client.screens.conftest import make_app

BURST = "2026-1O⌫0\t李芳⌫⌫王芳\t十月财务⌫⌫公开"
"""What a clerk types in one go: a slip in the period fixed with backspace, Tab to the
title, a name typed over, Tab to the content."""

_SPECIAL = {"⌫": ("backspace", "\x7f"), "\t": ("tab", "\t")}


def _keys(text: str) -> list[events.Key]:
    return [events.Key(*_SPECIAL.get(ch, (ch, ch))) for ch in text]


async def test_a_burst_of_keys_lands_in_order_in_the_right_fields(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DisclosureForm)
        app.screen.query_one("#f-period", Input).focus()
        await pilot.pause()
        for key in _keys(BURST):
            app.post_message(key)
        for _ in range(5):
            await pilot.pause()
        assert app.screen.query_one("#f-period", Input).value == "2026-10"
        assert app.screen.query_one("#f-title", Input).value == "王芳"
        assert app.screen.query_one("#f-content", TextArea).text == "十月公开"
