"""A record's history from central, in the app against a real central process: another
device edits a clerk's disclosure; the clerk's app fetches the history in its worker and
shows both versions (its own from here, the other device's from central); with central
stopped it still shows the kept versions, marked as fetched earlier and offline."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from client.app import SanwuApp
from client.i18n import set_language
from client.screens.disclosure_detail import DisclosureDetail
from client.screens.record_history import FETCHING, RecordHistoryScreen
from client.store import Store
from tests.e2e.conftest import E2E_PASSPHRASE, Central, disclosure, village

UNIT = village(222)
FETCH_WAIT_S = 20.0


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("zh_CN")


def _rows(screen: Any) -> list[list[str]]:
    table = screen.query_one("#history", DataTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


async def _fetched(pilot: Any, screen: Any) -> None:
    """Wait (bounded) until the app's worker answered the screen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FETCH_WAIT_S
    while screen.history_state == FETCHING:
        assert loop.time() < deadline, "the history fetch never ended"
        await pilot.pause(0.05)


def test_history_shows_another_devices_version_and_keeps_it_offline(
    central: Central, make_clients: Any
) -> None:
    mine, other = make_clients((UNIT, "clerk"), (UNIT, "clerk"))
    record_id = mine.add("disclosure", disclosure(UNIT, title="十月财务公开"))
    mine.sync()
    other.sync()
    other.edit(record_id, {"title": "十月财务公开（更正）"})
    other.sync()

    store = Store(mine.home, passphrase=E2E_PASSPHRASE)
    try:
        asyncio.run(_online(store, record_id))
        central.stop()
        asyncio.run(_offline(store, record_id))
    finally:
        store.close()


async def _online(store: Store, record_id: str) -> None:
    app = SanwuApp(store, clock=lambda: date(2031, 11, 5))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        detail = DisclosureDetail(record_id)
        await app.push_screen(detail)
        await _fetched(pilot, detail)
        assert detail.history_state == ""
        rows = _rows(detail)
        # Newest first: the other device's change from central, then this computer's create.
        assert rows[0][3] == "平台 v2" and rows[0][2] == "修改"
        assert "十月财务公开 → 十月财务公开（更正）" in rows[0][4]
        assert rows[-1][3] == "在本机" and rows[-1][1] == "本机" and rows[-1][2] == "新建"
        assert len(rows) == 2, "version 1 is this computer's own: listed once, from here"
        line = str(detail.query_one("#history-state", Static).render())
        assert line.startswith("平台上的版本截至 ")
    with store.engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT count(*) FROM central_history").scalar_one()
    assert kept == 1


async def _offline(store: Store, record_id: str) -> None:
    app = SanwuApp(store, clock=lambda: date(2031, 11, 5))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = RecordHistoryScreen(record_id)
        await app.push_screen(screen)
        await _fetched(pilot, screen)
        assert screen.history_state == "offline"
        rows = _rows(screen)
        assert [row[3] for row in rows] == ["平台 v2", "在本机"]
        line = str(screen.query_one("#history-state", Static).render())
        assert line.startswith("离线：平台上的版本截至 ")
