"""``sanwu doctor`` against a real central on 127.0.0.1 (in a thread of this process): a
healthy enrolled home, a damaged database, a clock off central's, central away, held
ops, a small disk, and an https central whose certificate expires tomorrow."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest

import client.doctor as doctor
from central.admin import init_db, new_enroll_code
from central.server import run_in_thread
from central.settings import CentralSettings
from client.cli import main
from client.doctor import Check, examine, worst
from client.i18n import set_language
from client.syncing import enroll, sync_round
from sync.failures import ExitCode
from tests.client.conftest import VILLAGE, disclosure
from tests.e2e.test_tls import _write_pki
from tests.stores import open_store

NAMES = ["integrity", "schema", "queue", "last_sync", "disk", "clock", "certificate"]


class Central(NamedTuple):
    url: str
    db_url: str


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    folder = tmp_path_factory.mktemp("central")
    db_url = f"sqlite:///{folder / 'central.db'}"
    init_db(db_url, demo=True)
    url, stop = run_in_thread(CentralSettings(db_url=db_url))
    yield Central(url, db_url)
    stop()


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SANWU_PASSPHRASE", raising=False)  # doctor never asks for it
    set_language("zh_CN")
    yield
    set_language("zh_CN")


def enrolled_home(central: Central, home: Path, *, synced: bool = True) -> Path:
    code = new_enroll_code(central.db_url, unit=VILLAGE, role="clerk")
    with open_store(home) as store:
        enroll(store, central.url, code, device_name="doctor-test")
        store.add("disclosure", disclosure())
        if synced:
            sync_round(store)
    return home


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def run_doctor(home: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str]:
    code = main(["--home", str(home), "doctor", *flags])
    captured = capsys.readouterr()
    assert captured.err == ""
    return code, captured.out


def test_a_healthy_home_is_all_ok_in_chinese_without_a_passphrase(
    central: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = enrolled_home(central, tmp_path / "home")
    checks = by_name(examine(home))
    assert list(checks) == NAMES
    assert {name: check.verdict for name, check in checks.items()} == dict.fromkeys(NAMES, "ok")
    assert abs(checks["clock"].value) < 5
    assert checks["queue"].value == {"pending": 0, "quarantined": 0}

    code, out = run_doctor(home, capsys)
    assert code == ExitCode.OK
    assert "数据库完整性" in out and "正常" in out
    assert "黑麻板村" not in out and "doctor-test" not in out  # nothing about who


def test_json_is_one_object_with_each_check_and_what_to_do(
    central: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = enrolled_home(central, tmp_path / "home", synced=False)
    code, out = run_doctor(home, capsys, "--json")
    report = json.loads(out)
    assert code == ExitCode.OK
    assert set(report) == {"verdict", "checks"}
    assert report["verdict"] == "warn"  # never synced
    assert [check["name"] for check in report["checks"]] == NAMES
    for check in report["checks"]:
        assert set(check) == {"name", "verdict", "detail", "action", "value"}
        assert check["verdict"] in {"ok", "warn", "fail", "unknown"}
        assert bool(check["action"]) == (check["verdict"] in {"warn", "fail"})
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["last_sync"]["verdict"] == "warn"
    assert checks["queue"]["value"] == {"pending": 1, "quarantined": 0}
    assert "sanwu sync" in checks["last_sync"]["action"]


def test_a_damaged_database_fails_and_says_to_call_support(
    central: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = enrolled_home(central, tmp_path / "home")
    db = home / "sanwu.db"
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[3 * page : 7 * page] = b"\x5a" * (4 * page)
    db.write_bytes(bytes(data))
    before = db.read_bytes()

    code, out = run_doctor(home, capsys, "--json")
    report = json.loads(out)
    assert code == ExitCode.UNHEALTHY
    assert report["verdict"] == "fail"
    integrity = report["checks"][0]
    assert (integrity["name"], integrity["verdict"]) == ("integrity", "fail")
    assert "sanwu diagnostics" in integrity["action"]
    assert db.read_bytes() == before  # read only


def test_a_clock_off_centrals_warns_then_fails(central: Central, tmp_path: Path) -> None:
    home = enrolled_home(central, tmp_path / "home")

    def off_by(seconds: float) -> Check:
        clock = by_name(examine(home, now=lambda: datetime.now(UTC) + timedelta(seconds=seconds)))
        return clock["clock"]

    assert off_by(120).verdict == "warn"
    behind = off_by(-600)
    assert behind.verdict == "fail"
    assert -610 < behind.value < -590
    assert "5" in behind.action


def test_central_away_is_unknown_not_a_failure(
    central: Central, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = enrolled_home(central, tmp_path / "home")
    with open_store(home) as store:
        store.set_server_url("http://127.0.0.1:9")  # nothing listens there
    checks = by_name(examine(home))
    assert checks["clock"].verdict == "unknown"
    assert checks["certificate"].verdict == "ok"  # loopback http has no certificate
    code, out = run_doctor(home, capsys)
    assert code == ExitCode.OK
    assert "未知" in out


def test_held_ops_and_an_old_sync_warn(central: Central, tmp_path: Path) -> None:
    home = enrolled_home(central, tmp_path / "home")
    with open_store(home) as store:
        store.add("disclosure", disclosure(period="2026-09", title="九月"))
    with sqlite3.connect(home / "sanwu.db") as connection:
        connection.execute("UPDATE outbox SET state = 'quarantined'")
    connection.close()
    later = datetime.now(UTC) + timedelta(days=10)
    checks = by_name(examine(home, now=lambda: later))
    assert checks["queue"].verdict == "warn"
    assert checks["queue"].value == {"pending": 0, "quarantined": 1}
    assert "sanwu queue list" in checks["queue"].action
    assert checks["last_sync"].verdict == "warn"


def test_free_disk_thresholds(
    central: Central, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = enrolled_home(central, tmp_path / "home", synced=False)

    class Usage(NamedTuple):
        total: int
        used: int
        free: int

    def free(n: int) -> str:
        monkeypatch.setattr(doctor.shutil, "disk_usage", lambda _path: Usage(0, 0, n))
        return by_name(examine(home))["disk"].verdict

    mb = 1024 * 1024
    assert (free(10 * mb), free(100 * mb), free(2000 * mb)) == ("fail", "warn", "ok")


def test_a_home_without_data_warns_and_a_schema_from_the_future_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_doctor(tmp_path / "empty", capsys, "--json")
    assert code == ExitCode.OK
    assert json.loads(out)["checks"][0]["verdict"] == "warn"

    home = tmp_path / "home"
    open_store(home).close()
    with sqlite3.connect(home / "sanwu.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'l9999'")
    connection.close()
    checks = by_name(examine(home))
    assert checks["schema"].verdict == "fail"
    assert worst(list(checks.values())) == "fail"


def test_an_https_centrals_certificate_expiring_soon_warns(tmp_path: Path) -> None:
    ca_pem, tls = _write_pki(tmp_path)  # valid for one day
    db_url = f"sqlite:///{tmp_path / 'central.db'}"
    init_db(db_url)
    url, stop = run_in_thread(CentralSettings(db_url=db_url), tls=tls)
    try:
        home = tmp_path / "home"
        with open_store(home) as store:
            code = new_enroll_code(db_url, unit=VILLAGE, role="clerk")
            enroll(store, url, code, ca_bundle=str(ca_pem))
        checks = by_name(examine(home))
        assert checks["clock"].verdict == "ok"
        certificate = checks["certificate"]
        assert certificate.verdict == "warn"
        expires = datetime.fromisoformat(str(certificate.value))
        assert timedelta(hours=23) < expires - datetime.now(UTC) < timedelta(days=1, minutes=1)

        with sqlite3.connect(home / "sanwu.db") as connection:  # the CA forgotten
            connection.execute("UPDATE setting SET value = '' WHERE key = 'ca_bundle'")
        connection.close()
        untrusted = by_name(examine(home))["certificate"]
        assert untrusted.verdict == "fail"
        assert "--ca-bundle" in untrusted.action
    finally:
        stop()
