"""The app as people use it: start, sync in a worker, go offline, and the clerk's whole day."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import DataTable

from client.app import BACKOFF_FIRST, BACKOFF_MAX, SanwuApp
from client.demo import DEMO_VILLAGE, DemoSetup
from client.i18n import set_language
from client.screens.conflicts import ConflictsScreen
from client.screens.disclosure_form import DisclosureForm
from client.screens.help import HelpScreen
from client.screens.home import HomeScreen
from client.store import Store
from client.syncing import check_reachable, enroll, sync_round
from client.widgets.sync_bar import SyncBar
from sanwu.demo import prepare_demo
from sync.backoff import Backoff
from tests.client.conftest import disclosure
from tests.stores import open_store

TODAY = date(2026, 11, 5)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoSetup]:
    set_language("zh_CN")
    setup = prepare_demo(tmp_path / "demo")
    yield setup
    setup.close()


def test_the_demo_runs_as_each_role_in_a_home_of_its_own(tmp_path: Path) -> None:
    setup = prepare_demo(tmp_path / "demo", role="town")
    try:
        identity = setup.store.identity
        assert identity is not None
        assert (identity.role, identity.org_code) == ("town", "150202101000")
        assert setup.store.home == tmp_path / "demo" / "client-town"
    finally:
        setup.close()


def bar_text(app: SanwuApp) -> str:
    return str(app.screen.query_one(SyncBar).render())


async def test_demo_syncs_on_start_and_lists_the_villages_records(demo: DemoSetup) -> None:
    app = SanwuApp(demo.store, sync_on_start=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "已同步" in bar_text(app)
        assert "在线" in bar_text(app)
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one("#disclosures", DataTable)
        records = demo.store.list_records("disclosure")
        assert records, "the demo village has disclosures on central"
        assert table.row_count == len(records)


async def test_a_new_entry_waits_then_syncs_with_progress(demo: DemoSetup) -> None:
    app = SanwuApp(demo.store)
    seen: list[SanwuApp.SyncProgressed] = []

    def hook(message: object) -> None:
        if isinstance(message, SanwuApp.SyncProgressed):
            seen.append(message)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        demo.store.add("disclosure", disclosure(period="2020-01"))
        await pilot.press("r")
        assert app.screen.query_one(SyncBar).pending == 1
        await pilot.press("7", "s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(SyncBar).pending == 0
        assert "已发送 1/1 条" in str(app.screen.query_one("#sync-figures").render())
        assert app.screen.query_one("#rounds", DataTable).row_count == 1
    assert seen and seen[-1].progress.phase == "done"
    assert demo.store.queue() == []


async def test_offline_sync_says_so_and_keeps_the_entry(enrolled: Store) -> None:
    set_language("zh_CN")
    enrolled.add("disclosure", disclosure())
    app = SanwuApp(enrolled)  # enrolled against a port nothing listens on
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "离线" in bar_text(app)
    assert len(enrolled.queue()) == 1
    assert enrolled.rounds()[0]["error"].startswith("TransportError")
    assert check_reachable(enrolled) is False


def test_health_checks_back_off_to_ten_minutes_jittered_and_reset(enrolled: Store) -> None:
    """The app waits as ``sanwu sync --watch`` does (sync.backoff): at most 30 s first,
    doubling to 10 min, jittered; a reachable central starts the schedule again."""
    backoff = SanwuApp(enrolled).backoff
    assert isinstance(backoff, Backoff)
    assert (backoff.base_s, backoff.cap_s) == (BACKOFF_FIRST, BACKOFF_MAX) == (30, 600)
    waits = [backoff.failed() for _ in range(7)]
    for wait, bound in zip(waits, [30, 60, 120, 240, 480, 600, 600], strict=True):
        assert bound / 2 <= wait <= bound
    backoff.succeeded()
    assert backoff.failed() <= 30


async def test_auto_sync_when_central_answers(demo: DemoSetup) -> None:
    demo.store.add("disclosure", disclosure(period="2020-02"))
    app = SanwuApp(demo.store, auto_sync=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.check_health()  # what the back-off timer does
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.online is True
    assert demo.store.queue() == []


async def test_help_lists_the_keys_of_the_screen(enrolled: Store) -> None:
    app = SanwuApp(enrolled, clock=lambda: TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help Static").render())
        assert "新建" in text and "录入新的公开" in text
        assert "首页" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_palette_reaches_every_screen(enrolled: Store) -> None:
    app = SanwuApp(enrolled, clock=lambda: TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"dl")  # 队列: pinyin initials
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "queue"


async def test_english_on_request(enrolled: Store) -> None:
    set_language("en")
    try:
        app = SanwuApp(enrolled, clock=lambda: TODAY)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "Waiting to sync" in bar_text(app)
            assert "Home" in str(app.screen.query_one("#nav").render())
    finally:
        set_language("zh_CN")


async def test_the_clerks_whole_day(demo: DemoSetup, tmp_path: Path) -> None:
    """Create a disclosure offline, sync, meet a conflict made by town staff, resolve it,
    sync; town staff then see the clerk's decision."""
    from central.admin import new_enroll_code

    db_url = f"sqlite:///{tmp_path / 'demo' / 'demo-central.db'}"
    clerk = demo.store
    town = open_store(tmp_path / "town")
    enroll(town, demo.base_url, new_enroll_code(db_url, unit="150202101000", role="town"))
    sync_round(town)

    clerk.set_server_url("http://127.0.0.1:9")  # the village line is down this morning
    app = SanwuApp(clerk, clock=lambda: TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        # Morning, offline: record the October finance disclosure from home's list.
        await pilot.press("2", "n")
        form = app.screen
        assert isinstance(form, DisclosureForm)
        form.query_one("#f-catalog_code").value = "FIN-03"  # type: ignore[attr-defined]
        await pilot.pause()
        form.query_one("#f-period").value = "2026-08"  # type: ignore[attr-defined]
        form.query_one("#f-title").value = "八月各项资产公开"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "离线" in bar_text(app)
        (record,) = [r for r in clerk.list_records("disclosure") if r["catalog_code"] == "FIN-03"]
        assert record["version"] == 0 and len(clerk.queue()) == 1

        # Noon, the line is back: sync.
        clerk.set_server_url(demo.base_url)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert clerk.queue() == []
        assert clerk.get(record["id"])[1]["version"] == 1

        # Town staff correct the title; the clerk edits it too before syncing.
        sync_round(town)
        town.edit(record["id"], {"title": "2026年8月各项资产公开（镇审）"})
        sync_round(town)
        clerk.edit(record["id"], {"title": "八月各项资产公开（改）"})
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(SyncBar).conflicts == 1

        # The conflict screen shows both sides; the clerk takes the town's title.
        await pilot.press("6")
        await pilot.pause()
        assert isinstance(app.screen, ConflictsScreen)
        sides = str(app.screen.query_one("#sides").query_one("#side-theirs").render())
        assert "镇审" in sides
        await pilot.press("t")
        await pilot.pause()
        assert clerk.conflicts() == []
        assert clerk.get(record["id"])[1]["title"] == "2026年8月各项资产公开（镇审）"
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert clerk.queue() == []
        assert app.screen.query_one(SyncBar).conflicts == 0

    sync_round(town)
    assert town.get(record["id"])[1]["title"] == "2026年8月各项资产公开（镇审）"
    assert town.get(record["id"])[1]["org_code"] == DEMO_VILLAGE
    town.close()


def test_the_demo_raises_todays_reminders_once(tmp_path: Path) -> None:
    """A supervisor trying the demo finds reminders without running ``sanwu central
    remind``; opening the demo again the same day raises none twice."""
    import sqlite3

    def reminders() -> int:
        with closing(sqlite3.connect(tmp_path / "demo" / "demo-central.db")) as db:
            (count,) = db.execute("SELECT count(*) FROM reminder").fetchone()
        return int(count)

    prepare_demo(tmp_path / "demo", role="supervisor").close()
    first = reminders()
    assert first > 0
    prepare_demo(tmp_path / "demo", role="supervisor").close()
    assert reminders() == first


def test_the_demos_disclosures_count_on_time_in_the_districts_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's published disclosures carry the day they were published: most by their
    deadline, a few late, so the district's figures count some on time (not 0 beside a
    home showing them done)."""
    import json

    from client.cli import main
    from client.demo import demo_passphrase
    from tests.stores import TEST_PASSPHRASE

    setup = prepare_demo(tmp_path / "demo", role="supervisor")
    try:
        sync_round(setup.store)
        # The CLI refuses the demo's public passphrase: the office's own, as in use.
        setup.store.change_passphrase(demo_passphrase(), TEST_PASSPHRASE)
        home = setup.store.home
        setup.store.close()
        monkeypatch.setenv("SANWU_PASSPHRASE", TEST_PASSPHRASE)
        since = f"{date.today().year - 1}-01-01"  # early in January too, something was due
        args = ["--home", str(home), "report", "supervision", "--from", since, "--json"]
        assert main(args) == 0
        counted = json.loads(capsys.readouterr().out)
    finally:
        setup.close()
    assert 0 < counted["disclosures_on_time"] < counted["disclosures_due"]
