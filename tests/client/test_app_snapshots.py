"""Snapshots with a frozen clock, at 80x24 and 120x40: a clerk's home (with a returned
warning and a reminder), the warnings screen, a supervisor's home (what it must decide,
whose each line is), the disclosure form, the conflict screen (a payment's account in
conflict: only masks appear), the duty score table and one unit's items, the analysis
screen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from client.app import SanwuApp
from client.i18n import set_language
from client.store import Store
from tests.client.conftest import VILLAGE, disclosure
from tests.client.screens.conftest import make_conflict
from tests.stores import arrived

TODAY = date(2026, 11, 5)


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield


def _app(store: Store) -> SanwuApp:
    return SanwuApp(store, clock=lambda: TODAY)


def _supervision(store: Store, org_code: str = VILLAGE) -> None:
    arrived(
        store,
        "warning",
        {
            "id": "0190b7c4-0000-7000-8000-0000000000b1",
            "org_code": org_code,
            "doc_type": "reminder_letter",
            "title": "关于财务公开逾期的提醒函",
            "problems": "十月财务收支未公开\n公开栏照片缺失",
            "issued_on": "2026-11-01",
            "reply_due": "2026-11-08",
        },
    )
    arrived(
        store,
        "warning",
        {
            "id": "0190b7c4-0000-7000-8000-0000000000b2",
            "org_code": org_code,
            "doc_type": "suggestion",
            "title": "关于规范惠农补贴公示的监督建议书",
            "problems": "补贴公示未满七天\n未公开监督电话",
            "issued_on": "2026-10-15",
            "reply_due": "2026-11-15",
            "status": "returned",
            "received_on": "2026-10-16",
            "return_reason": "第2项：公示中仍未见监督电话",
        },
    )
    arrived(
        store,
        "reminder",
        {
            "id": "0190b7c4-0000-7000-8000-0000000000c1",
            "org_code": org_code,
            "subject": "catalog_item",
            "subject_code": "FIN-01",
            "period": "2026-09",
            "title": "财务收支情况（2026-09）逾期未公开",
            "due_on": "2026-10-10",
            "raised_on": "2026-10-11",
            "step": "proposed",
            "proposal": "proposed",
        },
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_home(enrolled: Store, snap_compare: Any, size: tuple[int, int]) -> None:
    arrived(enrolled, "disclosure", disclosure(org_code=VILLAGE, status="published"))
    _supervision(enrolled)
    assert snap_compare(_app(enrolled), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_warnings(enrolled: Store, snap_compare: Any, size: tuple[int, int]) -> None:
    _supervision(enrolled)

    async def go(pilot: Any) -> None:
        await pilot.press("5")
        await pilot.pause()

    assert snap_compare(_app(enrolled), terminal_size=size, run_before=go)


def test_supervisor_home(tmp_path: Path, snap_compare: Any) -> None:
    from tests.client.screens.test_supervision_screens import supervisor_store

    with supervisor_store(tmp_path / "s") as store:
        _supervision(store)
        _supervision_elsewhere(store)
        assert snap_compare(_app(store), terminal_size=(80, 24))


def _supervision_elsewhere(store: Store) -> None:
    arrived(
        store,
        "reminder",
        {
            "org_code": "150202101201",
            "subject": "warning",
            "subject_code": "0190b7c4-0000-7000-8000-0000000000b9",
            "title": "《关于村务公开的通知》逾期未反馈",
            "due_on": "2026-11-01",
            "raised_on": "2026-11-02",
            "step": "sms",
        },
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_duty_scores(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    from tests.client.screens.test_duty_scores_screen import this_years_evidence
    from tests.client.screens.test_supervision_screens import supervisor_store

    with supervisor_store(tmp_path / "s") as store:
        this_years_evidence(store)

        async def go(pilot: Any) -> None:
            await pilot.press("4", "t")
            await pilot.pause()

        assert snap_compare(_app(store), terminal_size=size, run_before=go)


def test_duty_unit(tmp_path: Path, snap_compare: Any) -> None:
    from tests.client.screens.test_duty_scores_screen import this_years_evidence
    from tests.client.screens.test_supervision_screens import supervisor_store

    with supervisor_store(tmp_path / "s") as store:
        this_years_evidence(store)

        async def go(pilot: Any) -> None:
            await pilot.press("4", "t", "enter")
            await pilot.pause()
            items = pilot.app.screen.query_one("#unit-items")
            items.move_cursor(row=items.get_row_index("ZT-026"))
            await pilot.pause()

        assert snap_compare(_app(store), terminal_size=(80, 24), run_before=go)


def test_disclosure_form(enrolled: Store, snap_compare: Any) -> None:
    async def fill(pilot: Any) -> None:
        await pilot.press("2", "n")
        await pilot.pause()
        pilot.app.screen.query_one("#f-catalog_code").value = "FIN-02"
        await pilot.pause()

    assert snap_compare(_app(enrolled), terminal_size=(80, 24), run_before=fill)


def test_conflicts(enrolled: Store, snap_compare: Any, tmp_path: Path) -> None:
    project_id = enrolled.add(
        "subsidy_project", {"category": "agriculture", "name": "耕地地力保护补贴"}
    )
    payment_id = enrolled.add(
        "subsidy_payment",
        {
            "project_id": project_id,
            "recipient_name": "张三丰",
            "id_number": "11010519491231002X",
            "amount_fen": 20000,
            "account": "6228480012345678",
        },
    )
    make_conflict(enrolled, payment_id, "account", "6228480099998888")

    async def go(pilot: Any) -> None:
        await pilot.press("6")
        await pilot.pause()

    assert snap_compare(_app(enrolled), terminal_size=(80, 24), run_before=go)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_town_home(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    """Every village's late items with the village, then what waits for review."""
    from tests.client.screens.test_supervision_screens import town_store

    with town_store(tmp_path / "t") as store:
        arrived(
            store,
            "disclosure",
            disclosure(org_code="150202101201", status="submitted", submitted_on="2026-10-20"),
        )
        _supervision(store)
        assert snap_compare(_app(store), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_analysis(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    """The figures' scenario in a supervisor's home: the figures at 120x40, the on-time
    documents open by age at 80x24."""
    from tests.client.test_figures import supervisor_home
    from tests.stores import open_store

    with open_store(supervisor_home(tmp_path / "s")) as store:

        async def go(pilot: Any) -> None:
            await pilot.press("0")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            if size == (80, 24):
                pilot.app.screen.query_one("#analysis-tabs").active = "tab-ages"
                await pilot.pause()

        assert snap_compare(_app(store), terminal_size=size, run_before=go)


def test_analysis_months(tmp_path: Path, snap_compare: Any) -> None:
    """Documents and feedback per month, both series in their colours."""
    from tests.client.test_figures import supervisor_home
    from tests.stores import open_store

    with open_store(supervisor_home(tmp_path / "s")) as store:

        async def go(pilot: Any) -> None:
            await pilot.press("0")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            pilot.app.screen.query_one("#analysis-tabs").active = "tab-months"
            await pilot.pause()

        assert snap_compare(_app(store), terminal_size=(80, 24), run_before=go)
