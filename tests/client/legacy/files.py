"""Legacy files written by the tests themselves: CSV in any encoding, .xlsx, .xls."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

DISCLOSURE_HEADERS = [
    "序号",
    "事项",
    "公开期间",
    "标题",
    "公开内容",
    "公开形式",
    "公开时间",
    "责任人",
]


def disclosure_rows(n: int, *, start: int = 1) -> list[list[Any]]:
    """``n`` valid monthly finance disclosures of one village, each its own period."""
    rows = []
    for i in range(start, start + n):
        year, month = 2020 + (i - 1) // 12, (i - 1) % 12 + 1
        rows.append(
            [
                i,
                "各项收入",
                f"{year}年{month}月",
                f"{year}年{month}月收入公开",
                f"本月收入合计{i * 100}元。",
                "固定公开栏、微信公众号",
                f"{year}年{month}月28日",
                "张三",
            ]
        )
    return rows


def write_csv(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    headers: Sequence[str] = DISCLOSURE_HEADERS,
    encoding: str = "utf-8",
    title: str | None = "黑麻板村三务公开台账（旧平台导出）",
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    if title is not None:
        writer.writerow([title])
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    headers: Sequence[str] = DISCLOSURE_HEADERS,
    titles: int = 2,
    sheet: str = "台账",
) -> Path:
    """A workbook with ``titles`` merged title rows above the header."""
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    for n in range(1, titles + 1):
        ws.cell(row=n, column=1, value=f"黑麻板村三务公开台账 第{n}行标题")
        ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=len(headers))
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    workbook.save(path)
    return path


def write_xls(path: Path, rows: Sequence[Sequence[Any]], *, headers: Sequence[str]) -> Path:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("台账")
    sheet.write_merge(0, 0, 0, len(headers) - 1, "黑麻板村台账（旧版 Excel）")
    for col, header in enumerate(headers):
        sheet.write(1, col, header)
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row):
            sheet.write(r, col, value)
    workbook.save(str(path))
    return path
