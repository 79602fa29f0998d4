"""Every screen at 80x24 and 120x40: a snapshot of each (every_screen.STOPS), nothing
English on any of them in the default language, and each footer's keys whole."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from tests.client.screens.conftest import make_app
from tests.client.screens.every_screen import SIZES, STOPS, Stop, arrive, role_store

SNAPSHOTS = [stop for stop in STOPS if stop.snapshot]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("stop", SNAPSHOTS, ids=lambda s: s.name)
def test_snapshot(stop: Stop, size: tuple[int, int], tmp_path: Path, snap_compare: Any) -> None:
    with role_store(stop.role, tmp_path / "home") as store:

        async def go(pilot: Any) -> None:
            await arrive(pilot, stop)

        assert snap_compare(make_app(store), terminal_size=size, run_before=go)


LATIN = re.compile(r"[A-Za-z][A-Za-z_]+")
"""Two or more Latin letters in a row (a key name of one letter is not a word)."""
TECHNICAL = {
    # key names as the footer and F1 write them
    *("esc", "tab", "enter", "ctrl", "shift", "up", "down", "left", "right", "space"),
    *("home", "end", "pageup", "pagedown", "delete", "backspace", "insert", "slash"),
    *("TAB", "CTRL", "SHIFT", "ESC", "ENTER", "SPACE", "Tab", "Ctrl", "Shift", "Esc"),
    # formats, units and codes people know by these letters
    *("ID", "CSV", "csv", "xlsx", "xls", "HTML", "html", "PDF", "KB", "MB", "URL", "zip"),
    *("http", "https", "FIN", "ZT", "sanwu", "enroll", "force", "wipe", "Excel", "LED"),
    "ods",
    "root",  # the file picker's folder: the tests' home folder's name
    "CS",  # CSV, cut where the file picker covers the import screen
}
"""Latin words that are not English: key names, file formats, the catalogue's and the duty
list's item codes (FIN-01, ZT-001), the platform's address, a command to type (sanwu
enroll --force), a channel's name (LED显示屏)."""
UUID = re.compile(r"\b[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?\b")
"""A record's id or its first eight digits (the queue names the record its op changes)."""


def _allowed() -> set[str]:
    from models.figures import FIGURES

    return TECHNICAL | {figure.key for figure in FIGURES}  # the figures' export keys


QUERY = "zzqq"
"""What every_screen types into the palette (matching nothing)."""


def english_words(lines: list[str]) -> list[str]:
    """Each visible line holding a Latin word that is not a technical token."""
    allowed = _allowed()
    return [
        line
        for line in lines
        if any(word not in allowed for word in LATIN.findall(UUID.sub("", line.replace(QUERY, ""))))
    ]


def _visible(app: Any) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("stop", STOPS, ids=lambda s: s.name)
async def test_nothing_english_and_every_footer_key_whole(
    stop: Stop, size: tuple[int, int], tmp_path: Path
) -> None:
    """In the default language (Chinese) no visible line has an English word, Textual's
    own texts included (an open dropdown, the palette's "no matches", F1); and the
    footer shows each of its keys whole, left of the palette's key."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    with role_store(stop.role, tmp_path / "home") as store:
        app = make_app(store)
        async with app.run_test(size=size) as pilot:
            await arrive(pilot, stop)
            lines = _visible(app)
            assert not english_words(lines), "\n".join(english_words(lines))
            for footer in app.screen.query(Footer):
                keys = list(footer.query(FooterKey))
                palette = [key for key in keys if key.has_class("-command-palette")]
                edge = palette[0].region.x if palette else size[0]
                for key in keys:
                    if key not in palette:
                        shown = cell_len(f"{key.key_display} {key.description}")
                        assert key.region.right <= edge, f"{key.description} cut: {lines[-1]}"
                        assert key.region.width >= shown, f"{key.description} cut"
