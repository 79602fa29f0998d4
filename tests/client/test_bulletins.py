"""Supervision bulletins across devices, against central in process: the district's
supervisor issues one naming two villages; every device of the district receives it and
a named village sees it on its home; a clerk cannot issue one, nor a level name a unit
it does not supervise (here and at central alike); it prints as HTML and .xlsx (a title
that looks like a formula stays text)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from client import queries
from client.cli import main as cli_main
from client.errors import RuleRefused
from client.exports.bulletin import export_bulletin
from client.store import Store
from tests.client.test_supervision import Central, central  # noqa: F401  (fixture)

VILLAGE = "150202101200"
OTHER = "150202101201"
DISTRICT = "150202000000"
TODAY = date.today()


def bulletin(**overrides: object) -> dict[str, object]:
    return {
        "org_code": DISTRICT,
        "title": "=关于2026年第三季度三务公开情况的通报",
        "doc_no": "东纪通〔2026〕1号",
        "period_from": "2026-07-01",
        "period_to": "2026-09-30",
        "body": "一、基本情况\n二、存在问题：黑麻板村、杨圪塄村财务公开逾期。\n三、下一步要求",
        "named_units": [VILLAGE, OTHER],
        "issued_on": TODAY.isoformat(),
    } | overrides


@pytest.fixture
def devices(central: Central) -> Iterator[tuple[Store, Store, Store]]:  # noqa: F811
    supervisor = central.device("district", DISTRICT, "supervisor")
    clerk = central.device("village", VILLAGE, "clerk")
    far = central.device("far", "150202100200", "clerk")  # another town's village
    yield supervisor, clerk, far
    for store in (supervisor, clerk, far):
        store.close()


def test_issued_received_and_shown_to_the_units_named(
    central: Central,  # noqa: F811
    devices: tuple[Store, Store, Store],
    tmp_path: Path,
) -> None:
    supervisor, clerk, far = devices
    record_id = supervisor.add("bulletin", bulletin())
    central.sync(supervisor, clerk, far)
    assert [r["id"] for r in clerk.list_records("bulletin")] == [record_id]
    assert [r["id"] for r in far.list_records("bulletin")] == [record_id]  # circulated
    assert [r["id"] for r in queries.bulletins_naming(clerk.engine, VILLAGE, TODAY)] == [record_id]
    assert queries.bulletins_naming(far.engine, "150202100200", TODAY) == []

    html = tmp_path / "通报.html"
    export_bulletin(clerk, record_id, html, fmt="html")
    text = html.read_text(encoding="utf-8")
    assert "东纪通〔2026〕1号" in text and "黑麻板村" in text and "杨圪塄村" in text
    xlsx = tmp_path / "通报.xlsx"
    export_bulletin(clerk, record_id, xlsx, fmt="xlsx")
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    title = sheet.cell(row=2, column=2)
    # Never a formula (client.exports.cells): the text, quoted.
    assert title.value == "'=关于2026年第三季度三务公开情况的通报" and title.data_type == "s"


def test_who_may_issue_and_whom_it_may_name(devices: tuple[Store, Store, Store]) -> None:
    supervisor, clerk, _far = devices
    with pytest.raises(RuleRefused) as refused:
        clerk.add("bulletin", bulletin(org_code=VILLAGE, named_units=[OTHER]))
    assert refused.value.refusal.rule == "supervisor_only"
    with pytest.raises(RuleRefused) as outside:
        supervisor.add("bulletin", bulletin(named_units=[VILLAGE, "150203101200"]))
    assert outside.value.refusal.rule == "names_outside"


def test_the_command_line(
    devices: tuple[Store, Store, Store],
    cli_passphrase: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    supervisor, clerk, _far = devices
    home = str(supervisor.home)
    argv = ["--home", home, "bulletin", "issue", "--title", "关于三季度情况的通报"]
    argv += ["--from", "2026-07-01", "--to", "2026-09-30", "--unit", VILLAGE, "--body", "正文"]
    assert cli_main(argv) == 0
    record_id = capsys.readouterr().out.strip()
    assert supervisor.get(record_id)[1]["named_units"] == [VILLAGE]
    out = tmp_path / "b.html"
    assert cli_main(["--home", home, "export", "bulletin", record_id, "--out", str(out)]) == 0
    assert "关于三季度情况的通报" in out.read_text(encoding="utf-8")
    refused = ["--home", str(clerk.home), "bulletin", "issue", "--title", "t", "--from"]
    refused += ["2026-07-01", "--to", "2026-09-30", "--unit", VILLAGE, "--body", "x"]
    capsys.readouterr()
    assert cli_main(refused) == 4
    assert "印发监督通报" in capsys.readouterr().err
