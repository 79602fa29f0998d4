"""The disclosure list, its filters and pinyin search, the form and the detail view."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Select, Static, TextArea

from client.screens import disclosures
from client.screens.disclosure_detail import DisclosureDetail
from client.screens.disclosure_form import DisclosureForm
from client.store import Store
from client.widgets.confirm import ConfirmScreen
from client.widgets.paged_table import PagedTable
from client.widgets.written import WrittenScreen
from tests.client.conftest import VILLAGE, disclosure
from tests.client.screens.conftest import make_app, open_first_disclosure, screen_text
from tests.stores import import_rows


async def test_list_filters_by_status_and_finds_pinyin_initials(enrolled: Store) -> None:
    enrolled.add("disclosure", disclosure(status="submitted"))
    enrolled.add(
        "disclosure",
        disclosure(catalog_code="PTY-02", period="2026-Q3", title="党费收缴情况", status="draft"),
    )
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one("#disclosures", DataTable)
        assert table.row_count == 2
        assert "显示 2 条，共 2 条" in screen_text(app)

        app.screen.query_one("#filter-status", Select).value = "draft"
        await pilot.pause()
        assert table.row_count == 1
        assert "党费收缴情况" in screen_text(app)

        app.screen.query_one("#filter-status", Select).clear()
        search = app.screen.query_one("#filter-search", Input)
        search.value = "cwsz"  # 十月财务收支公开: initials
        await pilot.pause()
        await app.workers.wait_for_complete()  # the pinyin index, built at the first such search
        await pilot.pause()
        assert table.row_count == 1
        assert "十月财务收支公开" in screen_text(app)
        search.value = "dangfei"  # full pinyin
        await pilot.pause()
        assert table.row_count == 1
        assert "党费收缴情况" in screen_text(app)


async def test_form_saves_a_new_disclosure_with_the_template(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "n")
        form = app.screen
        assert isinstance(form, DisclosureForm)
        form.query_one("#f-catalog_code", Select).value = "FIN-02"
        await pilot.pause()
        content = form.query_one("#f-content", TextArea).text
        assert "____" in content, "the item's template fills the content"
        assert form.query_one("#f-period", Input).value == "2026-10", "the period due now"
        form.query_one("#f-responsible", Input).value = "李四"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, DisclosureForm)
        assert app.screen.query_one("#disclosures", DataTable).row_count == 1
    (record,) = enrolled.list_records("disclosure")
    assert record["catalog_code"] == "FIN-02"
    assert record["period"] == "2026-10"
    assert record["responsible"] == "李四"
    assert record["content"] == content
    assert record["disclosed_on"] == "2026-11-05"
    assert len(enrolled.queue()) == 1


async def test_a_failed_save_names_the_field_and_keeps_the_typing(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "n")
        form = app.screen
        assert isinstance(form, DisclosureForm)
        form.query_one("#f-catalog_code", Select).value = "FIN-01"
        await pilot.pause()
        form.query_one("#f-period", Input).value = "2026-Q3"  # FIN-01 is monthly
        form.query_one("#f-title", Input).value = "我的标题"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form, "a failed save stays on the form"
        error = str(form.query_one("#e-period", Static).render())
        assert "该事项按月公开，期间应写成 2026-10 这样" in error  # names the item's cycle
        assert form.query_one("#box-period").has_class("-invalid")
        assert form.query_one("#f-title", Input).value == "我的标题"
        assert enrolled.list_records("disclosure") == []

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen), "leaving unsaved work asks first"
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#f-title", Input).value == "我的标题"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert not isinstance(app.screen, DisclosureForm)
    assert enrolled.list_records("disclosure") == []


async def test_detail_shows_fields_and_history(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    enrolled.edit(record_id, {"responsible": "李四"})
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_disclosure(pilot)
        text = screen_text(app)
        assert "十月财务收支公开" in text
        assert "固定公开栏、微信公众号" in text
        history = app.screen.query_one("#history", DataTable)
        assert history.row_count == 2
        assert "责任人: 张三 → 李四" in text
        assert "本机" in text
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DisclosureForm)
        form.query_one("#f-reviewer", Input).value = "王五"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DisclosureDetail)
        assert app.screen.query_one("#history", DataTable).row_count == 3
    assert enrolled.get(record_id)[1]["reviewer"] == "王五"


async def test_list_shows_a_page_then_the_next_and_counts_after_drawing(
    enrolled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(disclosures, "PAGE_ROWS", 3)
    monkeypatch.setattr(disclosures, "LOAD_MORE_MARGIN", 1)
    for month in range(1, 6):
        enrolled.add("disclosure", disclosure(period=f"2026-{month:02d}"))
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one("#disclosures", PagedTable)
        assert table.row_count == 3
        assert "显示 3 条，共 5 条" in screen_text(app)
        for column in table.columns.values():
            assert column.content_width == column.label.cell_len, "no cell was measured"
        assert table.virtual_size.width == sum(
            column.get_render_width(table) for column in table.columns.values()
        )
        await pilot.press("down", "down")
        await pilot.pause()
        assert table.row_count == 5
        assert "显示 5 条，共 5 条" in screen_text(app)
        assert str(table.get_row_at(4)[0]) == "2026-01", "newest period first"


async def test_export_key_writes_the_notice_board_table(enrolled: Store) -> None:
    from openpyxl import load_workbook

    record_id = enrolled.add("disclosure", disclosure(status="submitted"))
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        folder = enrolled.home / "exports"
        xlsx = folder / f"notice-{record_id[:8]}.xlsx"
        html = folder / f"notice-{record_id[:8]}.html"
        # The paths stay on screen, whole, until the clerk closes the list.
        assert isinstance(app.screen, WrittenScreen)
        shown = screen_text(app)
        assert "已导出公开栏表格" in shown and xlsx.name in shown and html.name in shown
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, disclosures.DisclosuresScreen)
    assert html.read_text(encoding="utf-8").count("十月财务收支公开") >= 1
    cells = [str(c) for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row]
    assert any("十月财务收支公开" in cell for cell in cells)


async def test_detail_history_names_the_file_an_imported_record_came_from(
    enrolled: Store,
) -> None:
    from client.audit import record_digest
    from models.kinds import kind_spec
    from models.validation import normalize

    given, errors = normalize("disclosure", {**disclosure(), "org_code": VILLAGE})
    assert errors == []
    record = {**kind_spec("disclosure").defaults(), **given}
    (record_id,) = import_rows(enrolled, "disclosure", [record], source="旧平台导出.csv").record_ids
    assert record_id is not None
    enrolled.edit(record_id, {"status": "submitted"})
    app = make_app(enrolled)
    async with app.run_test(size=(140, 30)) as pilot:
        await open_first_disclosure(pilot)
        assert app.screen.query_one("#history", DataTable).row_count == 2
        text = screen_text(app)
        assert "导入" in text
        assert (
            f"来自文件 旧平台导出.csv（内容摘要 {record_digest('disclosure', record)[:12]}）"
            in text
        )
        assert "状态: 草稿 → 待审核" in text


async def test_an_export_that_cannot_be_written_says_why_in_one_line(enrolled: Store) -> None:
    """A file where the exports folder should be (or a full disk): the notification says
    which file was not written and why, and the record is untouched."""
    record_id = enrolled.add("disclosure", disclosure(status="submitted"))
    (enrolled.home / "exports").write_text("not a folder")
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
    assert any("未写入" in text and f"notice-{record_id[:8]}.xlsx" in text for text in shown), shown
    assert enrolled.get(record_id)[1]["status"] == "submitted"
