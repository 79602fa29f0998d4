"""Hostile text at the terminal: what another device wrote is printed with its control
characters escaped (``sanwu record list|show``), and a control character typed into a
record is refused naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client.cli import main
from sync.failures import ExitCode
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import arrived, open_store

pytestmark = pytest.mark.usefixtures("cli_passphrase")

HOSTILE_TITLE = "x[/]\x1b]0;pwned\x07\x1b[2J\x9b31m\u202etxt.exe\x7f"
HOSTILE_ID = "0190b7c4-0000-7000-8000-0000000000e1\x1b[2J"

RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\x7f")


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def test_record_list_and_show_escape_what_another_device_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(tmp_path) as store:
        good = arrived(store, "disclosure", disclosure(org_code=VILLAGE, title=HOSTILE_TITLE))
        # An id that is not a UUID never reaches the table (``well_formed``), so it is
        # never printed, escaped or not.
        arrived(store, "disclosure", disclosure(org_code=VILLAGE, period="2026-09", id=HOSTILE_ID))
    assert run(tmp_path, "record", "list", "disclosure") == ExitCode.OK
    out = capsys.readouterr().out
    assert not any(raw in out for raw in RAW)
    assert "x[/]\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202etxt.exe\\x7f" in out
    assert "0000000000e1" not in out and len(out.splitlines()) == 1
    assert run(tmp_path, "record", "show", good) == ExitCode.OK
    out = capsys.readouterr().out
    assert not any(raw in out for raw in RAW) and "\\x1b]0;pwned" in out
    # JSON keeps the value (it reads back the same) with nothing raw on the terminal.
    assert run(tmp_path, "record", "show", good, "--json") == ExitCode.OK
    out = capsys.readouterr().out
    assert not any(raw in out for raw in RAW)
    assert json.loads(out)["title"] == HOSTILE_TITLE


def test_a_control_character_typed_in_is_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = json.dumps(disclosure(org_code=VILLAGE, title="十月\x1b[2J公开"))
    assert run(tmp_path, "record", "add", "disclosure", "--json", values) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "title" in err and "控制字符" in err and "\x1b" not in err
    with open_store(tmp_path) as store:
        assert store.list_records("disclosure") == []
