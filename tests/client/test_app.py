"""The stand-in app under Pilot: it shows the local records and syncs in a worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable

from client.app import SanwuApp
from client.demo import DemoSetup, prepare_demo
from client.i18n import set_language
from client.store import Store
from client.widgets.sync_bar import SyncBar
from tests.client.conftest import disclosure


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoSetup]:
    set_language("zh_CN")
    setup = prepare_demo(tmp_path / "demo")
    yield setup
    setup.close()


async def test_demo_syncs_on_start_and_lists_the_villages_records(demo: DemoSetup) -> None:
    app = SanwuApp(demo.store, sync_on_start=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        records = demo.store.list_records("disclosure")
        assert records, "the demo village has disclosures on central"
        assert table.row_count == len(records)
        assert "已同步" in str(app.screen.query_one(SyncBar).render())


async def test_a_new_entry_waits_then_syncs_with_the_key(demo: DemoSetup) -> None:
    app = SanwuApp(demo.store)
    async with app.run_test(size=(80, 24)) as pilot:
        demo.store.add("disclosure", disclosure(period="2020-01"))
        await pilot.press("r")
        assert app.screen.query_one(SyncBar).pending == 1
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(SyncBar).pending == 0
        assert demo.store.queue() == []


async def test_offline_sync_says_so_and_keeps_the_entry(enrolled: Store) -> None:
    set_language("zh_CN")
    enrolled.add("disclosure", disclosure())
    app = SanwuApp(enrolled)  # enrolled against a port nothing listens on
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "离线" in str(app.screen.query_one(SyncBar).render())
    assert len(enrolled.queue()) == 1
    assert enrolled.rounds()[0]["error"].startswith("TransportError")
