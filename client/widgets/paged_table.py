"""A DataTable for long lists shown a page at a time, with every column a fixed width."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class PagedTable(DataTable[Any]):
    """A ``DataTable`` that does not measure its cells when no column needs it.

    DataTable measures every cell of every new row (a Rich render per cell) to size
    auto-width columns. When every column has a fixed width and every row is one line
    tall, those measures change nothing, and for a page of CJK rows they are most of
    the cost of showing it. Then only the scrollable size is worked out; otherwise
    (an auto-width column, an auto-height row) DataTable does its usual work.
    """

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
