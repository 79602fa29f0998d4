"""The reject report: every row that was not imported, with its line and the reason per field.

Written as .xlsx (openpyxl) and as CSV (UTF-8 with a BOM, so Excel opens it in
Chinese) side by side. The reasons are sentences in the person's language naming the
field and its old column (``reasons``). It repeats the original row on purpose: it is the
clerk's own data, to be corrected and imported again. Its first line says that
it holds personal data.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from client.exports.cells import safe_cell, save_workbook
from client.files import write_text_with
from client.legacy.importer import ImportReport
from client.legacy.reading import Oversized
from client.legacy.reasons import reasons_text

__all__ = ["PERSONAL_DATA_NOTICE", "REPORT_HEADERS", "report_paths", "write_reject_report"]

PERSONAL_DATA_NOTICE = (
    "注意：本报告含个人信息（原始行，可能有身份证号、账号、联系方式），仅供本单位更正后重新导入，"
    "请妥善保管、用后删除。 This report holds personal data."
)
REPORT_HEADERS = ("行号", "原因")
_EXCEL_CELL_MAX = 32_767
_ILLEGAL = {i for i in range(32) if i not in (9, 10, 13)}
_ILLEGAL_TABLE = dict.fromkeys(_ILLEGAL, " ")


def report_paths(path: Path) -> tuple[Path, Path]:
    """The .xlsx and .csv written for ``path`` (whichever of the two it names)."""
    base = path.with_suffix("") if path.suffix.lower() in (".xlsx", ".csv") else path
    return base.with_name(base.name + ".xlsx"), base.with_name(base.name + ".csv")


def _cell(value: Any) -> Any:
    """A value fit for a workbook cell: text cut to Excel's limit, control characters gone."""
    if value is None:
        return ""
    if isinstance(value, Oversized):
        return str(value)
    if isinstance(value, str):
        text = value.translate(_ILLEGAL_TABLE)
        return text if len(text) <= _EXCEL_CELL_MAX else text[: _EXCEL_CELL_MAX - 20] + "…[cut]"
    return value


def _text(value: Any) -> str:
    value = _cell(value)
    return value if isinstance(value, str) else str(value)


def _rows(report: ImportReport) -> tuple[list[str], list[list[Any]]]:
    width = max([len(report.headers), *(len(r.cells) for r in report.rejects)])
    headers = [*report.headers, *[""] * (width - len(report.headers))]
    header = [*REPORT_HEADERS, *headers]
    body: list[list[Any]] = []
    for reject in report.rejects:
        reasons = reasons_text(report.kind, reject.problems)
        body.append([reject.line, reasons, *(_cell(c) for c in reject.cells)])
    return header, body


def write_reject_report(report: ImportReport, path: Path) -> tuple[Path, Path]:
    """Write the rejected rows of ``report`` as ``<path>.xlsx`` and ``<path>.csv``."""
    xlsx_path, csv_path = report_paths(path)
    header, body = _rows(report)
    title = (
        f"导入拒收报告 {report.path.name}（{report.source}，表头在第 {report.header_line} 行）："
        f"共 {report.rows} 行，拒收 {report.rejected} 行"
    )
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "拒收行"
    sheet.append([PERSONAL_DATA_NOTICE])
    sheet["A1"].font = Font(bold=True, color="C00000")
    sheet.append([title])
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    wrap = Alignment(wrap_text=True, vertical="top")
    for (cell,) in sheet.iter_rows(min_row=4, min_col=2, max_col=2):
        cell.alignment = wrap
    sheet.column_dimensions["B"].width = 60
    sheet.freeze_panes = "C4"
    save_workbook(workbook, xlsx_path)
    _write_csv(csv_path, [[PERSONAL_DATA_NOTICE], [title], header, *body])
    return xlsx_path, csv_path


def _write_csv(path: Path, rows: Sequence[Sequence[Any]]) -> None:

    def rows_of(handle: IO[str]) -> None:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow([safe_cell(_text(value)) for value in row])

    write_text_with(path, rows_of, encoding="utf-8-sig")
