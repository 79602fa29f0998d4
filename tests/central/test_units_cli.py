"""``sanwu central units``: the codes an operator gives ``enroll-code --unit``, without a
look into central's database (it needs none)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import central.cli
from models.orgs import LEVELS, load_org_units
from sanwu import main as sanwu_main


def test_the_levels_are_the_org_trees() -> None:
    assert set(central.cli.LEVELS) == LEVELS


def test_units_lists_every_code_and_name_without_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(central.cli.ENV_CENTRAL_DB, raising=False)
    assert central.cli.main(["units"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(load_org_units())
    assert "150202101200  village     黑麻板村" in lines

    assert sanwu_main(["--home", str(tmp_path), "central", "units"]) == 0
    assert capsys.readouterr().out.splitlines() == lines
    assert not (tmp_path / "central.db").exists()


def test_level_filters_and_json_is_one_array(capsys: pytest.CaptureFixture[str]) -> None:
    assert central.cli.main(["units", "--level", "town", "--json"]) == 0
    towns = json.loads(capsys.readouterr().out)
    assert isinstance(towns, list) and towns
    assert {unit["level"] for unit in towns} == {"town"}
    assert {"code": "150202101000", "name": "沙尔沁镇"}.items() <= next(
        unit for unit in towns if unit["code"] == "150202101000"
    ).items()
    assert set(towns[0]) == {"code", "name", "level", "parent", "demo"}


def test_an_unknown_level_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        central.cli.main(["units", "--level", "province"])
    assert exit_.value.code == 2
    assert "--level" in capsys.readouterr().err
