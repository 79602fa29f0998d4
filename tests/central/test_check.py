"""``sanwu central check``: the schema, the counts, and the device heard from least
recently, on SQLite and on PostgreSQL; read only."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

import central.cli
from central.admin import revoke_device
from central.migrate import head_revision, upgrade
from central.tables import Device as DeviceRow
from sync.failures import ExitCode

from .conftest import OTHER_VILLAGE, TOWN, VILLAGE, Device, create_op, delete_op, disclosure_fields

Enroll = Callable[..., Device]


def test_check_reports_schema_counts_and_the_oldest_unacknowledged_device(
    db_url: str, enroll: Enroll, session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    clerk, town, quiet, gone = (
        enroll(VILLAGE),
        enroll(TOWN, "town"),
        enroll(OTHER_VILLAGE),
        enroll(VILLAGE),
    )
    ops = [create_op(**disclosure_fields(period=f"2026-{m:02d}")) for m in (1, 2, 3)]
    clerk.push(*ops)
    clerk.push(delete_op(ops[0].record_id))
    town.pull()
    long_ago = datetime.now(UTC) - timedelta(days=9)
    for device_id, seen in (
        (quiet.device_id, long_ago),
        (gone.device_id, long_ago - timedelta(days=30)),
    ):
        row = session.get_one(DeviceRow, device_id)
        row.last_seen_at = seen
        session.add(row)
    session.commit()
    revoke_device(db_url, gone.device_id)  # revoked: no longer expected to come back

    assert central.cli.main(["check", "--db", db_url]) == 0
    text = capsys.readouterr().out
    assert f"数据库版本 {head_revision()}（最新 {head_revision()}）" in text
    assert "记录：有效 2 条（disclosure 2," in text and "；已删除 1 条" in text
    assert "变更记录：4 个版本，最后的变更号 4" in text
    assert "设备：已登记 4 台，已吊销 1 台；已答复操作 4 个" in text
    assert f"最久未确认的设备：{quiet.device_id}（{OTHER_VILLAGE}" in text
    assert "9.0 天前" in text

    assert central.cli.main(["check", "--db", db_url, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["current"] is True and found["last_change"] == 4
    assert found["oldest"]["device_id"] == quiet.device_id
    assert found["records"]["disclosure"] == 2


def test_check_says_when_the_schema_is_missing_or_older(
    empty_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    for where in (missing, empty_db_url):  # no file; a database with nothing in it
        assert central.cli.main(["check", "--db", where]) == ExitCode.STORAGE
        said = capsys.readouterr()
        assert said.out == ""
        assert said.err.count("\n") == 1
        assert said.err.startswith("sanwu: ")
        assert "没有平台数据库结构：请运行 `sanwu central init`" in said.err
        assert central.cli.main(["check", "--db", where, "--json"]) == ExitCode.STORAGE
        said = capsys.readouterr()
        assert json.loads(said.out)["schema"] is None and "没有平台数据库结构" in said.err
    assert not (tmp_path / "none.db").exists(), "a check never makes a database"
    upgrade(empty_db_url, revision="0004")
    assert central.cli.main(["check", "--db", empty_db_url]) == 0
    out = capsys.readouterr().out
    assert "数据库版本 0004" in out and "请运行 `sanwu central init` 升级" in out
