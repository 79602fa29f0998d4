"""``sanwu duty list``, ``sanwu duty adjust`` and ``sanwu report duty`` in-process, on a
supervisor's home holding the units' evidence: output shapes (JSON, text, .xlsx), the
refusals and their exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from client.cli import main
from client.identity import Identity
from client.store import Store
from models.duty import indicators_for
from sync.failures import ExitCode
from sync.signing import new_private_key
from tests.client.duty_data import BODY, DEPT_A, DEPT_B, OPEN_YEAR, YEAR, district_home, evidence
from tests.stores import TEST_PASSPHRASE, enrolled_as

pytestmark = pytest.mark.usefixtures("cli_passphrase")


@pytest.fixture
def district(tmp_path: Path) -> Iterator[Store]:
    with district_home(tmp_path / "district") as store:
        yield store


def run(store: Store, *args: str) -> int:
    return main(["--home", str(store.home), *args])


def test_report_duty_json_has_one_row_per_unit(
    district: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(district, "report", "duty", "--year", str(YEAR), "--json") == ExitCode.OK
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 77 + 24
    first = rows[0]
    assert (first["org_code"], first["rank"]) == (DEPT_A, 1)
    assert isinstance(first["score"], float) and first["score"] > 0
    assert {"name", "level", "max", "missing"} <= set(first)
    assert (
        run(district, "report", "duty", "--year", str(YEAR), "--unit", "1502029500", "--json") == 0
    )
    bodies = json.loads(capsys.readouterr().out)
    assert len(bodies) == 24 and bodies[0]["org_code"] == BODY
    assert run(district, "report", "duty", "--year", str(YEAR), "--unit", DEPT_B) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split()[:2] == ["2", DEPT_B] and "1.50/" in line


def test_report_duty_writes_the_table_to_xlsx(
    district: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "得分.xlsx"
    assert run(district, "report", "duty", "--year", str(YEAR), "--xlsx", str(out)) == 0
    assert "101 个单位" in capsys.readouterr().out
    book = load_workbook(out)
    table = book["履职得分"]
    assert table["A2"].value == "排名" and table["B3"].value == DEPT_A
    assert table["A3"].value == 1 and table["E3"].value > 0
    assert table.max_row == 2 + 101
    missing = book["缺项明细"]
    assert missing["C2"].value == "ZT-003"  # DEPT_A's first missing item


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--year", "2025", "--late-share", "2"], "--late-share"),
        (["--year", "2025", "--unit", "abc"], "--unit"),
    ],
)
def test_report_duty_names_a_bad_flag(
    district: Store, capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    assert run(district, "report", "duty", *args) == ExitCode.USAGE
    assert capsys.readouterr().err.startswith(f"sanwu: {named}")


def test_duty_list_shows_the_units_indicators(
    district: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(district, "duty", "list", "--unit", DEPT_A, "--json", "--year", "2025") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["code"] for row in rows] == [i.code for i in indicators_for("department")]
    assert rows[0] | {"name": ""} == {
        "code": "ZT-001",
        "name": "",
        "responsibility": "main",
        "subject": "team",
        "points": 3.0,
        "deadline": "03-31",
        "due_dates": ["2025-03-31"],
        "evidence": 1,
    }
    # The district's own office is not scored; a village neither, as the list stands.
    assert run(district, "duty", "list") == 0
    assert "没有适用于" in capsys.readouterr().out


def test_duty_adjust_by_item_or_by_evidence(
    district: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["duty", "adjust", "ZT-001", "--unit", DEPT_A, "--year", str(OPEN_YEAR)]
    assert run(district, *args, "--points", "2", "--reason", "计划未审议") == 0
    record_id, rest = capsys.readouterr().out.split(maxsplit=1)
    assert rest.strip() == f"{DEPT_A} {OPEN_YEAR} ZT-001: 2"
    assert run(district, *args, "--points", "3", "--reason", "已补") == 0
    assert capsys.readouterr().out.split()[0] == record_id
    record = evidence(district, DEPT_B, "ZT-003", f"{OPEN_YEAR}-06-01")
    assert run(district, "duty", "adjust", record, "--points", "0.5", "--reason", "材料不全") == 0
    assert f"{DEPT_B} {OPEN_YEAR} ZT-003: 0.5" in capsys.readouterr().out
    assert len(district.list_records("duty_adjustment")) == 2


def test_duty_adjust_refusals(
    district: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["duty", "adjust", "ZT-001", "--unit", DEPT_A, "--reason", "理由"]
    assert run(district, *base, "--points", "4") == ExitCode.USAGE
    assert capsys.readouterr().err.startswith("sanwu: points:")
    assert run(district, "duty", "adjust", "ZT-001", "--points", "1", "--reason", "x") == 2
    assert "--unit" in capsys.readouterr().err
    assert run(district, "duty", "adjust", "no-such-id", "--points", "1", "--reason", "x") == 2
    assert "no-such-id" in capsys.readouterr().err
    closed = [*base, "--points", "1", "--year", str(date.today().year - 2)]
    assert run(district, *closed) == ExitCode.REFUSED
    assert "已锁定" in capsys.readouterr().err
    with department_home(tmp_path / "dept") as unit:
        assert run(unit, *base, "--points", "1") == ExitCode.REFUSED
    assert "只有监督层级" in capsys.readouterr().err


@contextmanager
def department_home(home: Path) -> Iterator[Store]:
    """DEPT_A's own clerk's home."""
    with Store(home, passphrase=TEST_PASSPHRASE) as unit:
        unit.save_identity(
            Identity(
                device_id="dev-d",
                private_key=new_private_key(),
                server_url="http://127.0.0.1:9",
                org_code=DEPT_A,
                org_name="部门",
                role="clerk",
                scope=DEPT_A,
            )
        )
        yield unit


def test_a_closed_years_evidence_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Backdating evidence into a closed year would change its locked score: the device
    refuses the add, the edit and the delete as central would (exit 4), saving nothing."""
    closed = date.today().year - 2  # closed whatever the month
    with department_home(tmp_path / "dept") as unit:
        values = {"indicator_code": "ZT-001", "description": "补记党组会议"}
        backdated = json.dumps(values | {"occurred_on": f"{closed}-03-01"})
        assert run(unit, "record", "add", "duty_evidence", "--json", backdated) == ExitCode.REFUSED
        err = capsys.readouterr().err
        assert f"{closed} 年度" in err and "已锁定" in err
        assert unit.list_records("duty_evidence") == []
        today = json.dumps(values | {"occurred_on": date.today().isoformat()})
        assert run(unit, "record", "add", "duty_evidence", "--json", today) == ExitCode.OK
        record_id = capsys.readouterr().out.strip()
        moved = json.dumps({"occurred_on": f"{closed - 1}-06-30"})
        assert run(unit, "record", "edit", record_id, "--json", moved) == ExitCode.REFUSED
        assert f"{closed - 1} 年度" in capsys.readouterr().err
        old = evidence(unit, DEPT_A, "ZT-002", f"{closed}-05-01")
        assert run(unit, "record", "delete", old) == ExitCode.REFUSED
        assert f"{closed} 年度" in capsys.readouterr().err
        days = sorted(record["occurred_on"] for record in unit.list_records("duty_evidence"))
        assert days == [f"{closed}-05-01", date.today().isoformat()]


def test_a_town_with_no_scored_unit_is_told_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The duty list scores no village as it stands: a town's report says so, in one
    line, rather than nothing (and its JSON is an empty list)."""
    with Store(tmp_path / "town", passphrase=TEST_PASSPHRASE) as town:
        enrolled_as(town, "town")
        assert run(town, "report", "duty", "--year", str(YEAR)) == ExitCode.OK
        (line,) = capsys.readouterr().out.splitlines()
        assert line == "本机范围内没有适用履职指标、可以评分的单位。"
        assert run(town, "report", "duty", "--year", str(YEAR), "--json") == ExitCode.OK
        assert json.loads(capsys.readouterr().out) == []
