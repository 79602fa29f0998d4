"""A bar chart drawn in the terminal (textual-plotext): one or two series over labels.

Plotext counts every character as one cell, and CJK text is two: a Chinese label would
push its line out of the frame. So the chart itself holds digits alone (months, ranks,
days) and the screen names things around it, in a legend line and in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil

from textual_plotext import PlotextPlot

__all__ = ["BarChart"]


class BarChart(PlotextPlot):
    """Bars for ``labels``, one colour per series, from zero up."""

    DEFAULT_CSS = """
    BarChart { height: 1fr; min-height: 6; }
    """

    def show(
        self,
        labels: Sequence[str],
        series: Sequence[Sequence[float]],
        colours: Sequence[str],
        *,
        top: float | None = None,
    ) -> None:
        """Draw ``series`` (each as long as ``labels``) in ``colours``; ``top`` fixes the
        scale's top (100 for a percentage), else the highest bar sets it."""
        if any(not label.isascii() for label in labels):
            raise ValueError(f"chart labels are drawn one character a cell: {labels!r}")
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if labels:
            highest = max((value for values in series for value in values), default=0)
            if len(series) == 1:
                plt.bar(list(labels), list(series[0]), color=colours[0], width=0.6)
            else:
                # plotext takes a colour per series; textual-plotext's hint says one.
                plt.multiple_bar(
                    list(labels),
                    [list(values) for values in series],
                    color=list(colours),  # type: ignore[arg-type]
                    width=0.6,
                )
            step = top / 4 if top is not None else max(1, ceil(highest / 4))
            count = 4 if top is not None else max(1, ceil(highest / step))
            ticks = [step * n for n in range(count + 1)]
            plt.yticks(ticks, [f"{tick:g}" for tick in ticks])
            plt.ylim(0, ticks[-1])
        self.refresh()
