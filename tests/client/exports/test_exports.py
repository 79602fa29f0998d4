"""Exports read back cell by cell: notice-board workbook and HTML, masked payment lists."""

from __future__ import annotations

from pathlib import Path

import pytest
import python_calamine
from openpyxl import load_workbook

from client.cli import main
from client.exports.notice import NoticeError, export_disclosures
from client.exports.payments import export_payments, yuan
from client.i18n import set_language
from client.store import Store
from sync.failures import ExitCode
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import held_project

pytestmark = pytest.mark.usefixtures("cli_passphrase")
"""``main`` runs in this process: it finds the passphrase where a scheduled run would."""

PROJECT = "0190b7c4-0000-7000-8000-000000000001"
OTHER_PROJECT = "0190b7c4-0000-7000-8000-000000000002"


def _cells(path: Path) -> list[list[object]]:
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    return sheet.to_python(skip_empty_area=False)


def test_one_disclosure_as_a_notice_board_workbook(enrolled: Store, tmp_path: Path) -> None:
    record_id = enrolled.add(
        "disclosure",
        disclosure(
            reviewer="李监督", review_opinion="同意公开", content="收入1200元。\n支出300元。"
        ),
    )
    out = tmp_path / "notice.xlsx"
    assert export_disclosures(enrolled, out, ids=[record_id], fmt="xlsx") == 1
    cells = _cells(out)
    assert cells[0][0] == "十月财务收支公开"
    assert cells[1][:2] == ["公开单位", "黑麻板村"]
    assert [row[0] for row in cells[2:7]] == [
        "公开事项",
        "公开期间",
        "公开内容",
        "公开形式",
        "公开时间",
    ]
    assert cells[2][1] == "财务计划（FIN-01）"
    assert cells[3][1] == "2026-10"
    assert cells[4][1] == "收入1200元。\n支出300元。"
    assert cells[5][1] == "固定公开栏、微信公众号"
    assert cells[6][1] == "2026-11-05"
    assert cells[7][0] == "责任人：张三"
    assert cells[8][0] == "审核人（村务监督委员会）：李监督    审核意见：同意公开"
    sheet = load_workbook(out).active
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert "A1:B1" in {str(r) for r in sheet.merged_cells.ranges}


def test_a_period_as_printable_html(enrolled: Store, tmp_path: Path) -> None:
    enrolled.add("disclosure", disclosure(title="收入<公开>"))
    enrolled.add("disclosure", disclosure(catalog_code="FIN-02", title="第二份"))
    enrolled.add("disclosure", disclosure(period="2026-09", title="别的月份"))
    out = tmp_path / "board.html"
    assert export_disclosures(enrolled, out, period="2026-10", fmt="html") == 2
    page = out.read_text(encoding="utf-8")
    assert "@page { size: A4 portrait" in page
    assert page.count('<section class="notice">') == 2
    assert "收入&lt;公开&gt;" in page and "第二份" in page and "别的月份" not in page
    assert "责任人：张三" in page


def test_nothing_to_export_is_a_clear_error(enrolled: Store, tmp_path: Path) -> None:
    set_language("zh_CN")
    with pytest.raises(NoticeError, match="没有期间为 2030-01 的公开事项"):
        export_disclosures(enrolled, tmp_path / "x.xlsx", period="2030-01")
    set_language("en")
    with pytest.raises(NoticeError, match="no disclosure with id nope"):
        export_disclosures(enrolled, tmp_path / "x.xlsx", ids=["nope"])
    set_language(None)


def test_payment_list_is_masked(enrolled: Store, tmp_path: Path) -> None:
    held_project(enrolled, PROJECT, VILLAGE)
    held_project(enrolled, OTHER_PROJECT, VILLAGE)
    base = {"project_id": PROJECT, "method": "one_card", "paid_on": "2026-03-01"}
    enrolled.add(
        "subsidy_payment",
        {**base, "recipient_name": "王小五", "id_number": "11010519491231002X",
         "amount_fen": 123450, "account": "6217000012345678", "standard": 61725,
         "quantity": "2", "unit": "mu"},
    )  # fmt: skip
    enrolled.add(
        "subsidy_payment",
        {**base, "recipient_name": "李四", "id_number": "110105491231002",
         "amount_fen": 50, "project_id": OTHER_PROJECT},
    )  # fmt: skip
    out = tmp_path / "payments.xlsx"
    assert export_payments(enrolled, PROJECT, out) == 1
    cells = _cells(out)
    assert cells[0][0].endswith("补贴发放明细（个人信息已脱敏）")
    assert cells[1] == ["姓名", "身份证号", "村（社区）", "数量", "单位", "标准（元）",
                        "金额（元）", "发放日期", "发放方式", "账号"]  # fmt: skip
    assert cells[2] == ["王**", "110105********002X", "黑麻板村", "2", "亩", "617.25",
                        "1,234.50", "2026-03-01", "一卡通", "****5678"]  # fmt: skip
    assert cells[3][:2] == ["合计", "1 人"] and cells[3][6] == "1,234.50"
    raw = out.read_bytes()
    assert b"19491231" not in raw and b"12345678" not in raw


def test_yuan_is_exact() -> None:
    assert [yuan(0), yuan(5), yuan(123450), yuan(10**12)] == [
        "0.00",
        "0.05",
        "1,234.50",
        "10,000,000,000.00",
    ]


def test_cli_exports(enrolled: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    home = str(enrolled.home)
    out = tmp_path / "n.html"
    args = ["--home", home, "export", "disclosure", "--id", record_id, "--format", "html"]
    assert main([*args, "--out", str(out)]) == ExitCode.OK
    assert out.exists()
    pay = tmp_path / "p.xlsx"
    assert (
        main(["--home", home, "export", "payments", "--project", PROJECT, "--out", str(pay)]) == 0
    )
    assert "0 笔发放" in capsys.readouterr().out
    bad = ["--home", home, "export", "disclosure", "--period", "1999-01", "--out", str(out)]
    assert main(bad) == ExitCode.USAGE
    assert "没有期间为 1999-01 的公开事项" in capsys.readouterr().err
