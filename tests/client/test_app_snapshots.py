"""Snapshots at 80x24 with a frozen clock: home, the disclosure form, the conflict screen
(a payment's account in conflict: only masks appear)."""

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


def test_home(enrolled: Store, snap_compare: Any) -> None:
    enrolled.add("disclosure", disclosure(status="published"))
    arrived(
        enrolled,
        "warning",
        {
            "id": "0190b7c4-0000-7000-8000-0000000000b1",
            "org_code": VILLAGE,
            "doc_type": "reminder_letter",
            "title": "关于财务公开逾期的提醒函",
            "issued_on": "2026-11-01",
            "reply_due": "2026-11-08",
        },
    )
    assert snap_compare(_app(enrolled), terminal_size=(80, 24))


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
