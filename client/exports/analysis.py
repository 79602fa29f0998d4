"""What the analysis screen shows, as an .xlsx workbook for the office (key ``x``): the
figures' sheet as ``sanwu report supervision --xlsx`` writes it, then one sheet per chart
with the numbers drawn (every unit, not only the bars on screen)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from client.analysis.charts import Analysis
from client.exports.cells import save_workbook
from client.exports.figures import write_figures
from client.labels import unit_name

__all__ = ["SHEETS", "export_analysis"]

SHEETS = ("监督数据", "文书与反馈", "按时公开率", "履职得分", "文书账龄")
"""The workbook's sheets, in order."""


def _table(
    sheet: Worksheet, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for n, header in enumerate(headers):
        letter = chr(ord("A") + n)
        sheet.column_dimensions[letter].width = 30 if header == "单位" else 14


def export_analysis(analysis: Analysis, *, period: str, units: str, path: Path) -> None:
    """Write ``analysis`` to ``path``; ``period`` and ``units`` name the window and scope."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    write_figures(first, analysis.figures, period=period, units=units)
    months, rates, scores, ages = (workbook.create_sheet(name) for name in SHEETS[1:])
    _table(
        months,
        f"每月下发文书与完成反馈（{period}，{units}）",
        ("月份", "下发文书", "完成反馈"),
        [(row.month, row.documents, row.feedback) for row in analysis.months],
    )
    _table(
        rates,
        f"按时公开率（{period}，{units}）",
        ("单位代码", "单位", "应公开", "按时公开", "按时公开率%"),
        [
            (row.org_code, unit_name(row.org_code), row.due, row.on_time, row.percent)
            for row in analysis.rates
        ],
    )
    _table(
        scores,
        f"{analysis.year}年度履职得分（{units}）",
        ("排名", "单位代码", "单位", "得分", "满分", "缺项"),
        [
            (row.rank, row.org_code, row.name, float(row.score), float(row.max), len(row.missing))
            for row in analysis.scores
        ],
    )
    _table(
        ages,
        f"未销号文书账龄（截至{analysis.window.last}，{units}）",
        ("已下发天数", "文书数"),
        [(bucket.label, bucket.count) for bucket in analysis.ages],
    )
    save_workbook(workbook, path)
