"""Chinese characters whole on top of other widgets (an open dropdown, a dialog).

Textual (8.2) cuts every screen line at the edges of every widget on it, hidden ones
too, and paints each piece from the topmost widget there. A cut that falls inside a
two-cell character of the widget on top splits it, and each half becomes a space: an
open dropdown over a table showed ``一卡通`` as ``  卡通``. The reproduction for upstream
is docs/upstream/textual_wide_char_cut.py.

``install`` replaces the compositor's line cutting with one that gives a widget's run of
adjacent pieces to it as one piece (the others empty), so no cut falls inside what it
shows. The lines join to the same cells otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

__all__ = ["install"]

_EMPTY = Strip([], 0)
TEXTUALS = Compositor._render_chops
"""Textual's own cutting (kept to check that upstream still needs the workaround)."""


def _render_chops(
    self: Compositor, crop: Region, is_rendered_line: Callable[[int], bool]
) -> Sequence[Mapping[int, Strip]]:
    """Textual's ``Compositor._render_chops``, cutting each widget's strip only where a
    piece above it begins or ends."""
    cuts = self.cuts
    chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
    for region, clip, strips in self._get_renders(crop):
        render_region = region.intersection(clip)
        render_x = render_region.x
        first_cut, last_cut = render_region.column_span
        for y, strip in zip(render_region.line_range, strips, strict=False):
            if not is_rendered_line(y):
                continue
            line = chops[y]
            final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
            run: list[int] = []
            for start, end in pairwise(final_cuts):
                if line.get(start) is None:
                    run.append(start)
                    if end != final_cuts[-1] and line.get(end) is None:
                        continue  # the next piece is this widget's too
                    line[run[0]] = strip.crop(run[0] - render_x, end - render_x)
                    for other in run[1:]:
                        line[other] = _EMPTY
                run = []
    return chops  # type: ignore[return-value]


def install(cutting: Callable[..., Sequence[Mapping[int, Strip]]] = _render_chops) -> None:
    """Use the cutting above for every screen (idempotent); ``TEXTUALS`` undoes it."""
    Compositor._render_chops = cutting  # type: ignore[method-assign]
