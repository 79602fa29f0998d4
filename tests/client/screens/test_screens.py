"""Conflicts, queue, subsidies, warnings and duty evidence under Pilot, checked on the
screen and in the database."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from textual.widgets import Checkbox, Input, SelectionList, TextArea, Tree

from client.diagnostics import write_bundle
from client.outbox import quarantine
from client.screens.conflicts import ConflictsScreen
from client.screens.form import RecordForm
from client.store import Store
from client.widgets.value_dialog import ValueDialog
from tests.client.conftest import VILLAGE, disclosure
from tests.client.screens.conftest import TODAY, make_app, make_conflict, screen_text
from tests.stores import arrived, import_rows

PAYMENT = {
    "recipient_name": "张三丰",
    "id_number": "11010519491231002X",
    "standard": 10000,
    "quantity": "2",
    "amount_fen": 20000,
    "method": "one_card",
    "account": "6228480012345678",
}


def project(store: Store) -> str:
    return store.add(
        "subsidy_project",
        {"category": "agriculture", "name": "耕地地力保护补贴", "total_fen": 5000000},
    )


async def test_conflict_take_theirs_queues_the_resolution(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    make_conflict(enrolled, record_id, "title", "镇里改的标题")
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        await pilot.pause()
        assert isinstance(app.screen, ConflictsScreen)
        text = screen_text(app)
        assert "十月财务收支公开" in text and "镇里改的标题" in text and "双方都改了" in text
        await pilot.press("t")
        await pilot.pause()
        assert "没有冲突" in screen_text(app)
    assert enrolled.conflicts() == []
    assert enrolled.get(record_id)[1]["title"] == "镇里改的标题"


async def test_conflict_edit_a_value(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    make_conflict(enrolled, record_id, "title", "镇里改的标题")
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6", "e")
        await pilot.pause()
        assert isinstance(app.screen, ValueDialog)
        app.screen.query_one(Input).value = "商量后的标题"
        await pilot.press("enter")
        await pilot.pause()
    assert enrolled.get(record_id)[1]["title"] == "商量后的标题"
    assert any(op.fields == ("title",) for op in enrolled.queue()), "the decision is queued"


async def test_queue_lists_and_retries_quarantined_ops(enrolled: Store, tmp_path: Path) -> None:
    enrolled.add("disclosure", disclosure())
    (op,) = enrolled.queue()
    with enrolled.transaction() as conn:
        quarantine(conn, op.op_id, "invalid: period")
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await pilot.pause()
        text = screen_text(app)
        assert "被搁置 1" in text and "invalid: period" in text and "公开" in text
        await pilot.press("t")
        await pilot.pause()
        assert "被搁置 0" in screen_text(app)
    assert enrolled.queue()[0].state == "pending"


def test_diagnostics_bundle_masks_personal_data(enrolled: Store, tmp_path: Path) -> None:
    project_id = project(enrolled)
    payment_id = enrolled.add("subsidy_payment", {**PAYMENT, "project_id": project_id})
    make_conflict(enrolled, payment_id, "account", "6228480099998888")
    out = tmp_path / "bundle.zip"
    names = write_bundle(enrolled, out)
    assert set(names) >= {"rounds.json", "queue.json", "versions.json", "settings.json"}
    with zipfile.ZipFile(out) as bundle:
        everything = "".join(bundle.read(name).decode() for name in bundle.namelist())
        settings = json.loads(bundle.read("settings.json"))
    for secret in ("11010519491231002X", "6228480012345678", "6228480099998888", "张三丰"):
        assert secret not in everything
    assert "****8888" in everything
    assert "private_key" not in settings and settings["org_code"] == "150202101200"


def test_diagnostics_bundle_shows_an_imported_payment_without_its_values(
    enrolled: Store, tmp_path: Path
) -> None:
    from models.kinds import kind_spec
    from models.validation import normalize

    given, errors = normalize(
        "subsidy_payment",
        {**PAYMENT, "org_code": "150202101200", "project_id": project(enrolled)},
    )
    assert errors == []
    record = {**kind_spec("subsidy_payment").defaults(), **given}
    (payment_id,) = import_rows(
        enrolled, "subsidy_payment", [record], source="发放表.xlsx"
    ).record_ids
    out = tmp_path / "bundle.zip"
    write_bundle(enrolled, out)
    with zipfile.ZipFile(out) as bundle:
        everything = "".join(bundle.read(name).decode() for name in bundle.namelist())
        queue = json.loads(bundle.read("queue.json"))
        entries = json.loads(bundle.read("audit.json"))
    for secret in ("11010519491231002X", "6228480012345678", "张三丰"):
        assert secret not in everything
    (op,) = [op for op in queue if op["record_id"] == payment_id]
    assert op["action"] == "create" and {"id_number", "account"} <= set(op["fields"])
    (entry,) = [entry for entry in entries if entry["action"] == "import"]
    assert entry["changes"]["file"] == "发放表.xlsx"
    assert len(entry["changes"]["records"][payment_id]) == 64  # the digest, no value


async def test_subsidy_stage_moves_one_step_with_a_date(enrolled: Store) -> None:
    project_id = project(enrolled)
    enrolled.add("subsidy_payment", {**PAYMENT, "project_id": project_id})
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        text = screen_text(app)
        assert "耕地地力保护补贴" in text and "规划立项" in text
        assert "110105********002X" in text and "****5678" in text and "张**" in text
        assert "11010519491231002X" not in text
        assert "已发放 200.00 元，共 1 人" in text
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "资金拨付" in screen_text(app)
    record = enrolled.get(project_id)[1]
    assert record["stage"] == "allocation" and record["allocated_on"] == TODAY.isoformat()


async def test_payment_form_keeps_a_bad_id_number_and_names_it(enrolled: Store) -> None:
    project(enrolled)
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "p")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-recipient_name", Input).value = "李四"
        form.query_one("#f-id_number", Input).value = "110105194912310021"
        form.query_one("#f-amount_fen", Input).value = "200"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "身份证号不正确" in str(form.query_one("#e-id_number").render())
        assert form.query_one("#f-recipient_name", Input).value == "李四"
        form.query_one("#f-id_number", Input).value = "11010519491231002x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form
    (payment,) = enrolled.list_records("subsidy_payment")
    assert payment["amount_fen"] == 20000 and payment["id_number"] == "11010519491231002X"


async def test_warning_sign_and_feedback(enrolled: Store) -> None:
    warning_id = arrived(
        enrolled,
        "warning",
        {
            "org_code": VILLAGE,
            "doc_type": "reminder_letter",
            "title": "关于财务公开逾期的提醒函",
            "problems": "十月财务未按时公开\n公开栏照片缺失",
            "issued_on": "2026-11-01",
            "reply_due": "2026-11-08",
        },
    )
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "剩 3 天" in screen_text(app), "home shows the reply deadline"
        await pilot.press("5")
        await pilot.pause()
        assert "1. 十月财务未按时公开" in screen_text(app)
        assert not app.screen.check_action("verdict", ("accept",)), "a unit never accepts"
        await pilot.press("c")
        await pilot.pause()
        assert "已签收" in screen_text(app)
        await pilot.press("f")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-progress", TextArea).text = "已补充公开并张贴照片"
        form.query_one("#f-rectified", SelectionList).select("1")
        form.query_one("#f-rectified", SelectionList).select("2")
        form.query_one("#f-completed", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "已补充公开并张贴照片" in screen_text(app)
        assert "待验收" in screen_text(app)
    warning = enrolled.get(warning_id)[1]
    assert (warning["status"], warning["received_on"]) == ("verifying", TODAY.isoformat())
    (feedback,) = enrolled.list_records("feedback")
    assert feedback["warning_id"] == warning_id and feedback["completed"] is True
    assert feedback["rectified"] == ["1", "2"]
    # One transaction each: the report and the warning's step went out together.
    ops = [op for _seq, op in enrolled.pending_ops(after_seq=0, limit=10)]
    assert [(op.kind, op.action.value) for op in ops] == [
        ("warning", "update"),
        ("feedback", "create"),
        ("warning", "update"),
    ]


async def test_duty_evidence_for_an_indicator(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        tree = app.screen.query_one("#indicators", Tree)
        assert str(tree.root.children[0].label).startswith("领导班子（")
        await pilot.press("down", "down")  # the first indicator of the open subject
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-description", TextArea).text = "召开党风廉政建设部署会"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "召开党风廉政建设部署会" in screen_text(app)
    (evidence,) = enrolled.list_records("duty_evidence")
    assert evidence["indicator_code"] == "ZT-001"
    assert evidence["occurred_on"] == TODAY.isoformat()
