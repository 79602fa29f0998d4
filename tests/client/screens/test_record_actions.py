"""Edit, delete (asking first) and history of the chosen record on each list, under
Pilot with the real store: each key is offered to the roles the one rule lets change the
record (``check_change``) and to no other, in the footer and in F1; a delete asks, yes
deletes (and queues the delete), no leaves the record as it was."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, TextArea, Tree

from client.screens.disclosure_detail import DisclosureDetail
from client.screens.form import RecordForm
from client.screens.help import HelpScreen
from client.screens.record_history import RecordHistoryScreen
from client.store import Store
from client.widgets.confirm import ConfirmScreen
from tests.client.conftest import VILLAGE, disclosure
from tests.client.screens.conftest import make_app, open_first_disclosure, screen_text
from tests.stores import arrived, enrolled_as, open_store

DISTRICT = "150202000000"


def role_store(home: Path, role: str) -> Store:
    """A home enrolled as ``role``: a supervisor of the district, a support device of the
    district, or the village's clerk."""
    return enrolled_as(open_store(home), role)


def footer_keys(app: Any) -> set[str]:
    return {binding.key for (_node, binding, _on, _tip) in app.active_bindings.values()}


async def help_text(pilot: Any) -> str:
    """What F1 lists for the screen underneath (then closed again)."""
    await pilot.press("f1")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HelpScreen)
    text = screen_text(pilot.app)
    await pilot.press("escape")
    await pilot.pause()
    return text


def live(store: Store, record_id: str) -> bool:
    return any(r["id"] == record_id for r in store.list_records(store.get(record_id)[0]))


def queued_actions(store: Store, record_id: str) -> list[str]:
    return [
        op.action
        for _seq, op in store.pending_ops(after_seq=0, limit=100)
        if op.record_id == record_id
    ]


# ---- disclosures --------------------------------------------------------------------------


async def test_a_clerk_deletes_a_draft_after_asking_and_no_keeps_it(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert {"d", "e"} <= footer_keys(app)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "十月财务收支公开" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert live(enrolled, record_id), "no leaves the record"
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not live(enrolled, record_id)
        assert app.screen.query_one("#disclosures", DataTable).row_count == 0
    assert queued_actions(enrolled, record_id) == ["create", "delete"]


async def test_a_draft_is_deleted_from_its_detail_too(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_first_disclosure(pilot)
        assert "d" in footer_keys(app)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DisclosureDetail) and live(enrolled, record_id)
        await pilot.press("d", "y")
        await pilot.pause()
        assert not isinstance(app.screen, DisclosureDetail)
        assert not live(enrolled, record_id)
        assert app.screen.query_one("#disclosures", DataTable).row_count == 0


async def test_a_published_disclosure_offers_the_clerk_neither_edit_nor_delete(
    enrolled: Store,
) -> None:
    arrived(enrolled, "disclosure", {**disclosure(), "org_code": VILLAGE, "status": "published"})
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert not {"d", "e"} & footer_keys(app)
        listed = await help_text(pilot)
        keys_listed = {line.split()[0] for line in listed.splitlines() if line.startswith("  ")}
        assert "n" in keys_listed and not {"d", "e"} & keys_listed


async def test_the_reviewing_level_may_delete_a_published_one(tmp_path: Path) -> None:
    store = role_store(tmp_path / "s", "supervisor")
    record_id = arrived(
        store, "disclosure", {**disclosure(), "org_code": VILLAGE, "status": "published"}
    )
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert {"d", "e"} <= footer_keys(app)
        await pilot.press("d", "y")
        await pilot.pause()
    assert not live(store, record_id)
    store.close()


async def test_support_is_offered_no_change_on_any_list(tmp_path: Path) -> None:
    store = role_store(tmp_path / "s", "support")
    arrived(store, "disclosure", {**disclosure(), "org_code": VILLAGE})
    arrived(
        store, "subsidy_project", {"org_code": VILLAGE, "name": "项目", "category": "agriculture"}
    )
    arrived(store, "warning", a_warning())
    arrived(
        store,
        "duty_evidence",
        {
            "org_code": DISTRICT,
            "indicator_code": "ZT-001",
            "occurred_on": "2026-11-01",
            "description": "召开部署会",
        },
    )
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert not {"n", "d", "e"} & footer_keys(app)
        await pilot.press("3")
        await pilot.pause()
        keys = footer_keys(app)
        assert not {"n", "e", "D", "m", "d"} & keys and "h" in keys
        await pilot.press("5")
        await pilot.pause()
        keys = footer_keys(app)
        assert not {"i", "e", "d", "c", "v"} & keys and "h" in keys
        await _first_indicator(pilot)
        keys = footer_keys(app)
        assert not {"n", "e", "d"} & keys and "h" in keys
    store.close()


# ---- subsidy projects -----------------------------------------------------------------------


async def test_a_project_without_payments_is_deleted_after_asking(enrolled: Store) -> None:
    kept = enrolled.add(
        "subsidy_project", {"category": "agriculture", "name": "有发放的项目", "total_fen": 100}
    )
    enrolled.add(
        "subsidy_payment",
        {
            "project_id": kept,
            "org_code": VILLAGE,
            "recipient_name": "张三丰",
            "id_number": "11010519491231002X",
            "amount_fen": 100,
            "method": "cash",
        },
    )
    empty = enrolled.add(
        "subsidy_project", {"category": "agriculture", "name": "空项目", "total_fen": 100}
    )
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#projects", DataTable)
        table.move_cursor(row=table.get_row_index(kept))
        await pilot.pause()
        assert "D" not in footer_keys(app), "a project with payments: its payments go first"
        table.move_cursor(row=table.get_row_index(empty))
        await pilot.pause()
        assert "D" in footer_keys(app)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert live(enrolled, empty)
        await pilot.press("D", "y")
        await pilot.pause()
        assert not live(enrolled, empty) and live(enrolled, kept)


async def test_h_opens_a_projects_history(enrolled: Store) -> None:
    project = enrolled.add(
        "subsidy_project", {"category": "agriculture", "name": "耕地补贴", "total_fen": 100}
    )
    enrolled.edit(project, {"name": "耕地地力保护补贴"})
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3", "h")
        await pilot.pause()
        assert isinstance(app.screen, RecordHistoryScreen)
        text = screen_text(app)
        assert "耕地补贴 → 耕地地力保护补贴" in text
        assert "尚未报送平台：只有本机的操作记录。" in text
        assert text.count("在本机") == 2, "created, then changed: both this computer's"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RecordHistoryScreen)


# ---- duty evidence ----------------------------------------------------------------------------


async def _first_indicator(pilot: Any) -> None:
    await pilot.press("4")
    await pilot.pause()
    pilot.app.screen.query_one("#indicators", Tree).focus()
    await pilot.press("down", "down")  # the first indicator of the open subject (ZT-001)
    await pilot.pause()


async def test_duty_evidence_is_edited_and_deleted(enrolled: Store) -> None:
    record_id = enrolled.add(
        "duty_evidence",
        # Today: a day of a year still open (a closed year's evidence is locked).
        {
            "indicator_code": "ZT-001",
            "occurred_on": date.today().isoformat(),
            "description": "召开部署会",
        },
    )
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await _first_indicator(pilot)
        assert {"e", "d", "h"} <= footer_keys(app)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-description", TextArea).text = "召开党风廉政建设部署会"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert enrolled.get(record_id)[1]["description"] == "召开党风廉政建设部署会"
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert live(enrolled, record_id)
        await pilot.press("d", "y")
        await pilot.pause()
        assert not live(enrolled, record_id)
        assert not {"e", "d", "h"} & footer_keys(app), "nothing chosen: nothing offered"
    assert queued_actions(enrolled, record_id) == ["create", "update", "delete"]


# ---- warnings ---------------------------------------------------------------------------------


def a_warning(status: str = "issued", **overrides: Any) -> dict[str, Any]:
    return {
        "org_code": VILLAGE,
        "doc_type": "suggestion",
        "title": "关于规范三务公开工作的监督建议书",
        "problems": "财务公开逾期\n未上传公开栏照片",
        "issued_on": "2026-10-20",
        "reply_due": "2026-11-20",
        "status": status,
        "received_on": None if status == "issued" else "2026-10-21",
    } | overrides


async def test_a_supervisor_edits_and_withdraws_an_issued_warning(tmp_path: Path) -> None:
    store = role_store(tmp_path / "s", "supervisor")
    record_id = arrived(store, "warning", a_warning())
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert {"e", "d", "h"} <= footer_keys(app)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-title", Input).value = "关于规范三务公开工作的监督建议书（更正）"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.get(record_id)[1]["title"].endswith("（更正）")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not live(store, record_id)
    store.close()


async def test_a_signed_warning_is_no_longer_edited_or_withdrawn(tmp_path: Path) -> None:
    store = role_store(tmp_path / "s", "supervisor")
    arrived(store, "warning", a_warning("received"))
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        keys = footer_keys(app)
        assert "h" in keys and not {"e", "d"} & keys
    store.close()


async def test_a_clerks_help_lists_no_supervisors_key_on_warnings(enrolled: Store) -> None:
    """The reported bug: a clerk's F1 named 下发 (i) and 通过 (v), which did nothing."""
    arrived(enrolled, "warning", a_warning())
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        keys = footer_keys(app)
        assert "c" in keys and not {"i", "v", "x", "e", "d"} & keys
        listed = await help_text(pilot)
        keys_listed = {line.split()[0] for line in listed.splitlines() if line.startswith("  ")}
        assert "c" in keys_listed and not {"i", "v", "x", "e", "d"} & keys_listed


# ---- clues ------------------------------------------------------------------------------------


def a_clue(**overrides: Any) -> dict[str, Any]:
    return {
        "org_code": VILLAGE,
        "received_on": "2026-11-01",
        "source": "letter",
        "problem": "not_disclosed",
        "description": "群众反映村集体收入未公开",
        "status": "received",
    } | overrides


async def test_a_supervisor_edits_and_deletes_a_clue(tmp_path: Path) -> None:
    store = role_store(tmp_path / "s", "supervisor")
    record_id = arrived(store, "clue", a_clue())
    arrived(
        store, "clue", a_clue(status="concluded", outcome="unfounded", received_on="2026-10-01")
    )
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await pilot.pause()
        table = app.screen.query_one("#clues", DataTable)
        table.move_cursor(row=0)  # the concluded one (received first)
        await pilot.pause()
        assert not {"e", "d"} & footer_keys(app) and "h" in footer_keys(app)
        table.move_cursor(row=table.get_row_index(record_id))
        await pilot.pause()
        assert {"e", "d"} <= footer_keys(app)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#f-description", TextArea).text = "群众反映村集体收入未按月公开"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.get(record_id)[1]["description"] == "群众反映村集体收入未按月公开"
        await pilot.press("d", "n")
        await pilot.pause()
        assert live(store, record_id)
        await pilot.press("d", "y")
        await pilot.pause()
        assert not live(store, record_id)
    store.close()


async def test_a_town_edits_a_clue_without_its_reporter(tmp_path: Path) -> None:
    """Who reported a clue is the supervisor role's alone: the town's form leaves it out,
    so its save sends nothing of it (and is not refused for it)."""
    store = role_store(tmp_path / "t", "town")
    record_id = arrived(store, "clue", a_clue())
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("9")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        assert not form.query("#f-reporter_contact")
        form.query_one("#f-description", TextArea).text = "群众来信反映收入未公开"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm)
    assert store.get(record_id)[1]["description"] == "群众来信反映收入未公开"
    store.close()
