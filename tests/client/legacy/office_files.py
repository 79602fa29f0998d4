"""Files made like a township office's own: the old platform's disclosure export and a
subsidy payment ledger, with the habits of both (full-width figures, padded names, ID
cells kept as text, a total and signatures under the table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from client.legacy.cleaning import id15_to_18
from tests.client.legacy.files import write_csv

PLATFORM_HEADERS = ["序号", "公开类别", "公开事项", "公开期间", "标题", "公开内容", "公开形式",
                    "公开时间", "责任人", "审核人"]  # fmt: skip
LEDGER_HEADERS = ["序号", "户主姓名", "身份证号", "银行卡号", "补贴面积（亩）", "补贴标准(元)",
                  "补贴金额(元)", "发放日期"]  # fmt: skip


def person_id(n: int) -> str:
    """A valid 18-character ID number (from a 15-digit legacy one), one per ``n``."""
    return id15_to_18(f"110105{490101 + n:06d}{n % 1000:03d}")


def platform_rows() -> list[list[Any]]:
    """The old platform's disclosure export: 公开类别 holds the item's domain, channels are
    written as the ledger writes them, names padded with an ideographic space."""
    return [
        [1, "财务", "各项收入", "2024年1月", "1月收入公开", "收入1200元", "村务公开栏、微信群",
         "2024年1月28日", "李\u3000芳", "王\u3000五"],
        [2, "财务", "各项支出", "2024年1月", "1月支出公开", "支出800元", "公开栏，电子屏",
         "2024年1月28日", "李\u3000芳", "王\u3000五"],
        [3, "村务", "村规民约", "2024", "2024年村规民约", "见附件", "公开栏",
         "2024年2月1日", "李芳", ""],
    ]  # fmt: skip


FOOTER_ROWS: list[list[Any]] = [
    ["合  计", "", "", "", "", "", "", "", "", ""],
    ["制表人：李芳", "", "", "", "审核人：王五", "", "", "", "", ""],
    ["填表日期：2024年2月2日", "", "", "", "", "", "", "", "", ""],
]


def write_platform_csv(path: Path, rows: list[list[Any]], *, encoding: str = "gbk") -> Path:
    return write_csv(path, [*rows, *FOOTER_ROWS], headers=PLATFORM_HEADERS, encoding=encoding)


def ledger_rows() -> list[list[Any]]:
    """A payment ledger: ID cells as an export keeps them text (``="…"``, an apostrophe, a
    tab), full-width areas with a full-width decimal point, a padded two-character name."""
    return [
        [1, "李\u3000芳", f'="{person_id(1)}"', "6228480012345678", "１２．５", "100", "1250",
         "2024年3月1日"],
        [2, "张三丰", f"'{person_id(2)}", "'6228480012345679", "３", "100", "300",
         "2024年3月1日"],
        [3, "王\u3000五", f"\t{person_id(3)}", '="6228 4800 1234 5670"', "2.5", "100", "250",
         "2024年3月1日"],
    ]  # fmt: skip


def write_ledger_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """The ledger as a workbook: a merged title, the header, the rows, a total row and the
    signatures under it."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "补贴发放"
    sheet.append(["东河镇黑麻板村2024年耕地地力保护补贴发放花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LEDGER_HEADERS))
    sheet.append(LEDGER_HEADERS)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that starts with =, as the export wrote it
    sheet.append([None, "合计", None, None, "１８", None, 1800, None])
    sheet.append(["制表人：李芳", None, None, "审核人：王五", None, None, "填表日期：2024年3月2日"])
    workbook.save(path)
    return path
