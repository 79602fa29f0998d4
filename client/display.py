"""Text another device wrote, made safe to show: every control character written as its
escape. Headless (no UI import), so the terminal commands and the app's widgets share it
(``client.widgets.literal`` builds the app's literal text on it).

A record's text reaches a terminal as it is: an ESC or OSC sequence in a title clears
the screen, sets the window's title or recolours it on whoever runs ``sanwu record
list``; a bidi override reverses what a title seems to say. Both ends refuse such text
on input (``models.field_rules.CONTROL_CHARACTERS``), but records written before that
rule, or by a device that skipped it, still arrive.
"""

from __future__ import annotations

import re

__all__ = ["visible"]

_SHOWN_ESCAPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Controls but tab and newline (C0, DEL, C1), the bidi marks and the bidi embedding,
override and isolate controls: each is shown as its escape (``\\x1b``, ``\\u202e``)."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, limit: int | None = None) -> str:
    """``text`` with every control character written as its escape, cut (with "…") past
    ``limit`` characters. Newlines and tabs stay."""
    value = text if isinstance(text, str) else str(text)
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return _SHOWN_ESCAPED.sub(_escape, value)
