"""Record text shown literally: the one display helper of every widget that shows what
another device wrote (tables, details, history, conflicts, notifications).

Textual reads a plain ``str`` in a table cell, a ``Static`` or a notification as markup:
a title ``x[/]`` raises a MarkupError on every device that syncs it, ``[link=…]`` makes
a link. Control characters reach the terminal as they are: an ESC sequence clears the
screen or sets the window title, a bidi override reverses what a title seems to say.
Central refuses both on input (``models.field_rules.CONTROL_CHARACTERS``), but records
written before that rule, or by a device that skipped it, still arrive. So record text
becomes a ``rich.text.Text`` (never parsed as markup) with every control shown as an
escape (``client.display.visible``), and a cell's text is cut to one short line.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static

from client.display import visible

__all__ = ["CELL_LIMIT", "TEXT_LIMIT", "LiteralStatic", "cell", "literal", "visible"]

CELL_LIMIT = 200
"""The most characters a table cell keeps (a cell shows one line; a 1 MB title would
cost a render of all of it per repaint)."""
TEXT_LIMIT = 20_000
"""The most characters of one text a detail pane shows."""

_LINE_BREAKS = re.compile("[\t\n]+")


def literal(text: object, *, limit: int | None = TEXT_LIMIT) -> Text:
    """``text`` as a ``Text`` shown character for character (no markup), controls escaped."""
    return Text(visible(text, limit=limit), end="")


def cell(value: Any, *, limit: int = CELL_LIMIT) -> Any:
    """A table cell: text literal on one line (newlines and tabs become spaces), at most
    ``limit`` characters; anything but ``str`` (numbers, a ``Text`` already styled) as it is."""
    if not isinstance(value, str):
        return value
    if len(value) > limit:
        value = value[: limit + 1]  # one more: ``visible`` marks the cut
    return literal(_LINE_BREAKS.sub(" ", value), limit=limit)


class LiteralStatic(Static):
    """A ``Static`` whose text is shown literally: a ``str`` given to it or to ``update``
    goes through ``literal``; a ``Text`` is shown as it is."""

    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        super().__init__(_literal_visual(content), markup=False, **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(_literal_visual(content), layout=layout)


def _literal_visual(content: VisualType) -> VisualType:
    return literal(content) if isinstance(content, str) else content
