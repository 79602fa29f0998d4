"""The command palette reaches every screen (Ctrl+P, then type its name or its pinyin)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from client.i18n import _
from client.queries import pinyin_keys
from client.widgets.nav_bar import SCREENS


class ScreensProvider(Provider):
    """One command per screen: "Go to <screen>"."""

    def _commands(self) -> list[tuple[str, str, str]]:
        return [
            (_("Go to {screen}").format(screen=_(text)), mode, _("Key {key}").format(key=key))
            for key, mode, text in SCREENS
        ]

    def _go(self, mode: str) -> None:
        go = getattr(self.app, "go", None)
        if callable(go):
            go(mode)

    async def discover(self) -> Hits:
        for name, mode, help_text in self._commands():
            yield DiscoveryHit(name, partial(self._go, mode), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        needle = query.replace(" ", "").lower()
        for name, mode, help_text in self._commands():
            score = matcher.match(name)
            initials, full = pinyin_keys(name)
            if score <= 0 and needle and (needle in initials or needle in full):
                score = 0.5
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self._go, mode), help=help_text)
