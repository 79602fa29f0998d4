"""The supervision loop on the screens, each role at its keys, under Pilot with the
real store: a clerk sees a return's reason on the home and the warning; a supervisor
issues to two villages, returns and accepts a report, issues a proposed warning with one
key, and takes a clue from intake to the warning it raises; a clerk has no clue screen
and is offered no supervisor's key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Select, SelectionList, TextArea

from client.screens.clues import CluesScreen
from client.screens.home import HomeScreen
from client.screens.warnings import WarningsScreen
from client.store import Store
from tests.client.conftest import VILLAGE
from tests.client.screens.conftest import TODAY, make_app, screen_text
from tests.stores import arrived, enrolled_as, open_store

OTHER = "150202101201"
DISTRICT = "150202000000"


def supervisor_store(home: Path) -> Store:
    return enrolled_as(open_store(home), "supervisor")


def a_warning(status: str = "issued", **overrides: Any) -> dict[str, Any]:
    return {
        "org_code": VILLAGE,
        "doc_type": "suggestion",
        "title": "关于规范三务公开工作的监督建议书",
        "problems": "财务公开逾期\n未上传公开栏照片\n缺少监委会意见",
        "issued_on": "2026-10-20",
        "reply_due": "2026-11-20",
        "status": status,
        "received_on": None if status == "issued" else "2026-10-21",
    } | overrides


def _footer_keys(app: Any) -> set[str]:
    return {binding.key for (_node, binding, enabled, _tip) in app.active_bindings.values()}


def _cursor_to(table: DataTable[Any], key: str) -> None:
    table.move_cursor(row=table.get_row_index(key))


async def test_a_clerk_sees_why_a_report_was_returned(enrolled: Store) -> None:
    reason = "第3项未整改：缺少监委会意见"
    arrived(enrolled, "warning", a_warning("returned", return_reason=reason))
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        home = screen_text(app)
        assert reason in home and "已退回" in home
        await pilot.press("5")
        await pilot.pause()
        assert isinstance(app.screen, WarningsScreen)
        assert reason in screen_text(app)
        # A clerk is offered the unit's keys only: no issue, accept or return.
        keys = _footer_keys(app)
        assert "f" in keys and not {"i", "v", "x"} & keys
        await pilot.press("9")
        await pilot.pause()
        assert not isinstance(app.screen, CluesScreen)


async def test_a_supervisor_issues_to_two_villages_then_returns_and_accepts(
    tmp_path: Path,
) -> None:
    with supervisor_store(tmp_path / "s") as store:
        app = make_app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("5")
            await pilot.pause()
            await pilot.press("i")
            await pilot.pause()
            form = app.screen
            form.query_one("#f-units", SelectionList).select(VILLAGE)
            form.query_one("#f-units", SelectionList).select(OTHER)
            form.query_one("#f-title", Input).value = "关于财务公开逾期的提醒函"
            form.query_one("#f-problems", TextArea).text = "财务公开逾期\n公开栏照片缺失"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, WarningsScreen)
        issued = store.list_records("warning")
        assert sorted(w["org_code"] for w in issued) == [VILLAGE, OTHER]
        assert {w["status"] for w in issued} == {"issued"}

        # The village's report arrives; the supervisor returns it with a reason.
        target = next(w for w in issued if w["org_code"] == VILLAGE)
        for name, value in {"status": "verifying", "received_on": "2026-11-01"}.items():
            target[name] = value
        arrived(store, "warning", target | {"id": target["id"]}, version=3)
        arrived(
            store,
            "feedback",
            {
                "org_code": VILLAGE,
                "warning_id": target["id"],
                "reported_on": "2026-11-03",
                "progress": "整改完成",
                "completed": True,
                "rectified": ["1"],
            },
        )
        app = make_app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("5")
            await pilot.pause()
            _cursor_to(app.screen.query_one("#warnings", DataTable), target["id"])
            await pilot.pause()
            assert {"v", "x"} <= _footer_keys(app)
            await pilot.press("x")
            await pilot.pause()
            app.screen.query_one("#value", Input).value = "第2项未见公开栏照片"
            await pilot.press("enter")
            await pilot.pause()
        returned = store.get(target["id"])[1]
        assert (returned["status"], returned["return_reason"]) == (
            "returned",
            "第2项未见公开栏照片",
        )


async def test_a_supervisor_issues_a_proposed_warning_with_one_key(tmp_path: Path) -> None:
    with supervisor_store(tmp_path / "s") as store:
        reminder_id = arrived(
            store,
            "reminder",
            {
                "org_code": VILLAGE,
                "subject": "catalog_item",
                "subject_code": "FIN-01",
                "period": "2026-09",
                "title": "财务收支情况（2026-09）逾期未公开",
                "due_on": "2026-10-10",
                "raised_on": "2026-10-11",
                "step": "proposed",
                "proposal": "proposed",
                "status": "open",
            },
        )
        app = make_app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            table = app.screen.query_one("#home-warnings", DataTable)
            table.focus()
            _cursor_to(table, f"reminder|{reminder_id}")
            await pilot.pause()
            assert "y" in _footer_keys(app)
            await pilot.press("y")
            await pilot.pause()
        reminder = store.get(reminder_id)[1]
        assert reminder["proposal"] == "confirmed" and reminder["warning_id"]
        warning = store.get(reminder["warning_id"])[1]
        assert (warning["org_code"], warning["status"]) == (VILLAGE, "issued")
        assert warning["reminder_id"] == reminder_id
        assert warning["issued_on"] == TODAY.isoformat()


async def test_a_clue_from_intake_to_the_warning_it_raises(tmp_path: Path) -> None:
    with supervisor_store(tmp_path / "s") as store:
        app = make_app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("9")
            await pilot.pause()
            assert isinstance(app.screen, CluesScreen)
            await pilot.press("n")
            await pilot.pause()
            form = app.screen
            form.query_one("#f-org_code", Select).value = VILLAGE
            form.query_one("#f-source", Select).value = "hotline"
            form.query_one("#f-problem", Select).value = "half_disclosed"
            form.query_one("#f-description", TextArea).text = "低保名单只公开了姓名，未公开金额"
            form.query_one("#f-reporter_contact", Input).value = "13800138000"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, CluesScreen)
            shown = screen_text(app)
            assert "13800138000" not in shown  # masked even for the supervisor
            await pilot.press("k")
            await pilot.pause()
            await pilot.press("o")
            await pilot.pause()
            form = app.screen
            form.query_one("#f-outcome", Select).value = "rectification"
            form.query_one("#f-finding", TextArea).text = "属实，责令补充公开"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, CluesScreen)
        (clue,) = store.list_records("clue")
        assert (clue["status"], clue["outcome"]) == ("concluded", "rectification")
        warning = store.get(clue["warning_id"])[1]
        assert warning["org_code"] == VILLAGE and warning["status"] == "issued"


def town_store(home: Path) -> Store:
    return enrolled_as(open_store(home), "town")


async def test_a_town_reviews_from_its_town_wide_home(tmp_path: Path) -> None:
    """The town's home lists every village's late items with the village, and what
    waits for review, oldest first; Enter opens one, x returns it with the opinion."""
    with town_store(tmp_path / "t") as store:
        older = arrived(
            store,
            "disclosure",
            {
                "org_code": VILLAGE,
                "catalog_code": "FIN-01",
                "period": "2026-09",
                "title": "九月财务收支",
                "status": "submitted",
                "submitted_on": "2026-10-08",
            },
        )
        arrived(
            store,
            "disclosure",
            {
                "org_code": OTHER,
                "catalog_code": "FIN-01",
                "period": "2026-09",
                "title": "杨圪塄村九月财务收支",
                "status": "submitted",
                "submitted_on": "2026-10-20",
            },
        )
        app = make_app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "沙尔沁镇各村" in text and "杨圪塄村" in text and "黑麻板村" in text
            assert "待审核 2 条" in text
            table = app.screen.query_one("#home-warnings", DataTable)
            first = str(table.coordinate_to_cell_key((0, 0)).row_key.value)
            assert first == f"review|{older}"  # the longest waiting first
            table.focus()
            table.move_cursor(row=0)
            await pilot.press("enter")
            await pilot.pause()
            assert {"a", "x"} <= _footer_keys(app) and "u" not in _footer_keys(app)
            await pilot.press("x")
            await pilot.pause()
            app.screen.query_one("#value", Input).value = "请附上收支明细表"
            await pilot.press("enter")
            await pilot.pause()
        returned = store.get(older)[1]
        assert (returned["status"], returned["return_reason"]) == ("returned", "请附上收支明细表")
        assert returned["reviewed_on"] == TODAY.isoformat()


async def test_a_clerk_submits_and_reads_the_towns_opinion(enrolled: Store) -> None:
    record_id = enrolled.add(
        "disclosure",
        {"catalog_code": "FIN-01", "period": "2026-09", "title": "九月财务收支"},
    )
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "u" in _footer_keys(app) and not {"a", "x", "w"} & _footer_keys(app)
        await pilot.press("u")
        await pilot.pause()
        assert enrolled.get(record_id)[1]["status"] == "submitted"
        assert "e" not in _footer_keys(app)  # submitted: the town's to review now
    # Another one, returned by the town (as a pull brings it): the home says why.
    arrived(
        enrolled,
        "disclosure",
        {
            "org_code": VILLAGE,
            "catalog_code": "FIN-01",
            "period": "2026-08",
            "title": "八月财务收支",
            "status": "returned",
            "return_reason": "请补充公开栏照片",
        },
    )
    app = make_app(enrolled)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "请补充公开栏照片" in screen_text(app)
        assert "退回待修改 1 条" in screen_text(app)
