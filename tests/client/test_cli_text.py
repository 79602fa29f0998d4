"""What ``sanwu status`` and ``sanwu catalog`` print for a person (Chinese labels, times to
the minute, no Python reprs or codes), and a closed pipe ending any command quietly."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from client.cli import main
from client.i18n import set_language
from client.status import store_status
from tests.stores import TEST_PASSPHRASE, open_store

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.usefixtures("cli_passphrase")

FINISHED = datetime(2026, 12, 5, 4, 46, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def chinese() -> None:
    set_language("zh_CN")


def a_round(home: Path, *, error: str = "") -> None:
    with sqlite3.connect(home / "sanwu.db") as connection:
        connection.execute(
            "INSERT INTO sync_round (started_at, finished_at, pushed, pulled, conflicts, "
            "rejected, bytes_sent, bytes_received, requests, files_sent, files_received, "
            "error) VALUES (?, ?, 3, 5, 0, 0, 0, 0, 2, 0, 0, ?)",
            ("2026-12-05 04:46:00.000000", "2026-12-05 04:46:30.000000", error),
        )
    connection.close()


def test_status_is_chinese_with_times_to_the_minute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    open_store(home).close()
    assert main(["--home", str(home), "status"]) == 0
    out = capsys.readouterr().out
    assert "注册情况：未注册" in out and "最近同步：从未同步" in out
    assert "None" not in out and "False" not in out

    a_round(home)
    assert main(["--home", str(home), "status"]) == 0
    out = capsys.readouterr().out
    minute = FINISHED.astimezone().strftime("%Y-%m-%d %H:%M")
    assert f"最近同步：{minute}，发送 3 项，接收 5 项" in out
    assert "datetime" not in out and "{" not in out and "finished_at" not in out
    for label in ("待发送的修改：0", "被平台搁置：0", "未解决的冲突：0", "未销号的预警：0"):
        assert label in out


def test_status_of_an_enrolled_home_names_unit_and_role_and_a_failed_round(
    enrolled: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from client.cli.sync import status_lines

    home = tmp_path / "home"
    a_round(home, error="central unreachable (ConnectError)")
    assert main(["--home", str(home), "status"]) == 0
    out = capsys.readouterr().out
    assert "注册情况：150202101200，村（社区）经办人" in out
    assert "平台：http://127.0.0.1:9" in out
    assert "，失败" in out and "ConnectError" not in out
    with open_store(home) as store:  # the store's figures print the same
        assert status_lines(store_status(store)) == out.splitlines()


def test_catalog_is_chinese_with_each_items_deadline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--home", str(tmp_path), "catalog"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("指导目录：内置目录（尚未从平台同步），共 ")
    assert "每半年  半年结束后次月 20 日前  党组织建设情况" in out
    assert "事项发生后" in out
    for code in ("half_year", "quarterly", "monthly", "on_event", "party", "finance", " of "):
        assert code not in out


def closed_pipe(*args: str, unbuffered: bool) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ...`` with stdout a pipe nobody reads any more (``| head`` gone)."""
    env = {**os.environ, "SANWU_PASSPHRASE": TEST_PASSPHRASE}
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            check=False,
            timeout=60,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    "command",
    [
        ["sanwu", "catalog"],
        ["sanwu", "status"],
        ["sanwu", "doctor", "--json"],
        ["sanwu", "--version"],
        ["sanwu", "central", "units"],
        ["central", "units"],
        ["client.cli", "catalog"],
    ],
)
def test_a_closed_pipe_is_quiet(tmp_path: Path, command: list[str], unbuffered: bool) -> None:
    home = [] if command[0] == "central" else ["--home", str(tmp_path)]
    done = closed_pipe(command[0], *home, *command[1:], unbuffered=unbuffered)
    assert done.stderr == ""
    assert done.returncode == 0
