"""A DataTable for long lists shown a page at a time, with every column a fixed width,
one of which may take the width the others leave (a title that fits 80 columns and
widens at 120); every text cell shown literally (``client.widgets.literal``). Every table
of record text is one of these: a plain DataTable reads a ``str`` cell as markup."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import events
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from client.widgets.literal import cell

STRETCH_MIN = 12
"""The narrowest a stretching column gets (six Chinese characters)."""
SCROLLBAR = 2


class PagedTable(DataTable[Any]):
    """A ``DataTable`` that does not measure its cells when no column needs it.

    DataTable measures every cell of every new row (a Rich render per cell) to size
    auto-width columns. When every column has a fixed width and every row is one line
    tall, those measures change nothing, and for a page of CJK rows they are most of
    the cost of showing it. Then only the scrollable size is worked out; otherwise
    (an auto-width column, an auto-height row) DataTable does its usual work.

    ``stretch`` names the column that takes the width the others leave, whenever the
    table is resized.
    """

    def __init__(self, *args: Any, stretch: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stretch = ColumnKey(stretch) if stretch else None

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: Any = None,
    ) -> RowKey:
        """A row whose text cells are literal (``cell``): ``x[/]`` shows as typed."""
        return super().add_row(*map(cell, cells), height=height, key=key, label=label)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: CellType,
        *,
        update_width: bool = False,
    ) -> None:
        super().update_cell(row_key, column_key, cell(value), update_width=update_width)

    def on_resize(self, _event: events.Resize) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        """Give the stretching column what the others leave of the table's width."""
        column = self.columns.get(self.stretch) if self.stretch is not None else None
        if column is None or not self.size.width:
            return
        others = sum(c.get_render_width(self) for k, c in self.columns.items() if k != self.stretch)
        padding = 2 * self.cell_padding
        width = max(STRETCH_MIN, self.size.width - others - SCROLLBAR - padding)
        if column.width != width or column.auto_width:
            column.width, column.auto_width = width, False
            self._require_update_dimensions = True
            self.refresh()

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
