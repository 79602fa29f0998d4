"""Central's one command line: ``python -m central`` and ``sanwu central`` are the same
parser and the same code; only the database's default differs (``sanwu`` passes
HOME/central.db in)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import central.cli
from sanwu import main as sanwu_main
from sync.protocol import Role

ROOT = Path(__file__).resolve().parent.parent.parent


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize("action", [[], ["serve"], ["enroll-code"], ["import-bundle"]])
def test_both_entry_points_reach_the_same_parser(action: list[str]) -> None:
    by_module = _run("-m", "central", *action, "--help")
    by_sanwu = _run("-m", "sanwu", "central", *action, "--help")
    assert by_module.returncode == by_sanwu.returncode == 0
    assert by_module.stdout.startswith("用法：python -m central")
    assert by_sanwu.stdout.startswith("用法：sanwu central")
    # The same words; only the usage line wraps differently around the longer name.
    words = by_module.stdout.replace("python -m central", "sanwu central").split()
    assert words == by_sanwu.stdout.split()


def test_roles_are_the_protocols() -> None:
    assert tuple(role.value for role in Role) == central.cli.ROLES


def test_sanwu_central_keeps_its_database_in_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(central.cli.ENV_CENTRAL_DB, raising=False)
    assert sanwu_main(["--home", str(tmp_path / "home"), "central", "init"]) == 0
    assert capsys.readouterr().out == "平台数据库已就绪\n"
    assert (tmp_path / "home" / "central.db").is_file()


def test_python_m_central_needs_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(central.cli.ENV_CENTRAL_DB, raising=False)
    assert central.cli.main(["init"]) == 2
    assert capsys.readouterr().err == (
        f"sanwu: 请给出数据库：--db URL 或 {central.cli.ENV_CENTRAL_DB}\n"
    )
    monkeypatch.setenv(central.cli.ENV_CENTRAL_DB, f"sqlite:///{tmp_path / 'env.db'}")
    assert central.cli.main(["init"]) == 0
    assert (tmp_path / "env.db").is_file()


def test_a_mistake_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert central.cli.main(["init", "--db", db]) == 0
    capsys.readouterr()
    cases = [
        (["revoke", "no-such-device", "--db", db], "sanwu: 没有设备 no-such-device\n"),
        (["revoke", "--db", db], "sanwu: 请给出一次要吊销的设备：revoke 设备\n"),
        (
            ["serve", "--tls-cert", "c.pem", "--db", db],
            "sanwu: --tls-cert 和 --tls-key 须同时给出\n",
        ),
        (
            ["import-bundle", str(tmp_path / "none"), "--reply", "r", "--db", db],
            "sanwu: 无法读取同步包（没有这个文件）\n",
        ),
    ]
    for argv, message in cases:
        assert central.cli.main(argv) == 2, argv
        assert capsys.readouterr().err == message


def test_revoke_takes_the_device_as_the_readme_writes_it_or_as_a_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``revoke DEVICE`` (README) and ``revoke --device DEVICE`` (the old ``python -m
    central``) are the same command."""
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert central.cli.main(["init", "--db", db]) == 0
    for argv in (["revoke", "d-1"], ["revoke", "--device", "d-1"]):
        assert central.cli.main([*argv, "--db", db]) == 2
    assert capsys.readouterr().err.count("sanwu: 没有设备 d-1\n") == 2


def test_the_supervision_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """remind (a day given, twice: nothing new the second time), catalog import, assign;
    a bad day is one line and exit 2."""
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert central.cli.main(["init", "--db", db]) == 0
    catalogue = tmp_path / "东河区.csv"
    catalogue.write_text("编码,类别,事项,周期,期限\nGOV-21,政务,农机购置补贴,每季度,15\n")
    argv = ["catalog", "import", str(catalogue), "--issuer", "150202000000", "--db", db]
    assert central.cli.main(argv) == 0
    assert "新增 1" in capsys.readouterr().out

    assert central.cli.main(["remind", "--today", "2026-04-16", "--json", "--db", db]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["counts"]["raised"] > 0
    assert any(r["subject_code"] == "GOV-21" for r in first["raised"])
    assert central.cli.main(["remind", "--today", "2026-04-16", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("2026-04-16：新提醒 0，")

    assert central.cli.main(["remind", "--today", "16/4", "--db", db]) == 2
    assert capsys.readouterr().err == "sanwu: --today：请写成 2026-12-05 这样的日期\n"

    argv = ["assign", "--body", "150202950001", "--unit", "150202900001", "--db", db]
    assert central.cli.main(argv) == 0
    assert "150202950001,150202900001" in capsys.readouterr().out

    # Refusals are one line in the operator's language, naming the flag and the unit.
    refusals = {
        ("150202950001", "150202101220"): "--unit：150202101220 不是职能部门",
        ("150202900001", "150202900002"): "--body：150202900001 不是纪检监察组织（编码 950-999）",
        ("150202950001", "150202999999"): "--unit：没有单位 150202999999",
    }
    for (body, unit), said in refusals.items():
        argv = ["assign", "--body", body, "--unit", unit, "--db", db]
        assert central.cli.main(argv) == 2
        assert capsys.readouterr().err == f"sanwu: {said}\n"
    argv = ["--lang", "en", "assign", "--body", "150202950001", "--unit", "150202101220"]
    assert central.cli.main([*argv, "--db", db]) == 2
    assert capsys.readouterr().err == "sanwu: --unit: 150202101220 is not a department\n"


def test_several_workers_need_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite has one writer at a time: ``serve --workers 2`` over it is refused (exit 2),
    before anything starts. (``--workers 4`` on PostgreSQL: tests/e2e/test_workers.py.)"""
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert central.cli.main(["serve", "--db", db, "--workers", "2"]) == 2
    assert "--workers 2 需要 PostgreSQL" in capsys.readouterr().err
    assert central.cli.main(["serve", "--db", db, "--workers", "0"]) == 2
    assert not (tmp_path / "c.db").exists()


def test_serve_refuses_to_start_without_the_data_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On PostgreSQL there is no key file beside the database: without SANWU_CENTRAL_KEY or
    SANWU_CENTRAL_KEY_FILE, serve says so in one line (exit 2) and never starts, rather than
    answering every enrollment, push and pull with a 500."""
    monkeypatch.delenv("SANWU_CENTRAL_KEY", raising=False)
    monkeypatch.delenv("SANWU_CENTRAL_KEY_FILE", raising=False)
    db = "postgresql+psycopg://nobody@127.0.0.1:9/none"  # never reached
    assert central.cli.main(["serve", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "平台的数据密钥未设置" in err and "SANWU_CENTRAL_KEY" in err
