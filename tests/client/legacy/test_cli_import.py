"""`sanwu import` in-process: the summary, the reject report, one message for a non-table."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.cli import main
from sync.failures import ExitCode
from tests.client.conftest import VILLAGE
from tests.client.legacy.files import disclosure_rows, write_csv, write_xlsx
from tests.stores import open_store

pytestmark = pytest.mark.usefixtures("cli_passphrase")
"""``main`` runs in this process: it finds the passphrase where a scheduled run would."""

PROJECT = "0190b7c4-0000-7000-8000-000000000001"


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def test_import_prints_counts_and_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = disclosure_rows(3)
    rows[2][1] = "没有这个事项"
    path = write_csv(tmp_path / "old.csv", rows, encoding="gbk")
    home = tmp_path / "home"
    code = run(home, "import", str(path), "--kind", "disclosure", "--org", VILLAGE)
    assert code == ExitCode.OK
    out = capsys.readouterr().out
    assert "3 行；新增 2，修改 0，不变 0，退回 1" in out
    assert "含个人信息" in out
    assert (tmp_path / "old.rejects.xlsx").exists() and (tmp_path / "old.rejects.csv").exists()
    with open_store(home) as store:
        assert len(store.list_records("disclosure")) == 2
        assert store.status().pending == 2


def test_dry_run_and_explicit_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "old.xlsx", disclosure_rows(2))
    home = tmp_path / "home"
    report = tmp_path / "out" / "check.xlsx"
    report.parent.mkdir()
    args = ["import", str(path), "--kind", "disclosure", "--org", VILLAGE, "--dry-run"]
    assert run(home, *args, "--report", str(report)) == ExitCode.OK
    assert "将新增 2" in capsys.readouterr().out
    assert report.exists() and report.with_suffix(".csv").exists()
    with open_store(home) as store:
        assert store.list_records("disclosure") == []


def test_not_a_table_is_one_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert run(tmp_path / "home", "import", str(path), "--kind", "disclosure") == ExitCode.USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("sanwu: broken.xlsx: 工作簿已损坏")


def test_rejected_personal_values_stay_out_of_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    headers = ["姓名", "身份证号", "发放金额(元)"]
    rows = [["张三", "1.10105E+17", "10"], ["李四", "110105194912310021", "10"]]
    path = write_csv(tmp_path / "pay.csv", rows, headers=headers)
    home = tmp_path / "home"
    code = run(
        home, "import", str(path), "--kind", "subsidy_payment", "--org", VILLAGE,
        "--set", f"project_id={PROJECT}",
    )  # fmt: skip
    assert code == ExitCode.USAGE  # no row was imported
    captured = capsys.readouterr()
    assert "退回 2" in captured.out
    assert "没有导入任何行" in captured.err
    for text in (captured.out, captured.err):
        assert "110105" not in text and "1.10105E" not in text and "张三" not in text


def test_bad_set_and_unknown_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "a.csv", disclosure_rows(1))
    assert run(tmp_path / "h", "import", str(path), "--kind", "nope") == ExitCode.USAGE
    assert run(tmp_path / "h", "import", str(path), "--kind", "disclosure", "--set", "x") == 2
    assert "字段=值" in capsys.readouterr().err
