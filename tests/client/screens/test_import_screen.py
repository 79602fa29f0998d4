"""The import screen: a legacy table from inside the app, with a progress bar."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from textual.message import Message
from textual.widgets import Input, ProgressBar, Select, Static, Switch
from textual.worker import WorkerFailed

from client.screens.import_file import ImportScreen
from client.store import Store
from tests.client.conftest import VILLAGE, audited_changes
from tests.client.legacy.files import disclosure_rows, write_csv, write_xlsx
from tests.client.screens.conftest import make_app, screen_text
from tests.stores import verify_chain


def _counts(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        return (
            conn.execute(sa.text("SELECT count(*) FROM disclosure")).scalar_one(),
            conn.execute(
                sa.text("SELECT count(*) FROM outbox WHERE state = 'pending'")
            ).scalar_one(),
            audited_changes(store),
        )


def _rows_with_one_bad(n: int) -> list[list[Any]]:
    rows = disclosure_rows(n)
    rows.append([n + 1, "不存在的事项", "2030年1月", "坏行", "内容", "", "", "李四"])
    return rows


async def _start(app: Any, pilot: Any, path: Path, *, dry_run: bool = False) -> ImportScreen:
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    screen.query_one("#import-path", Input).value = str(path)
    screen.query_one("#import-dry-run", Switch).value = dry_run
    await pilot.press("ctrl+s")
    await _finished(app, pilot)
    return screen


async def _finished(app: Any, pilot: Any) -> None:
    """Wait for the import worker; a failed one is the screen's to show, not the test's."""
    with contextlib.suppress(WorkerFailed):
        await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_gbk_csv_imported_from_the_disclosures_screen(
    enrolled: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "旧台账.csv", _rows_with_one_bad(30), encoding="gbk")
    progressed: list[tuple[int, int]] = []

    def hook(message: Message) -> None:
        if isinstance(message, ImportScreen.ImportProgressed):
            progressed.append((message.done, message.total))

    app = make_app(enrolled)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await pilot.press("2")
        active = app.screen.active_bindings
        assert "i" in active and active["i"].binding.show  # in the footer
        await pilot.press("i")
        screen = await _start(app, pilot, path)
        bar = screen.query_one("#import-progress", ProgressBar)
        assert (bar.total, bar.progress) == (31, 31)
        assert progressed and progressed[-1] == (31, 31)
        text = str(screen.query_one("#import-result", Static).render())
        assert "共 31 行，新增 30，更新 0，未变 0，拒收 1" in text
        assert "含个人信息" in text  # the reject report is named, with the warning
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ImportScreen)
        assert "显示 30 条，共 30 条" in screen_text(app)  # the list shows them at once
    assert _counts(enrolled) == (30, 30, 30)
    with enrolled.engine.connect() as conn:
        assert verify_chain(conn) is None
    report = enrolled.home / "imports" / "旧台账.rejects.csv"
    assert report.is_file() and (enrolled.home / "imports" / "旧台账.rejects.xlsx").is_file()
    assert "不存在的事项" in report.read_text(encoding="utf-8-sig")
    record = next(r for r in enrolled.list_records("disclosure") if r["period"] == "2020-01")
    assert (record["org_code"], record["catalog_code"]) == (VILLAGE, "FIN-02")


async def test_an_xlsx_dry_run_saves_nothing_then_the_import_does(
    enrolled: Store, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "台账.xlsx", disclosure_rows(12))
    app = make_app(enrolled)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "i")
        screen = await _start(app, pilot, path, dry_run=True)
        assert "试运行，未保存：共 12 行，将新增 12" in str(
            screen.query_one("#import-result", Static).render()
        )
        assert _counts(enrolled) == (0, 0, 0)
        screen = await _start(app, pilot, path)
        bar = screen.query_one("#import-progress", ProgressBar)
        assert (bar.total, bar.progress) == (12, 12)
        assert "新增 12" in str(screen.query_one("#import-result", Static).render())
    assert _counts(enrolled) == (12, 12, 12)
    assert not (enrolled.home / "imports").exists()  # no rejects, no report


async def test_a_file_that_is_not_a_table_is_one_message_and_writes_nothing(
    enrolled: Store, tmp_path: Path
) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    headless = write_csv(tmp_path / "other.csv", [["a", "b"]], headers=["甲", "乙"], title=None)
    app = make_app(enrolled)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "i")
        screen = await _start(app, pilot, binary)
        result = screen.query_one("#import-result", Static)
        assert (
            str(result.render())
            == "未导入，没有保存任何内容：文件不是表格：请选择 CSV 或 Excel 文件"
        )
        assert result.has_class("error")
        screen = await _start(app, pilot, headless)
        assert "没有一行是这类记录的表头（例如 " in str(result.render())
        screen = await _start(app, pilot, tmp_path / "missing.csv")
        assert str(result.render()).endswith("没有这个文件")
        assert not screen.query_one("#import-start-button").disabled  # ready for another go
    assert _counts(enrolled) == (0, 0, 0)


async def test_escape_while_importing_cancels_and_saves_nothing(
    enrolled: Store, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "big.csv", disclosure_rows(4_500), encoding="gbk")
    app = make_app(enrolled)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2", "i")
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        screen.query_one("#import-path", Input).value = str(path)
        screen.action_start()
        screen.action_close()  # Esc while it runs: cancel, not leave
        await _finished(app, pilot)
        assert app.screen is screen
        assert "已取消导入" in str(screen.query_one("#import-result", Static).render())
    assert _counts(enrolled) == (0, 0, 0)


async def test_payments_are_imported_into_the_chosen_project(
    enrolled: Store, tmp_path: Path
) -> None:
    project = enrolled.add(
        "subsidy_project",
        {"category": "agriculture", "name": "耕地地力保护补贴", "total_fen": 100_000},
    )
    headers = ["序号", "户主姓名", "身份证号码", "发放金额（元）", "发放日期", "发放方式"]
    rows = [[1, "张三", "11010519491231002X", "61.50", "2020-07-14", "一卡通"]]
    path = write_csv(tmp_path / "发放.csv", rows, headers=headers, encoding="gbk")
    app = make_app(enrolled)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3", "i")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        assert screen.query_one("#import-kind", Select).value == "subsidy_payment"
        await _start(app, pilot, path)
        assert "新增 1" in str(screen.query_one("#import-result", Static).render())
    (payment,) = enrolled.list_records("subsidy_payment")
    assert (payment["project_id"], payment["amount_fen"]) == (project, 6150)


async def test_the_reasons_of_rejected_rows_are_a_table_on_the_screen(
    enrolled: Store, tmp_path: Path
) -> None:
    """The old platform's export with two bad rows: their reasons, in Chinese with line,
    field and old column, are listed on the screen; the footer rows are said skipped."""
    from textual.widgets import DataTable

    from tests.client.legacy.office_files import platform_rows, write_platform_csv

    rows = platform_rows()
    rows[0][1] = "党务"  # 各项收入 is a finance item
    rows[1][2] = "没有这个事项"
    path = write_platform_csv(tmp_path / "平台导出.csv", rows)
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2", "i")
        screen = await _start(app, pilot, path)
        text = str(screen.query_one("#import-result", Static).render())
        assert "新增 1" in text and "拒收 2" in text
        assert "已跳过表尾 3 行（合计、签字等）：第 6 行（合计）、第 7 行（制表人）" in text
        table = screen.query_one("#import-rejects", DataTable)
        assert table.display
        shown = [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]
        assert shown[0] == ["3", "目录事项", "公开类别", "该目录事项属于财务，本列却写的是党务。"]
        # The sentence a typed entry gets for the same mistake.
        assert shown[1] == ["4", "目录事项", "公开事项", "不是目录中的事项。"]
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        (notice,) = list(app._notifications)
        assert notice.title == "第 3 行" and "目录事项（原列“公开类别”）" in notice.message
        # Another file with no rejects hides the table again.
        clean = write_platform_csv(tmp_path / "clean.csv", platform_rows()[2:])
        await _start(app, pilot, clean)
        assert not table.display


async def test_the_picker_opens_in_the_last_folder_and_shows_only_tables(
    enrolled: Store, tmp_path: Path
) -> None:
    from textual.widgets import DirectoryTree

    from client.legacy.importer import last_import_folder, remember_import_folder
    from client.widgets.file_picker import TABLE_SUFFIXES, FilePicker

    folder = tmp_path / "台账"
    (folder / "子目录").mkdir(parents=True)
    for name in ("补贴.xlsx", "公开.CSV", "旧.xls", "表.ods", "照片.jpg", "说明.docx", ".隐藏.csv"):
        (folder / name).write_bytes(b"x")
    (folder / ".cache").mkdir()
    remember_import_folder(enrolled, folder)
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2", "i")
        await pilot.press("ctrl+o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, FilePicker)
        assert (picker.start, picker.suffixes) == (folder, TABLE_SUFFIXES)
        assert "只显示 .csv .ods .xls .xlsx 文件" in screen_text(app)
        tree = picker.query_one(DirectoryTree)
        await pilot.pause(0.3)
        names = sorted(str(node.label) for node in tree.root.children)
        assert names == sorted(["子目录", "补贴.xlsx", "公开.CSV", "旧.xls", "表.ods"])
        other = tmp_path / "别处"
        other.mkdir()
        chosen = write_csv(other / "新台账.csv", disclosure_rows(1))
        typed = picker.query_one("#path", Input)
        typed.value = str(chosen)
        typed.focus()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        assert screen.query_one("#import-path", Input).value == str(chosen)
    assert last_import_folder(enrolled) == other  # the next picker opens there
