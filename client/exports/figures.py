"""The district's figures as an .xlsx sheet for the office: one row per figure (its
Chinese label, the count, its key and its definition, all as ``models.figures``
declares them), under a title naming the window and the units."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from client.exports.cells import save_workbook
from models.figures import FIGURES

__all__ = ["export_figures", "write_figures"]

HEADERS = ("指标", "数值", "键", "口径")
"""The sheet's columns (the layout; the words of each row are the declarations')."""


def export_figures(counted: Mapping[str, int], *, period: str, units: str, path: Path) -> None:
    """Write ``counted`` (key → count) to ``path``; ``period`` and ``units`` name the
    window and the scope in the title."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    write_figures(sheet, counted, period=period, units=units)
    save_workbook(workbook, path)


def write_figures(sheet: Worksheet, counted: Mapping[str, int], *, period: str, units: str) -> None:
    """The figures' sheet into ``sheet`` (the analysis screen's workbook opens with it)."""
    sheet.title = "监督数据"
    sheet.append([f"三务公开监督数据（{period}）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"范围：{units}"])
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for fig in FIGURES:
        sheet.append([fig.label_zh, counted[fig.key], fig.key, fig.definition_zh])
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap
    for column, width in zip("ABCD", (18, 10, 26, 80), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
