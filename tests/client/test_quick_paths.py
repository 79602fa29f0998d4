"""The quick paths of a scheduler's commands: ``sanwu status`` read with sqlite3 alone,
and a ``sanwu sync`` with nothing to send run without the store. Each must answer
exactly what the full path answers; central runs for real on 127.0.0.1 (uvicorn in a
thread), reached over httpx."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import client.store
from central.admin import init_db, new_enroll_code, revoke_device
from central.server import run_in_thread
from central.settings import CentralSettings
from client.attachments import Attachments
from client.crypto import BadPassphrase
from client.outbox import quarantine
from client.quick_sync import idle_round
from client.status import quick_status, store_status
from client.store import Store
from client.syncing import enroll, sync_round
from sync.errors import DeviceRevoked
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import TEST_PASSPHRASE, open_store


class Central:
    def __init__(self, tmp_path: Path) -> None:
        self.db_url = f"sqlite:///{tmp_path / 'central.db'}"
        init_db(self.db_url)
        self.url, self.stop = run_in_thread(CentralSettings(db_url=self.db_url))

    def device(self, home: Path, unit: str = VILLAGE, role: str = "clerk") -> Store:
        store = open_store(home)
        enroll(store, self.url, new_enroll_code(self.db_url, unit=unit, role=role))
        return store


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    running = Central(tmp_path)
    yield running
    running.stop()


# ---- status -----------------------------------------------------------------------------


def test_status_of_a_home_without_a_database_is_left_to_the_store(tmp_path: Path) -> None:
    assert quick_status(tmp_path / "new", TEST_PASSPHRASE) is None


def test_status_of_a_home_that_needs_a_migration_is_left_to_the_store(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    with sqlite3.connect(tmp_path / "sanwu.db") as raw:
        raw.execute("UPDATE alembic_version SET version_num = 'l0009'")
    assert quick_status(tmp_path, TEST_PASSPHRASE) is None


def test_status_checks_the_passphrase_as_the_store_does(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    with pytest.raises(BadPassphrase):
        quick_status(tmp_path, "not the passphrase")


def test_status_reads_what_the_store_reads(tmp_path: Path, central: Central) -> None:
    with central.device(tmp_path / "home") as store:
        assert quick_status(store.home, TEST_PASSPHRASE) == store_status(store)
        kept = store.add("disclosure", disclosure())
        stuck = store.add("disclosure", disclosure(period="2026-09"))
        with store.transaction() as conn:
            quarantine(conn, stuck, "refused: test")
        files = Attachments(store)
        photo = tmp_path / "board.jpg"
        photo.write_bytes(b"\xff\xd8 a photo of the board")
        files.add_file(photo)
        files.want(["ab" * 32])
        store.record_round(
            {"started_at": datetime.now(UTC), "finished_at": datetime.now(UTC), "pushed": 3}
            | {"pulled": 1, "error": ""}
        )
        figures = quick_status(store.home, TEST_PASSPHRASE)
        assert figures == store_status(store)
        assert figures is not None and (figures["pending"], figures["quarantined"]) == (1, 1)
        assert figures["files_to_send"] == figures["files_to_fetch"] == 1
        assert kept


# ---- an idle round ------------------------------------------------------------------------


def test_an_idle_round_pulls_without_the_store(
    tmp_path: Path, central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    with central.device(home) as store:
        sync_round(store)
        rounds = len(store.rounds())
    monkeypatch.setattr(client.store.Store, "__init__", _refuse)
    report = idle_round(home, TEST_PASSPHRASE)
    monkeypatch.undo()
    assert report is not None and (report.pushed, report.pulled, report.requests) == (0, 0, 1)
    with open_store(home) as store:
        history = store.rounds()
        assert len(history) == rounds + 1
        assert history[0]["requests"] == 1 and not history[0]["error"]
        assert quick_status(home, TEST_PASSPHRASE) == store_status(store)


def test_a_page_with_changes_is_applied_by_the_store(tmp_path: Path, central: Central) -> None:
    home = tmp_path / "home"
    with central.device(home) as store:
        sync_round(store)
    with central.device(tmp_path / "town", "150202101000", "town") as town:
        record_id = town.add("disclosure", disclosure(org_code=VILLAGE))
        sync_round(town)
    report = idle_round(home, TEST_PASSPHRASE)
    assert report is not None and report.pulled == 1
    with open_store(home) as store:
        assert store.get(record_id)[1]["title"] == disclosure()["title"]
        assert store.status().pending == 0
        again = idle_round(home, TEST_PASSPHRASE)
        assert again is not None and again.pulled == 0
        assert store.cursor() > 0


def test_a_home_with_anything_to_send_is_not_idle(tmp_path: Path, central: Central) -> None:
    home = tmp_path / "home"
    with central.device(home) as store:
        sync_round(store)
        store.add("disclosure", disclosure())
    assert idle_round(home, TEST_PASSPHRASE) is None
    assert idle_round(tmp_path / "never-made", TEST_PASSPHRASE) is None


def test_a_revoked_device_is_marked_as_the_full_round_marks_it(
    tmp_path: Path, central: Central
) -> None:
    home = tmp_path / "home"
    with central.device(home) as store:
        sync_round(store)
        device_id = store.require_identity().device_id
    revoke_device(central.db_url, device_id)
    with pytest.raises(DeviceRevoked):
        idle_round(home, TEST_PASSPHRASE)
    with open_store(home) as store:
        assert store.revoked_at() is not None
        assert store.rounds()[0]["error"].startswith("DeviceRevoked")
    assert idle_round(home, TEST_PASSPHRASE) is None  # revoked: left to the full round


def _refuse(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the idle round opened the store")
