"""Every screen at 80x24 and 120x40: a snapshot of each (every_screen.STOPS), nothing
English on any of them in the default language, and each footer's keys whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from tests.client.screens.conftest import make_app
from tests.client.screens.every_screen import (
    SIZES,
    STOPS,
    Stop,
    arrive,
    english_words,
    role_store,
    visible,
)

SNAPSHOTS = [stop for stop in STOPS if stop.snapshot]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("stop", SNAPSHOTS, ids=lambda s: s.name)
def test_snapshot(stop: Stop, size: tuple[int, int], tmp_path: Path, snap_compare: Any) -> None:
    with role_store(stop.role, tmp_path / "home") as store:

        async def go(pilot: Any) -> None:
            await arrive(pilot, stop)

        assert snap_compare(make_app(store), terminal_size=size, run_before=go)


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
            lines = visible(app)
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
