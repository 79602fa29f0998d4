"""Textual's command palette with its own words in the current language: the prompt is
a parameter, but "No matches found" is written into the palette's code."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from client.i18n import _

__all__ = ["Palette"]


class Palette(CommandPalette):
    """``CommandPalette`` whose "no matches" line is translated (the method is Textual's
    8.2 ``_start_no_matches_countdown`` with the text through the catalogue)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=_("Search for commands…"), id=id)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:  # discovery mode: nothing to say
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
