"""A tick box and a list of tick boxes whose mark is there only when ticked.

Textual draws the same ``X`` in a box either way and tells ticked from not by colour
alone, which an old screen, a projector or a colour-blind eye loses. These draw a blank
box until ticked; everything else is Textual's."""

from __future__ import annotations

from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist

__all__ = ["TickBox", "TickList"]

_BLANK = " "


class TickBox(Checkbox):
    """A Checkbox with an empty box while unticked."""

    @property
    def _button(self) -> Content:
        button = super()._button
        if self.value:
            return button
        plain = button.plain.replace(ToggleButton.BUTTON_INNER, _BLANK, 1)
        return Content(plain, list(button.spans))


class TickList(SelectionList[str]):
    """A SelectionList whose options show an empty box while not selected."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        _x, scroll_y = self.scroll_offset
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        try:
            selection = self.get_option_at_index(scroll_y + y)
        except OptionDoesNotExist:  # no option on this line
            return strip
        if selection.value in self.selected:
            return strip
        blank = segments[1]._replace(text=_BLANK)
        return Strip([segments[0], blank, *segments[2:]], strip.cell_length)
