"""A DataTable for long lists shown a page at a time, every column at least its declared
width (what fits 80 columns), widened to its content when the terminal is wider (at 120
no village or item name is cut), one of them taking the width the others leave (a
title); every text cell shown literally (``client.widgets.literal``). Every table of
record text is one of these: a plain DataTable reads a ``str`` cell as markup."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from client.widgets.literal import cell

STRETCH_MIN = 12
"""The narrowest a stretching column gets (six Chinese characters)."""
SCROLLBAR = 2
WANT_MAX = 40
"""The widest a column grows for its content (a long title stays in the stretching one)."""


def content_width(value: Any) -> int:
    """The cells ``value`` takes on one line (a ``Text``'s plain text, else its ``str``)."""
    text = value.plain if isinstance(value, Text) else str(value)
    return cell_len(text)


class PagedTable(DataTable[Any]):
    """A ``DataTable`` that does not measure its cells when no column needs it.

    DataTable measures every cell of every new row (a Rich render per cell) to size
    auto-width columns. When every column has a fixed width and every row is one line
    tall, those measures change nothing, and for a page of CJK rows they are most of
    the cost of showing it. Then only the scrollable size is worked out; otherwise
    (an auto-width column, an auto-height row) DataTable does its usual work.

    A column added with a width keeps at least that width; the width the table has
    beyond every such column's is shared out to the columns whose content (header or
    any cell shown since the last ``clear``, read as plain text: no render) is wider, up
    to ``WANT_MAX``. ``stretch`` names the column that takes what is left then, whenever
    the table is resized or a wider cell arrives.
    """

    def __init__(self, *args: Any, stretch: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stretch = ColumnKey(stretch) if stretch else None
        self.declared: dict[ColumnKey, int] = {}
        """The width each fixed-width column was added with: the least it gets."""
        self.wanted: dict[ColumnKey, int] = {}
        """The widest content of each column since the last ``clear``."""
        self._fit_pending = False

    def add_column(
        self,
        label: Any,
        *,
        width: int | None = None,
        key: str | None = None,
        default: CellType | None = None,
    ) -> ColumnKey:
        column = super().add_column(label, width=width, key=key, default=default)
        if width is not None:
            self.declared[column] = width
        self.wanted[column] = max(self.wanted.get(column, 0), content_width(label))
        self._fit_soon()
        return column

    def clear(self, columns: bool = False) -> PagedTable:
        super().clear(columns)
        if columns:
            self.declared.clear()
            self.wanted.clear()
        else:
            self.wanted = {key: content_width(c.label) for key, c in self.columns.items()}
        return self

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        """A row whose text cells are literal (``cell``): ``x[/]`` shows as typed."""
        shown = [cell(value) for value in cells]
        for column, value in zip(self.columns, shown, strict=False):
            width = content_width(value)
            if width > self.wanted.get(column, 0):
                self.wanted[column] = width
                self._fit_soon()
        return super().add_row(*shown, height=height, key=key, label=label)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: CellType,
        *,
        update_width: bool = False,
    ) -> None:
        shown = cell(value)
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        if content_width(shown) > self.wanted.get(column, 0):
            self.wanted[column] = content_width(shown)
            self._fit_soon()
        super().update_cell(row_key, column_key, shown, update_width=update_width)

    def on_resize(self, _event: events.Resize) -> None:
        self.fit_columns()

    def _fit_soon(self) -> None:
        """Fit the columns once, after the rows being added now."""
        if not self._fit_pending and self.is_mounted:
            self._fit_pending = True
            self.call_after_refresh(self.fit_columns)

    def fit_columns(self) -> None:
        """Every sized column its declared width, widened toward its content while the
        table has room (shared evenly), the stretching column whatever is left."""
        self._fit_pending = False
        if not self.size.width:
            return
        widths = self.fitted_widths(self.size.width - SCROLLBAR)
        changed = False
        for key, width in widths.items():
            column = self.columns[key]
            if column.width != width or column.auto_width:
                column.width, column.auto_width = width, False
                changed = True
        if changed:
            self._require_update_dimensions = True
            self.refresh()

    def fitted_widths(self, room: int) -> dict[ColumnKey, int]:
        """Each sized column's width (and the stretching one's) in ``room`` cells."""
        sized = [k for k in self.columns if k in self.declared or k == self.stretch]
        padding = 2 * self.cell_padding
        fixed = sum(c.get_render_width(self) for k, c in self.columns.items() if k not in sized)
        widths = {k: STRETCH_MIN if k == self.stretch else self.declared[k] for k in sized}
        wanted = {k: min(WANT_MAX, max(widths[k], self.wanted.get(k, 0))) for k in sized}
        slack = room - fixed - sum(widths.values()) - padding * len(sized)
        while slack > 0:  # bounded: each pass gives every short column at least one cell
            short = [k for k in sized if widths[k] < wanted[k]]
            if not short:
                break
            share = max(1, slack // len(short))
            for key in short:
                given = min(share, wanted[key] - widths[key], slack)
                widths[key] += given
                slack -= given
        if self.stretch in widths and slack > 0:
            widths[self.stretch] += slack
        return widths

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        rows = list(new_rows)
        columns = self.columns.values()
        if any(column.auto_width for column in columns) or any(
            row.auto_height or row.label is not None
            for key in rows
            if (row := self.rows.get(key)) is not None
        ):
            super()._update_dimensions(rows)
            return
        width = sum(column.get_render_width(self) for column in columns)
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            width + self._row_label_column_width, self._total_row_height + header
        )
