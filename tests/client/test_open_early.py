"""The reports open their home early (``client.cli.common.open_early``): the file's check
and the key's derivation start before the imports, and the store's open takes their
answers instead of checking and deriving again. They answer as the open would itself:
a damaged file is refused before anything is printed, a wrong passphrase is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from client.cli import main
from client.home import EarlyCheck
from client.store import facade
from sync.failures import ExitCode
from tests.client.test_figures import supervisor_home

COMMANDS = (("report", "supervision", "--json"), ("report", "duty", "--year", "2026", "--json"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return supervisor_home(tmp_path_factory.mktemp("early") / "home")


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the open took from ``open_early``; deriving the key again fails the test."""
    answers: list[str] = []
    verdict = EarlyCheck.verdict

    def checked(self: EarlyCheck) -> tuple[list[str], str]:
        answers.append("check")
        return verdict(self)

    def derived_again(passphrase: str, setting: str) -> None:
        raise AssertionError("the store derived the key again")

    monkeypatch.setattr(EarlyCheck, "verdict", checked)
    monkeypatch.setattr(facade, "unlock", derived_again)
    return answers


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[1])
def test_a_report_takes_both_answers(
    built: Path,
    command: tuple[str, ...],
    cli_passphrase: str,
    taken: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--home", str(built), *command]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)
    assert taken == ["check"]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[1])
def test_a_damaged_file_is_refused_before_anything_is_printed(
    built: Path,
    command: tuple[str, ...],
    tmp_path: Path,
    cli_passphrase: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "home"
    shutil.copytree(built, home)
    db = home / "sanwu.db"
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[3 * page : 7 * page] = b"\x5a" * (4 * page)  # not the header, nor the settings'
    db.write_bytes(bytes(data))

    assert main(["--home", str(home), *command]) == ExitCode.STORAGE
    captured = capsys.readouterr()
    assert captured.out == "" and str(db) in captured.err
    assert db.read_bytes() == bytes(data)


def test_a_wrong_passphrase_is_refused(
    built: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SANWU_PASSPHRASE", "not the passphrase of this home")
    assert main(["--home", str(built), *COMMANDS[0]]) == ExitCode.USAGE
    assert capsys.readouterr().out == ""
