"""The district's figures through a real store and the command line: the scenario of
tests/figures_scenario.py pulled into a supervisor's home (a real SQLite file) counts
every key as the pure declarations do, whatever the window and the units (the SQL reads
a superset, never less), and ``sanwu report supervision`` prints it as text, JSON and a
sheet."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from client.analysis.figures import figures
from client.cli import main
from client.i18n import set_language
from client.identity import Identity
from client.store import Store
from models.catalog import item_to_record
from models.figure_counts import Facts, Scope, Window
from models.figures import FIGURES, KEYS, compute
from models.kinds import kind_spec
from models.orgs import load_org_units
from sync.failures import ExitCode
from sync.protocol import Change, PullResponse
from sync.signing import new_private_key
from tests.figures_scenario import (
    DISTRICT,
    EXPECTED,
    SCOPE,
    V1,
    V2,
    WINDOW,
    X,
    catalogue,
    records,
    rid,
)
from tests.stores import open_store

pytestmark = pytest.mark.usefixtures("cli_passphrase", "language_back")

TOWN_PREFIX = "150202101"
IN_TOWN = {**EXPECTED, "disclosures_due": 24 * 8}
"""The scenario over 沙尔沁镇 (23 villages and a community owe the two items)."""


def pull(store: Store, by_kind: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Records as one pull brings them from central, deleted ones included."""
    changes = []
    seq = store.cursor()
    for kind, rows in by_kind.items():
        for fields in rows:
            seq += 1
            record = {**kind_spec(kind).defaults(), **fields}
            record |= {
                "version": 1,
                "deleted": bool(fields.get("deleted")),
                "updated_by": "central",
                "recorded_at": "2026-07-01T08:00:00Z",
                "received_at": "2026-07-01T08:00:01Z",
                "seq": seq,
            }
            changes.append(Change(kind=kind, seq=seq, record=record))
    store.apply_pull(PullResponse(changes=changes, cursor=seq, more=False))


def supervisor_home(home: Path, scope: str = "150202") -> Path:
    """A district supervisor's home holding the scenario and its two-item catalogue."""
    with open_store(home) as store:
        store.save_identity(
            Identity(
                device_id="dev-supervisor",
                private_key=new_private_key(),
                server_url="http://127.0.0.1:9",
                org_code=DISTRICT,
                org_name="东河区",
                role="supervisor",
                scope=scope,
            )
        )
        items = [
            {"id": rid(f"item-{c}"), **item_to_record(i, DISTRICT)} for c, i in catalogue().items()
        ]
        pull(store, {"catalog_item": items, **records()})
    return home


@pytest.fixture
def language_back() -> Iterator[None]:
    """``--lang en`` sets the process's language; the next test starts with the default."""
    yield
    set_language(None)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return supervisor_home(tmp_path_factory.mktemp("figures") / "home")


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    """The home opened for one test (opening puts its catalogue in force)."""
    with open_store(home) as opened:
        yield opened


def test_the_store_counts_the_scenario(store: Store) -> None:
    assert figures(store.engine, WINDOW, SCOPE) == EXPECTED


windows = st.tuples(st.dates(date(2025, 10, 1), date(2026, 9, 30)), st.integers(0, 300)).map(
    lambda pair: Window(pair[0], pair[0] + timedelta(days=pair[1]))
)
scopes = st.sampled_from(
    [SCOPE, Scope((V1,)), Scope((V2,)), Scope((TOWN_PREFIX,)), Scope(("150202",)), Scope((X,))]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(window=windows, scope=scopes)
def test_the_store_reads_every_row_a_figure_counts(
    store: Store, window: Window, scope: Scope
) -> None:
    everything = Facts.of(records(), load_org_units(), catalogue())
    assert figures(store.engine, window, scope) == compute(everything, window, scope)


# ---- the command line -----------------------------------------------------------------------

SCENARIO_ARGS = ("--from", "2026-01-01", "--to", "2026-06-30")


def report(home: Path, *args: str) -> int:
    return main(["--home", str(home), "report", "supervision", *args])


def test_json_is_exactly_the_keys(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(home, *SCENARIO_ARGS, "--unit", TOWN_PREFIX, "--json") == ExitCode.OK
    printed = json.loads(capsys.readouterr().out)
    assert list(printed) == list(KEYS)
    assert printed == IN_TOWN


def test_text_lists_key_count_and_label(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report(home, *SCENARIO_ARGS, "--unit", TOWN_PREFIX) == ExitCode.OK
    head, *lines = capsys.readouterr().out.splitlines()
    assert "2026-01-01 至 2026-06-30" in head and "沙尔沁镇" in head
    assert [line.split()[:3] for line in lines] == [
        [fig.key, str(IN_TOWN[fig.key]), fig.label_zh] for fig in FIGURES
    ]
    assert main(["--home", str(home), "--lang", "en", "report", "supervision"]) == ExitCode.OK
    assert "Online supervisions" in capsys.readouterr().out


def test_the_sheet(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "监督数据.xlsx"
    assert report(home, *SCENARIO_ARGS, "--unit", TOWN_PREFIX, "--xlsx", str(out)) == 0
    assert capsys.readouterr().out.strip() == str(out)
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (fig.label_zh, IN_TOWN[fig.key], fig.key) for fig in FIGURES
    ]
    assert all(row[3] == fig.definition_zh for row, fig in zip(rows, FIGURES, strict=True))
    assert "沙尔沁镇" in str(sheet["A2"].value)


def test_the_default_window_is_this_year_to_today(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report(home) == ExitCode.OK
    today = date.today()
    assert capsys.readouterr().out.startswith(f"{today.year}-01-01 至 {today}")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--from", "2026-07-01", "--to", "2026-06-30"), "晚于"),
        (("--from", "2026-13-01"), "--from"),
        (("--to", "0999-01-01"), "--to"),
        (("--unit", "15020x"), "--unit"),
        (("--json", "--xlsx", "f.xlsx"), "不能与参数 --json 同时使用"),
    ],
)
def test_bad_flags_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str
) -> None:
    try:
        code = report(home, *args)
    except SystemExit as stopped:  # argparse's own refusals
        code = int(stopped.code or 0)
    assert code == ExitCode.USAGE
    assert said in capsys.readouterr().err


def test_a_clerk_reports_its_own_unit_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = supervisor_home(tmp_path / "clerk", scope=V1)
    assert report(home, *SCENARIO_ARGS, "--unit", TOWN_PREFIX, "--json") == ExitCode.OK
    mine = json.loads(capsys.readouterr().out)
    with open_store(home) as store:
        assert mine == figures(store.engine, WINDOW, Scope((V1,)))
    assert report(home, "--unit", "150202100") == ExitCode.USAGE
    assert "不在本设备的范围内" in capsys.readouterr().err


def test_a_notice_issued_on_paper_is_an_offline_reminder_notice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = supervisor_home(tmp_path / "district")
    issue = ["warning", "issue", "--unit", V1, "--unit", V2, "--type", "notice"]
    issue += [
        "--title",
        "关于按时公开的通知",
        "--problem",
        "逾期未公开",
        "--reply-due",
        "2099-01-01",
    ]
    today = date.today().isoformat()

    def counted() -> dict[str, int]:
        assert report(home, "--from", today, "--to", today, "--json") == ExitCode.OK
        return dict(json.loads(capsys.readouterr().out))

    before = counted()
    assert main(["--home", str(home), *issue, "--paper"]) == ExitCode.OK
    assert main(["--home", str(home), *issue]) == ExitCode.OK
    capsys.readouterr()
    after = counted()
    assert after["reminder_notices_offline"] - before["reminder_notices_offline"] == 2
    assert after["warnings_open"] - before["warnings_open"] == 4
    assert after["online_supervisions"] - before["online_supervisions"] == 4
