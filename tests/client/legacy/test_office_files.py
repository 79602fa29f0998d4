"""Imports of the office's own files (issue 16, item 5): each habit of a township
spreadsheet handled, footer rows skipped and reported, reasons in Chinese, the exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
import python_calamine

from client.cli import main
from client.legacy.cleaning import parse_account, parse_decimal, parse_id_number
from client.legacy.footers import footer_word
from client.legacy.importer import import_file
from client.legacy.mapping import builtin_mapping
from client.legacy.reasons import reasons_text, skipped_text
from client.legacy.report import write_reject_report
from client.store import Store
from models.validation import normalize
from sync.failures import ExitCode
from tests.client.conftest import VILLAGE
from tests.client.legacy.office_files import (
    ledger_rows,
    person_id,
    platform_rows,
    write_ledger_xlsx,
    write_platform_csv,
)
from tests.stores import held_project, open_store

PROJECT = "0190b7c4-0000-7000-8000-000000000001"


# ---------------------------------------------------------------- one cell at a time


def test_a_full_width_decimal_point_in_an_area_is_a_decimal_point() -> None:
    assert parse_decimal("１２．５") == "12.5"
    assert parse_decimal(" 1，250.5 ") == "1250.5"
    assert normalize("subsidy_payment", {"quantity": parse_decimal("１２．５")}) == (
        {"quantity": "12.5"},
        [],
    )


@pytest.mark.parametrize("name", ["李\u3000芳", "李 芳", "\u3000李芳\u3000", "李\u3000\u3000芳"])
def test_a_padded_two_character_name_loses_its_padding(name: str) -> None:
    given, errors = normalize("subsidy_payment", {"recipient_name": name})
    assert (given, errors) == ({"recipient_name": "李芳"}, [])
    given, _errors = normalize("disclosure", {"responsible": name, "reviewer": name})
    assert given == {"responsible": "李芳", "reviewer": "李芳"}


def test_a_name_in_latin_letters_keeps_one_space() -> None:
    assert normalize("subsidy_payment", {"recipient_name": "Ahmad  Ali"})[0] == {
        "recipient_name": "Ahmad Ali"
    }


@pytest.mark.parametrize("cell", ['="{id}"', "'{id}", "\t{id}", ' ＝"{id}" ', "‘{id}", '="{id}"\t'])
def test_id_cells_written_as_text_by_an_export_are_read(cell: str) -> None:
    number = person_id(7)
    assert parse_id_number(cell.format(id=number)) == number


@pytest.mark.parametrize(
    "cell", ['="6228 4800 1234 5678"', "'6228480012345678", "\t6228-4800-1234-5678"]
)
def test_account_cells_written_as_text_are_read(cell: str) -> None:
    assert parse_account(cell) == "6228480012345678"


def test_an_account_a_spreadsheet_made_a_number_is_refused_with_the_reason() -> None:
    from client.legacy.cleaning import CleanError

    with pytest.raises(CleanError) as caught:
        parse_account(6.228480012345678e18)
    assert (caught.value.code, caught.value.detail) == ("account_mangled", "float")


def test_ledger_headers_and_words_are_declared_aliases() -> None:
    payments = builtin_mapping("subsidy_payment")
    assert payments.rule_for("银行卡号").field == "account"  # type: ignore[union-attr]
    disclosures = builtin_mapping("disclosure")
    domain = disclosures.rule_for("公开类别")
    assert domain is not None and (domain.field, domain.checks) == ("catalog_code", True)
    assert disclosures.rule_for("公开事项").field == "catalog_code"  # type: ignore[union-attr]
    given, errors = normalize(
        "disclosure", {"channels": "公开栏、村务公开栏、微信群、电子屏、固定公开栏"}
    )
    assert (given["channels"], errors) == (["board", "led", "wechat"], [])


@pytest.mark.parametrize(
    ("cells", "word"),
    [
        (["合计", None, 1200], "合计"),
        ([None, "合  计", "", 3], "合计"),
        (["制表人：李芳   审核人：王五"], "制表人"),
        (["审核人", "王五"], "审核人"),
        (["填表日期：2024年2月2日"], "填表日期"),
        (["小计:"], "小计"),
        (["合计收入"], None),
        ([1, "合计"], None),
        (["各项收入", "合计"], None),
    ],
)
def test_footer_rows_are_recognised_by_their_first_filled_cell(
    cells: list[object], word: str | None
) -> None:
    assert footer_word(cells) == word


# ---------------------------------------------------------------- whole files


def test_the_old_platform_export_imports_with_its_category_checked(
    enrolled: Store, tmp_path: Path
) -> None:
    rows = platform_rows()
    rows.append(
        [
            4,
            "党务",
            "各项收入",
            "2024年2月",
            "填错类别",
            "内容",
            "公开栏",
            "2024年3月1日",
            "李芳",
            "",
        ]
    )
    rows.append(
        [
            5,
            "三务",
            "各项收入",
            "2024年3月",
            "类别不明",
            "内容",
            "公开栏",
            "2024年4月1日",
            "李芳",
            "",
        ]
    )
    path = write_platform_csv(tmp_path / "平台导出.csv", rows, encoding="gbk")
    report = import_file(enrolled, path, "disclosure")
    assert (report.created, report.rejected) == (3, 2)
    assert report.ignored_columns == []
    assert [(s.line, s.word) for s in report.skipped] == [
        (8, "合计"),
        (9, "制表人"),
        (10, "填表日期"),
    ]
    saved = {r["title"]: r for r in enrolled.list_records("disclosure")}
    first = saved["1月收入公开"]
    assert (first["catalog_code"], first["period"]) == ("FIN-02", "2024-01")
    assert first["channels"] == ["board", "wechat"]
    assert saved["1月支出公开"]["channels"] == ["board", "led"]
    assert (first["responsible"], first["reviewer"]) == ("李芳", "王五")
    assert saved["2024年村规民约"]["catalog_code"] == "VIL-09"
    reasons = {r.line: reasons_text("disclosure", r.problems) for r in report.rejects}
    assert reasons[6] == ("目录事项（原列“公开类别”）：该目录事项属于财务，本列却写的是党务。")
    assert reasons[7].startswith("目录事项（原列“公开类别”）：不是公开类别")
    assert "已跳过表尾 3 行" in skipped_text(report.skipped)


def test_the_payment_ledger_imports_every_row_and_skips_its_footer(
    enrolled: Store, tmp_path: Path
) -> None:
    path = write_ledger_xlsx(tmp_path / "花名册.xlsx", ledger_rows())
    held_project(enrolled, PROJECT, VILLAGE)
    report = import_file(enrolled, path, "subsidy_payment", values={"project_id": PROJECT})
    assert (report.created, report.rejected, report.ignored_columns) == (3, 0, [])
    assert [(s.line, s.word) for s in report.skipped] == [(6, "合计"), (7, "制表人")]
    saved = {r["id_number"]: r for r in enrolled.list_records("subsidy_payment")}
    first = saved[person_id(1)]
    assert (first["recipient_name"], first["quantity"], first["amount_fen"]) == (
        "李芳",
        "12.5",
        125000,
    )
    assert first["account"] == "6228480012345678"
    assert saved[person_id(2)]["account"] == "6228480012345679"
    assert saved[person_id(3)]["account"] == "6228480012345670"
    assert saved[person_id(3)]["recipient_name"] == "王五"


def test_reject_reasons_are_chinese_and_name_the_field_and_the_line(
    enrolled: Store, tmp_path: Path
) -> None:
    rows = ledger_rows()
    rows[1][2] = "1.10105E+17"
    rows[2][4] = "两亩半"
    path = write_ledger_xlsx(tmp_path / "坏行.xlsx", rows)
    held_project(enrolled, PROJECT, VILLAGE)
    report = import_file(enrolled, path, "subsidy_payment", values={"project_id": PROJECT})
    assert [r.line for r in report.rejects] == [4, 5]
    xlsx, _csv = write_reject_report(report, tmp_path / "拒收")
    cells = python_calamine.CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()
    reasons = {int(float(str(row[0]))): str(row[1]) for row in cells[3:]}
    assert reasons[4].startswith("身份证号（原列“身份证号”）：表格软件把号码存成了数值")
    assert reasons[5].startswith("数量（原列“补贴面积（亩）”）：")
    assert "1.10105" not in reasons[4]


# ---------------------------------------------------------------- the command


@pytest.mark.usefixtures("cli_passphrase")
def test_the_command_exits_non_zero_when_no_row_was_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = platform_rows()
    for row in rows:
        row[1] = "党务"  # every row's category contradicts its item
    bad = write_platform_csv(tmp_path / "bad.csv", rows, encoding="utf-8-sig")
    home = tmp_path / "home"
    args = ["--home", str(home), "import", "--kind", "disclosure", "--org", VILLAGE]
    assert main([*args, str(bad)]) == ExitCode.USAGE
    captured = capsys.readouterr()
    assert "新增 0，修改 0，不变 0，退回 3" in captured.out
    assert "已跳过表尾行：第 6 行（合计），第 7 行（制表人），第 8 行（填表日期）" in captured.out
    assert "没有导入任何行" in captured.err
    assert main([*args, "--dry-run", str(bad)]) == ExitCode.USAGE
    good = write_platform_csv(tmp_path / "good.csv", platform_rows(), encoding="utf-8-sig")
    assert main([*args, str(good)]) == ExitCode.OK
    assert "银行卡号" not in capsys.readouterr().out
    with open_store(home) as store:
        assert len(store.list_records("disclosure")) == 3
