"""What Textual itself shows is in Chinese too, and F1 lists only the keys this role can
use: a clerk's help names no supervisor's key and no English binding; an open dropdown's
key reads 收起菜单; the palette's prompt and its "no matches" line are Chinese. (Every
screen's visible text is checked in test_every_screen.)"""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input, Select, Static

from client.screens.help import HelpScreen
from client.store import Store
from tests.client.screens.conftest import make_app, screen_text
from tests.client.screens.every_screen import english_words, visible


async def test_a_clerks_help_is_chinese_and_lists_only_her_keys(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        whole = str(app.screen.query_one("#help Static", Static).render())
    # The screens a clerk has no key for (clues, analysis) are not listed either.
    assert "线索" not in whole and "分析" not in whole and "队列" in whole
    for english in ("Focus Next", "Focus Previous", "Copy selected text", "Dismiss"):
        assert english not in text
    assert "复制选中的文字" in text
    for supervisors in ("下发这条提醒建议的预警", "监督通报"):
        assert supervisors not in text, "a clerk cannot use this key"
    assert not english_words(text.splitlines())


async def test_an_open_dropdown_and_the_palette_speak_chinese(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        select = app.screen.query(Select).first()
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        shown = {binding.description for (_n, binding, _e, _t) in app.active_bindings.values()}
        assert "收起菜单" in shown and "Dismiss menu" not in shown
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).placeholder == "搜索命令或屏幕…"
        await pilot.press(*"zzqq")
        await pilot.pause(0.8)  # Textual says "no matches" after half a second
        assert any("没有匹配的命令或屏幕" in line for line in visible(app))
