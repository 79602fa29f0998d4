"""`sanwu attachments ...` and `record add --attach` in-process: output, errors that
name the file, the downscale setting, and wipe taking the files with the database."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from client.cli import main
from sync.failures import ExitCode
from tests.client.conftest import VILLAGE, disclosure

pytestmark = pytest.mark.usefixtures("cli_passphrase")
"""``main`` runs in this process: it finds the passphrase where a scheduled run would."""


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def test_record_add_attach_names_the_file_and_list_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    scan = tmp_path / "minutes.pdf"
    scan.write_bytes(b"%PDF minutes")
    values = json.dumps(disclosure(org_code=VILLAGE), ensure_ascii=False)
    assert run(home, "record", "add", "disclosure", "--json", values, "--attach", str(scan)) == 0
    record_id = capsys.readouterr().out.strip()
    assert run(home, "record", "show", record_id, "--json") == ExitCode.OK
    shown = json.loads(capsys.readouterr().out)
    digest = hashlib.sha256(b"%PDF minutes").hexdigest()
    assert shown["attachments"] == [digest]
    assert run(home, "attachments", "list", "--json") == ExitCode.OK
    (item,) = json.loads(capsys.readouterr().out)
    assert item == {
        "digest": digest,
        "size": 12,
        "name": "minutes.pdf",
        "state": "pending",
        "here": True,
        "original": None,
        "error": "",
    }
    assert run(home, "status", "--json") == ExitCode.OK
    status = json.loads(capsys.readouterr().out)
    assert status["files_to_send"] == 1 and status["files_to_fetch"] == 0


def test_a_missing_file_exits_2_naming_it_and_adds_no_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    values = json.dumps(disclosure(org_code=VILLAGE), ensure_ascii=False)
    code = run(
        home, "record", "add", "disclosure", "--json", values, "--attach", "no-such-photo.jpg"
    )
    assert code == ExitCode.USAGE
    assert "no-such-photo.jpg：" in capsys.readouterr().err
    assert run(home, "record", "list", "disclosure", "--json") == ExitCode.OK
    assert json.loads(capsys.readouterr().out) == []


def test_downscale_setting_and_open_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    assert run(home, "attachments", "downscale") == ExitCode.OK
    assert "不缩小照片" in capsys.readouterr().out
    assert run(home, "attachments", "downscale", "big") == ExitCode.USAGE
    assert "像素" in capsys.readouterr().err
    assert run(home, "attachments", "downscale", "1600") == ExitCode.OK
    assert "1600 像素" in capsys.readouterr().out
    (tmp_path / "a.txt").write_bytes(b"text")
    assert run(home, "attachments", "add", str(tmp_path / "a.txt")) == ExitCode.OK
    digest = capsys.readouterr().out.split()[0]
    assert run(home, "attachments", "open", digest, "--out", str(tmp_path / "out")) == 0
    assert Path(capsys.readouterr().out.strip()).read_bytes() == b"text"
    assert run(home, "attachments", "open", "0" * 64, "--out", str(tmp_path / "out")) == 2
    assert "不在本机" in capsys.readouterr().err


def test_wipe_takes_the_files_with_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    (tmp_path / "a.txt").write_bytes(b"text")
    assert run(home, "attachments", "add", str(tmp_path / "a.txt")) == ExitCode.OK
    assert any((home / "attachments").rglob("*"))
    assert run(home, "wipe", "--yes") == ExitCode.OK
    assert not (home / "attachments").exists()
    assert not (home / "sanwu.db").exists()
