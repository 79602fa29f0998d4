"""What Textual itself shows is in Chinese too, and F1 lists only the keys this role can
use: a clerk's help names no supervisor's key and no English binding; an open dropdown's
key reads 收起菜单; the palette's prompt is Chinese."""

from __future__ import annotations

import re

from textual.command import CommandPalette
from textual.widgets import Input, Select

from client.screens.help import HelpScreen
from client.store import Store
from tests.client.screens.conftest import make_app, screen_text

ENGLISH_WORDS = re.compile(r"[A-Za-z]{4,}")
"""Four Latin letters in a row: an English word (key names are shown in capitals or
short: TAB, CTRL+C, F1, s)."""
KEY_NAMES = {"SHIFT", "CTRL", "SUPER"}


async def test_a_clerks_help_is_chinese_and_lists_only_her_keys(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
    for english in ("Focus Next", "Focus Previous", "Copy selected text", "Dismiss"):
        assert english not in text
    assert "复制选中的文字" in text
    for supervisors in ("下发这条提醒建议的预警", "监督通报"):
        assert supervisors not in text, "a clerk cannot use this key"
    lines = [line for line in text.splitlines() if line.startswith("  ") and line.strip()]
    for line in lines:
        words = [w for w in ENGLISH_WORDS.findall(line) if w.upper() not in KEY_NAMES]
        assert not words, line


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
