"""A subsidy project's payment list as .xlsx for the town, personal data masked with the
product's one rule (``models.masking.mask_record``): ID numbers 110105********002X,
accounts ****1234, names 张*."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from client.exports.cells import save_workbook
from client.labels import document_text, yuan
from client.store import Store

__all__ = ["PAYMENT_COLUMNS", "export_payments", "yuan"]

PAYMENT_COLUMNS = (
    ("recipient_name", "姓名"),
    ("id_number", "身份证号"),
    ("org_code", "村（社区）"),
    ("quantity", "数量"),
    ("unit", "单位"),
    ("standard", "标准（元）"),
    ("amount_fen", "金额（元）"),
    ("paid_on", "发放日期"),
    ("method", "发放方式"),
    ("account", "账号"),
)
"""The printed list's columns and their headers (the layout); each value is written as
its field's declaration says (``document_text``: masked, yuan, labels, unit names)."""


def export_payments(store: Store, project_id: str, path: Path) -> int:
    """Write the live payments of ``project_id`` (masked) to ``path``; returns how many."""
    payments = [
        record
        for record in store.list_records("subsidy_payment")
        if record["project_id"] == project_id
    ]
    payments.sort(key=lambda r: (r["org_code"], r["paid_on"] or "", r["recipient_name"]))
    project = next(
        (p for p in store.list_records("subsidy_project") if p["id"] == project_id), None
    )
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "发放明细"
    title = f"{project['name'] if project else project_id} 补贴发放明细（个人信息已脱敏）"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PAYMENT_COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([label for _, label in PAYMENT_COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    total = 0
    for record in payments:
        total += int(record["amount_fen"] or 0)
        sheet.append(
            [document_text("subsidy_payment", name, record[name]) for name, _ in PAYMENT_COLUMNS]
        )
    sheet.append(["合计", f"{len(payments)} 人", "", "", "", "", yuan(total)])
    for column, width in zip("ABCDEFGHIJ", (10, 22, 14, 8, 6, 12, 14, 12, 10, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    save_workbook(workbook, path)
    return len(payments)
