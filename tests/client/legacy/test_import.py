"""Importing generated legacy files: encodings, workbooks, dirty cells, rejects, re-import."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import python_calamine
import sqlalchemy as sa

from client import audit, queries
from client.i18n import set_language
from client.legacy.importer import NotATable, import_file
from client.legacy.report import PERSONAL_DATA_NOTICE, write_reject_report
from client.store import Store
from client.tables import OutboxOp
from tests.client.conftest import VILLAGE, audited_changes
from tests.client.legacy.files import (
    DISCLOSURE_HEADERS,
    disclosure_rows,
    write_csv,
    write_xls,
    write_xlsx,
)
from tests.stores import held_project, verify_chain

VECTOR = "11010519491231002X"
PROJECT = "0190b7c4-0000-7000-8000-000000000001"
PAYMENT_HEADERS = ["序号", "户主姓名", "身份证号码", "面积(亩)", "补贴标准(元)", "发放金额（元）",
                   "发放日期", "发放方式", "银行账号"]  # fmt: skip


def _counts(store: Store) -> tuple[int, int, int]:
    """Records, queued ops, and the changes the audit log accounts for."""
    with store.engine.connect() as conn:
        records = conn.execute(sa.text("SELECT count(*) FROM disclosure")).scalar_one()
        ops = conn.execute(sa.select(sa.func.count()).select_from(OutboxOp)).scalar_one()
    return int(records), int(ops), audited_changes(store)


def _chain_ok(store: Store) -> bool:
    with store.engine.connect() as conn:
        return verify_chain(conn) is None


# ---------------------------------------------------------------- encodings and formats


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_is_detected(enrolled: Store, tmp_path: Path, encoding: str) -> None:
    rows = disclosure_rows(3)
    rows[0][3] = "䶮㐀收入公开" if encoding == "gb18030" else rows[0][3]  # beyond GBK
    path = write_csv(tmp_path / f"legacy-{encoding}.csv", rows, encoding=encoding)
    report = import_file(enrolled, path, "disclosure")
    assert (report.created, report.rejected, report.header_line) == (3, 0, 2)
    records = {r["period"]: r for r in enrolled.list_records("disclosure")}
    first = records["2020-01"]
    assert first["title"] == rows[0][3]
    assert first["org_code"] == VILLAGE  # the device's unit
    assert first["catalog_code"] == "FIN-02"  # 各项收入, by name
    assert first["channels"] == ["board", "wechat"]
    assert first["disclosed_on"] == "2020-01-28"
    assert _counts(enrolled) == (3, 3, 3)
    assert _chain_ok(enrolled)


def test_encoding_can_be_given(enrolled: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", disclosure_rows(2), encoding="gbk")
    assert import_file(enrolled, path, "disclosure", encoding="gbk").created == 2
    set_language("zh_CN")
    with pytest.raises(NotATable, match="未知的编码 'klingon'"):
        import_file(enrolled, path, "disclosure", encoding="klingon")
    set_language("en")
    with pytest.raises(NotATable, match="unknown encoding 'klingon'"):
        import_file(enrolled, path, "disclosure", encoding="klingon")
    set_language(None)


def test_wrong_encoding_given_is_one_clear_message(enrolled: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", disclosure_rows(2), encoding="gbk")
    with pytest.raises(NotATable, match="not valid utf-8"):
        import_file(enrolled, path, "disclosure", encoding="utf-8")
    assert _counts(enrolled) == (0, 0, 0)


def test_xlsx_with_merged_title_rows_and_typed_cells(enrolled: Store, tmp_path: Path) -> None:
    rows = disclosure_rows(3)
    rows[1][6] = 44026  # an Excel serial number: 2020-07-14
    rows[2][2] = "2020-03"
    path = write_xlsx(tmp_path / "legacy.xlsx", rows, titles=2)
    report = import_file(enrolled, path, "disclosure")
    assert (report.created, report.rejected, report.header_line) == (3, 0, 3)
    assert report.source == "sheet 台账"
    by_period = {r["period"]: r for r in enrolled.list_records("disclosure")}
    assert by_period["2020-02"]["disclosed_on"] == "2020-07-14"


def test_xls_written_by_xlwt(enrolled: Store, tmp_path: Path) -> None:
    pytest.importorskip("xlwt")
    path = write_xls(tmp_path / "old.xls", disclosure_rows(4), headers=DISCLOSURE_HEADERS)
    report = import_file(enrolled, path, "disclosure")
    assert (report.created, report.rejected, report.header_line) == (4, 0, 2)


def test_header_is_found_among_many_title_rows_and_blank_lines(
    enrolled: Store, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "deep.xlsx", disclosure_rows(2), titles=6)
    assert import_file(enrolled, path, "disclosure").header_line == 7


def test_blank_csv_rows_are_skipped_and_lines_keep_their_numbers(
    enrolled: Store, tmp_path: Path
) -> None:
    """Blank lines, rows of empty cells and rows of white space (full-width too) are not
    rows; the line a reject names is still the file's own line."""
    good = disclosure_rows(3)
    bad = [*good[2][:2], "不是期间", *good[2][3:]]
    rows: list[list[Any]] = [
        [],
        good[0],
        [""] * len(DISCLOSURE_HEADERS),
        ["  ", "\t", "\u3000", ""],
        ["", "", "", " "],
        good[1],
        bad,
    ]
    path = write_csv(tmp_path / "blank.csv", rows, encoding="gbk")
    report = import_file(enrolled, path, "disclosure")
    assert (report.created, report.rejected, report.header_line) == (2, 1, 2)
    assert [reject.line for reject in report.rejects] == [2 + len(rows)]


# ---------------------------------------------------------------- dirty cells and rejects


def _payment_rows() -> list[list[Any]]:
    return [
        # 2 mu at 61.50 yuan = 123.00 yuan; full-width digits, a Chinese date, a 15-digit ID.
        [1, "\u3000张三 ", "110105491231002", "２", "61.50元", "1,23.00元", "2020年7月14日",
         "一卡通", "6228 4800 1234 5678"],
        # 1.2万元, an Excel serial date, lower-case x, 万元 in the cell.
        [2, "李四", "11010519491231002x", "", "", "1.2万元", 44026, "社保卡", ""],
        [3, "王五", "1.10105E+17", "", "", "100", "2020-07-14", "现金", ""],
        [4, "赵六", "110105194912310000", "", "", "100", "2020-07-14", "现金", ""],
        [5, "钱七", "11010519491231002", "", "", "100", "2020/7/14", "现金", ""],
        [6, "孙八", "11010519491231003X", "", "", "1,234.567元", "昨天", "飞鸽", ""],
    ]  # fmt: skip


def test_dirty_payment_cells_are_cleaned_or_rejected_with_reasons(
    enrolled: Store, tmp_path: Path
) -> None:
    held_project(enrolled, PROJECT, VILLAGE)
    path = write_csv(
        tmp_path / "payments.csv", _payment_rows(), headers=PAYMENT_HEADERS, encoding="gbk"
    )
    report = import_file(enrolled, path, "subsidy_payment", values={"project_id": PROJECT})
    assert (report.created, report.rejected) == (1, 5)
    (saved,) = enrolled.list_records("subsidy_payment")
    assert saved["recipient_name"] == "张三"
    assert saved["id_number"] == VECTOR  # 15 digits made 18
    assert (saved["quantity"], saved["standard"], saved["amount_fen"]) == ("2", 6150, 12300)
    assert saved["paid_on"] == "2020-07-14"
    assert (saved["method"], saved["account"]) == ("one_card", "6228480012345678")
    reasons = {reject.line: " | ".join(map(str, reject.problems)) for reject in report.rejects}
    # 李四 repeats 张三's ID number in the same project: the natural key.
    assert "repeats line 3" in reasons[4]
    assert "scientific notation" in reasons[5] and "身份证号码 → id_number" in reasons[5]
    assert "became 000" in reasons[6]
    assert "17 digits" in reasons[7]
    assert "check character" in reasons[8]
    assert "fractions of a fen" in reasons[8]
    assert "paid_on" in reasons[8] and "method" in reasons[8]
    for text in reasons.values():
        assert "1101051949" not in text  # reasons never repeat an ID number


def test_a_second_payment_line_for_another_person_is_kept(enrolled: Store, tmp_path: Path) -> None:
    held_project(enrolled, PROJECT, VILLAGE)
    rows = _payment_rows()[1:2]  # 李四 alone: 1.2万元 and a serial date
    path = write_csv(tmp_path / "p.csv", rows, headers=PAYMENT_HEADERS)
    report = import_file(enrolled, path, "subsidy_payment", values={"project_id": PROJECT})
    assert report.created == 1
    (saved,) = enrolled.list_records("subsidy_payment")
    assert (saved["amount_fen"], saved["paid_on"], saved["id_number"]) == (
        1_200_000,
        "2020-07-14",
        VECTOR,
    )


def test_reject_report_is_written_as_xlsx_and_csv(enrolled: Store, tmp_path: Path) -> None:
    held_project(enrolled, PROJECT, VILLAGE)
    path = write_csv(tmp_path / "payments.csv", _payment_rows(), headers=PAYMENT_HEADERS)
    report = import_file(enrolled, path, "subsidy_payment", values={"project_id": PROJECT})
    xlsx, csv_path = write_reject_report(report, tmp_path / "rejects.xlsx")
    assert (xlsx.name, csv_path.name) == ("rejects.xlsx", "rejects.csv")
    sheet = python_calamine.CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0)
    cells = sheet.to_python(skip_empty_area=False)
    assert cells[0][0] == PERSONAL_DATA_NOTICE
    assert cells[2][:4] == ["行号", "原因", "序号", "户主姓名"]
    lines = [int(str(row[0]).removesuffix(".0")) for row in cells[3:]]
    assert lines == [4, 5, 6, 7, 8]
    assert cells[4][4] == "1.10105E+17"  # the original cell, as the clerk typed it
    # The reason in Chinese, naming the field and its old column.
    assert str(cells[4][1]).startswith("身份证号（原列“身份证号码”）：")
    assert "科学计数法" in str(cells[4][1])
    text = csv_path.read_text(encoding="utf-8-sig")
    assert text.startswith(PERSONAL_DATA_NOTICE.split("，")[0])
    assert "1.10105E+17" in text


def test_out_of_scope_and_invalid_rows_are_rejected(enrolled: Store, tmp_path: Path) -> None:
    headers = ["单位编码", *DISCLOSURE_HEADERS[1:]]
    rows = [[VILLAGE, *r[1:]] for r in disclosure_rows(3)]
    rows[1][0] = "150202101201"  # another village: not this clerk's
    rows[2][1] = "不存在的事项"
    path = write_csv(tmp_path / "scope.csv", rows, headers=headers)
    report = import_file(enrolled, path, "disclosure")
    assert (report.created, report.rejected) == (1, 2)
    problems = {r.line: r.problems for r in report.rejects}
    assert [p.code for p in problems[4]] == ["out_of_scope"]
    assert [p.field for p in problems[5]] == ["catalog_code"]


def test_ten_megabytes_in_one_cell(enrolled: Store, tmp_path: Path) -> None:
    rows = disclosure_rows(3)
    rows[1][4] = "很长的内容" * 2_000_000  # 10 M characters
    path = write_csv(tmp_path / "huge.csv", rows)
    del rows
    tracemalloc.start()
    try:
        report = import_file(enrolled, path, "disclosure")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (report.created, report.rejected) == (2, 1)
    (reject,) = report.rejects
    assert reject.line == 4
    assert [p.code for p in reject.problems] == ["too_long"]
    assert "text too long" in str(reject.problems[0])
    # The line is read once (a few times its size in memory, briefly); the cell is never kept.
    assert peak < 64_000_000
    xlsx, _ = write_reject_report(report, tmp_path / "huge-rejects")
    assert xlsx.stat().st_size < 1_000_000


# ---------------------------------------------------------------- not a table


def test_truncated_workbook_changes_nothing(enrolled: Store, tmp_path: Path) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", disclosure_rows(20)).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(NotATable, match="damaged or truncated"):
        import_file(enrolled, cut, "disclosure")
    assert _counts(enrolled) == (0, 0, 0)


def test_truncated_csv_changes_nothing(enrolled: Store, tmp_path: Path) -> None:
    rows = disclosure_rows(5)
    rows[4][4] = "多行\n的内容"
    data = write_csv(tmp_path / "whole.csv", rows, encoding="gbk").read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: data.rindex("多".encode("gbk")) + 3])  # inside the quoted cell
    with pytest.raises(NotATable):
        import_file(enrolled, cut, "disclosure")
    assert _counts(enrolled) == (0, 0, 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\r\n\r\n,,\r\n", "holds no rows"),
        (b"\x00\x01\x02binary\x00", "binary"),
        ("姓名,年龄\n张三,3\n".encode(), "no header row"),
    ],
)
def test_not_a_table(enrolled: Store, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    with pytest.raises(NotATable, match=message):
        import_file(enrolled, path, "disclosure")
    assert _counts(enrolled) == (0, 0, 0)


def test_empty_sheet_and_wrong_sheet(enrolled: Store, tmp_path: Path) -> None:
    from openpyxl import Workbook

    empty = tmp_path / "empty.xlsx"
    workbook = Workbook()
    workbook.save(empty)
    with pytest.raises(NotATable, match="empty"):
        import_file(enrolled, empty, "disclosure")
    path = write_xlsx(tmp_path / "ok.xlsx", disclosure_rows(1))
    with pytest.raises(NotATable, match=r"没有工作表 '汇总'.*台账"):
        import_file(enrolled, path, "disclosure", sheet="汇总")


def test_a_zip_that_is_not_a_workbook(enrolled: Store, tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(NotATable):
        import_file(enrolled, path, "disclosure")
    text = tmp_path / "text.xlsx"
    text.write_text("标题,内容\n")
    with pytest.raises(NotATable, match="not a workbook"):
        import_file(enrolled, text, "disclosure")


# ---------------------------------------------------------------- re-import


def test_reimport_adds_nothing_and_a_changed_row_becomes_an_edit(
    enrolled: Store, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", disclosure_rows(10))
    assert import_file(enrolled, first, "disclosure").created == 10
    assert _counts(enrolled) == (10, 10, 10)
    again = import_file(enrolled, first, "disclosure", batch_size=3)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    assert _counts(enrolled) == (10, 10, 10)

    overlapping = disclosure_rows(7, start=5)  # rows 5-10 again, plus 11
    overlapping[0][4] = "本月收入更正为501元。"
    second = write_csv(tmp_path / "b.xlsx.csv", overlapping)
    report = import_file(enrolled, second, "disclosure")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 5)
    assert _counts(enrolled) == (11, 12, 12)
    (changed,) = [r for r in enrolled.list_records("disclosure") if r["period"] == "2020-05"]
    assert changed["content"] == "本月收入更正为501元。"
    update = [op for op in enrolled.queue() if op.action == "update"]
    assert [(op.record_id, op.fields) for op in update] == [(changed["id"], ("content",))]
    history = [
        (entry.action, entry.changes) for entry in queries.history(enrolled.engine, changed["id"])
    ]
    assert [action for action, _ in history] == ["import", "update"]
    assert history[0][1]["file"] == "a.csv"  # the file that made it, and its digest
    assert len(history[0][1]["sha256"]) == 64
    assert history[1][1] == {"content": ["本月收入合计500元。", "本月收入更正为501元。"]}
    assert _chain_ok(enrolled)


def test_reimport_of_payments_matches_sealed_id_numbers(enrolled: Store, tmp_path: Path) -> None:
    held_project(enrolled, PROJECT, VILLAGE)
    rows = _payment_rows()[:1]
    path = write_csv(tmp_path / "p.csv", rows, headers=PAYMENT_HEADERS)
    values = {"project_id": PROJECT}
    assert import_file(enrolled, path, "subsidy_payment", values=values).created == 1
    rows[0][6] = "2020年7月15日"
    path = write_csv(tmp_path / "p2.csv", rows, headers=PAYMENT_HEADERS)
    report = import_file(enrolled, path, "subsidy_payment", values=values)
    assert (report.created, report.updated) == (0, 1)
    (saved,) = enrolled.list_records("subsidy_payment")
    assert saved["paid_on"] == "2020-07-15"


def test_kinds_without_a_natural_key_remember_imported_rows(
    enrolled: Store, tmp_path: Path
) -> None:
    headers = ["指标编码", "发生日期", "履职内容"]
    today = date.today()  # a closed year's evidence is locked
    written = f"{today.year}年{today.month}月{today.day}日"
    rows = [["ZT-001", written, "制定年度计划"], ["ZT-001", today.isoformat(), "召开专题会议"]]
    path = write_csv(tmp_path / "duty.csv", rows, headers=headers)
    assert import_file(enrolled, path, "duty_evidence").created == 2
    again = import_file(enrolled, path, "duty_evidence")
    assert (again.created, again.unchanged) == (0, 2)
    assert len(enrolled.list_records("duty_evidence")) == 2


def test_dry_run_writes_nothing(enrolled: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", disclosure_rows(4))
    report = import_file(enrolled, path, "disclosure", dry_run=True)
    assert (report.created, report.dry_run) == (4, True)
    assert _counts(enrolled) == (0, 0, 0)


def test_mapping_file_names_columns_and_converters(enrolled: Store, tmp_path: Path) -> None:
    mapping = tmp_path / "old.toml"
    mapping.write_text(
        '[columns]\n"名目" = "catalog_code"\n"月份" = { field = "period", convert = "period" }\n'
        '"题目" = "title"\n\n[defaults]\nresponsible = "李会计"\n',
        encoding="utf-8",
    )
    path = write_csv(
        tmp_path / "odd.csv",
        [["FIN-03", "2021年5月", "五月支出"]],
        headers=["名目", "月份", "题目"],
    )
    report = import_file(enrolled, path, "disclosure", mapping=mapping)
    assert report.created == 1
    (saved,) = enrolled.list_records("disclosure")
    assert (saved["catalog_code"], saved["period"], saved["responsible"]) == (
        "FIN-03",
        "2021-05",
        "李会计",
    )


def test_progress_is_reported_per_batch(enrolled: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", disclosure_rows(25))
    seen: list[tuple[int, int]] = []
    import_file(
        enrolled, path, "disclosure", batch_size=10, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_the_whole_file_is_one_transaction(
    enrolled: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure in the third batch takes the first two with it: nothing half-imported."""
    path = write_csv(tmp_path / "a.csv", disclosure_rows(25))
    batches: list[int] = []
    append_many = audit.append_many

    def failing(conn: Any, entries: Any) -> Any:
        # Each batch's new records share one entry: its changes name them.
        batches.append(len(json.loads(entries[0].canonical_changes)["records"]))
        if len(batches) == 3:
            raise OSError("disk full")
        return append_many(conn, entries)

    monkeypatch.setattr(audit, "append_many", failing)
    with pytest.raises(OSError, match="disk full"):
        import_file(enrolled, path, "disclosure", batch_size=10)
    assert batches == [10, 10, 5]
    assert _counts(enrolled) == (0, 0, 0)
    monkeypatch.undo()
    assert import_file(enrolled, path, "disclosure", batch_size=10).created == 25
    assert _counts(enrolled) == (25, 25, 25)
    assert _chain_ok(enrolled)


def test_rows_of_one_file_match_across_batches(enrolled: Store, tmp_path: Path) -> None:
    """A later batch sees what an earlier one of the same import wrote (one transaction)."""
    path = write_csv(tmp_path / "a.csv", disclosure_rows(5))
    import_file(enrolled, path, "disclosure")
    rows = disclosure_rows(8)  # five known, three new
    rows[6][4] = "新内容"
    again = import_file(enrolled, write_csv(tmp_path / "b.csv", rows), "disclosure", batch_size=3)
    assert (again.created, again.updated, again.unchanged) == (3, 0, 5)
    assert _counts(enrolled) == (8, 8, 8)
