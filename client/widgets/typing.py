"""Keys typed quickly stay in order in text fields (Textual issue #6605).

Textual's ``Input`` and ``TextArea`` insert a printable key as soon as it reaches them,
but a bound key (backspace, arrows, Tab to the next field) first bubbles up to the app,
which then runs its binding. Typed fast (or on a busy old PC), ``李芳⌫⌫王`` became
``李芳王`` with both backspaces lost, and a Tab followed by typing left the first
letters in the old field. Upstream's proposed fix (PR #6631) runs the widget's bindings
inline; until it lands we do the same, for the whole binding chain (so Tab moves focus
before the next key is read), and a key that reaches a field after focus has left it
goes on to the field that has focus now.

``install`` is called once by the app; the test posts keys without waiting between them
(``tests/client/screens/test_fast_typing.py``) and fails without it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea

KeyHandler = Callable[[Any, events.Key], Awaitable[None]]

_INSTALLED = "_sanwu_inline_keys"
_SEEN = "_sanwu_seen"
"""Set on a key once its target has handled it: the same event bubbling on to the
field's containers is left to Textual."""


def _inline(original: KeyHandler) -> KeyHandler:
    async def on_key(self: Widget, event: events.Key) -> None:
        if getattr(event, _SEEN, False):
            await original(self, event)
            return
        setattr(event, _SEEN, True)
        focused = self.app.focused
        if focused is not None and focused is not self and self.focusable:
            # Focus moved (a Tab run inline) after the app sent this key here.
            event.prevent_default()
            event.stop()
            focused.post_message(events.Key(event.key, event.character))
            return
        await original(self, event)
        if event._stop_propagation or event.is_printable:
            return  # the widget took it (a letter, Enter in a text area)
        if await self.app._check_bindings(event.key):
            event.prevent_default()
            event.stop()

    return on_key


def install() -> None:
    """Run bound keys where they are typed: in every widget (``Widget``'s handler) and in
    the two that handle keys themselves first (``Input``, ``TextArea``)."""
    for cls in (Input, TextArea, Widget):
        if cls.__dict__.get(_INSTALLED, False):
            continue
        cls._on_key = _inline(cls._on_key)  # type: ignore[method-assign,assignment]
        setattr(cls, _INSTALLED, True)
