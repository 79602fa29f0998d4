"""The duty score table (履职得分) as an .xlsx sheet for the district's 年度考核: one row per
unit, ranked within its level, with its missing items; a second sheet names each
missing item. Written in Chinese, as a printed document is, whatever the screen's
language. Nothing personal is in it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from client.analysis.duty_scores import ScoreRow
from client.exports.cells import save_workbook
from models.duty import indicator_by_code

__all__ = ["LEVEL_NAMES", "write_score_table"]

LEVEL_NAMES = {
    "department": "部门单位",
    "discipline": "纪检监察组织",
    "village": "村",
    "community": "社区",
}
"""The levels as the sheet names them."""
_HEADERS = ("排名", "单位编码", "单位名称", "类别", "得分", "满分", "缺项数", "缺项")
_WIDTHS = (6, 14, 30, 12, 8, 8, 8, 60)


def _number(value: Decimal) -> float:
    return float(value)


def write_score_table(rows: Sequence[ScoreRow], year: int, path: Path) -> None:
    """Write the table of ``year`` to ``path`` (.xlsx)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "履职得分"
    sheet.cell(row=1, column=1, value=f"{year}年度履职逐项赋分得分表").font = Font(
        bold=True, size=14
    )
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(_HEADERS))
    for column, (header, width) in enumerate(zip(_HEADERS, _WIDTHS, strict=True), start=1):
        sheet.cell(row=2, column=column, value=header).font = Font(bold=True)
        sheet.column_dimensions[chr(ord("A") + column - 1)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, row in enumerate(rows, start=3):
        values = (
            row.rank,
            row.org_code,
            row.name,
            LEVEL_NAMES.get(row.level, row.level),
            _number(row.score),
            _number(row.max),
            len(row.missing),
            "、".join(row.missing),
        )
        for column, value in enumerate(values, start=1):
            sheet.cell(row=index, column=column, value=value)
        sheet.cell(row=index, column=len(_HEADERS)).alignment = wrap
    sheet.freeze_panes = "A3"
    missing = workbook.create_sheet("缺项明细")
    for column, header in enumerate(("单位编码", "单位名称", "指标编码", "指标", "分值"), 1):
        missing.cell(row=1, column=column, value=header).font = Font(bold=True)
    for letter, width in zip("ABCDE", (14, 30, 10, 60, 8), strict=True):
        missing.column_dimensions[letter].width = width
    by_code = indicator_by_code()
    line = 2
    for row in rows:
        for code in row.missing:
            indicator = by_code[code]
            for column, value in enumerate(
                (row.org_code, row.name, code, indicator.name, indicator.points), start=1
            ):
                missing.cell(row=line, column=column, value=value)
            line += 1
    save_workbook(workbook, path)
