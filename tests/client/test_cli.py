"""The `sanwu` command in-process: output shapes, masking, exit codes, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client.cli import main
from client.store import Store
from sync.failures import ExitCode
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import open_store

pytestmark = pytest.mark.usefixtures("cli_passphrase")
"""``main`` runs in this process: it finds the passphrase where a scheduled run would."""

PAYMENT = {
    "org_code": VILLAGE,
    "project_id": "p-1",
    "recipient_name": "王五",
    "id_number": "11010519491231002x",
    "standard": 10000,
    "quantity": "12",
    "unit": "mu",
    "amount_fen": 120000,
    "method": "one_card",
    "account": "6217000012345678",
}


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def test_add_prints_the_id_alone_and_list_json_has_every_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = json.dumps(disclosure(org_code=VILLAGE), ensure_ascii=False)
    assert run(tmp_path, "record", "add", "disclosure", "--json", values) == ExitCode.OK
    record_id = capsys.readouterr().out.strip()
    assert len(record_id) == 36
    assert run(tmp_path, "record", "list", "disclosure", "--json") == ExitCode.OK
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["id"] == record_id
    assert listed["version"] == 0
    assert listed["title"] == "十月财务收支公开"
    assert listed["channels"] == ["board", "wechat"]
    assert {"org_code", "catalog_code", "period", "disclosed_on", "responsible"} <= set(listed)


def test_personal_fields_are_masked_unless_revealed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "record", "add", "subsidy_payment", "--json", json.dumps(PAYMENT)) == 0
    record_id = capsys.readouterr().out.strip()
    assert run(tmp_path, "record", "show", record_id, "--json") == ExitCode.OK
    shown = capsys.readouterr().out
    assert "11010519491231002X" not in shown
    assert "6217000012345678" not in shown
    assert json.loads(shown)["id_number"] == "110105********002X"
    assert run(tmp_path, "record", "show", record_id, "--json", "--reveal") == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["id_number"] == "11010519491231002X"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["record", "add", "disclosure", "--json", "{not json"], "--json"),
        (["record", "add", "disclosure", "--json", "[1, 2]"], "JSON 对象"),
        (["record", "add", "parade", "--json", "{}"], "parade"),
        (["record", "add", "disclosure", "--json", '{"colour": "red"}'], "colour"),
        (["record", "add", "disclosure", "--json", '{"org_code": "1502"}'], "org_code"),
        (["record", "edit", "no-such-id", "--json", '{"title": "x"}'], "no-such-id"),
        (["record", "delete", "no-such-id"], "no-such-id"),
        (["record", "show", "no-such-id"], "no-such-id"),
        (["conflicts", "resolve", "7", "--take", "mine"], "7"),
        (["sync"], "sanwu enroll"),
    ],
)
def test_bad_input_exits_2_naming_the_problem_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    assert run(tmp_path, *args) == ExitCode.USAGE
    assert named in capsys.readouterr().err
    with open_store(tmp_path) as store:
        assert store.queue() == []
        assert store.list_records("disclosure", include_deleted=True) == []


def test_validation_error_does_not_leak_the_id_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {**PAYMENT, "id_number": "110105194912310021"}
    assert run(tmp_path, "record", "add", "subsidy_payment", "--json", json.dumps(bad)) == 2
    err = capsys.readouterr().err
    assert "id_number" in err
    assert "110105194912310021" not in err


def test_edit_changes_only_the_given_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = json.dumps(disclosure(org_code=VILLAGE), ensure_ascii=False)
    run(tmp_path, "record", "add", "disclosure", "--json", values)
    record_id = capsys.readouterr().out.strip()
    assert run(tmp_path, "record", "edit", record_id, "--json", '{"status": "published"}') == 0
    capsys.readouterr()
    run(tmp_path, "record", "show", record_id, "--json")
    shown = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["title"]) == ("published", "十月财务收支公开")
    run(tmp_path, "queue", "list", "--json")
    queue = json.loads(capsys.readouterr().out)
    assert [(q["action"], q["fields"]) for q in queue] == [
        ("create", queue[0]["fields"]),
        ("update", ["status"]),
    ]
    assert {"op_id", "kind", "record_id", "age_s", "attempts", "last_error"} <= set(queue[0])


def test_sync_with_central_down_exits_3(
    enrolled: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    enrolled.add("disclosure", disclosure())
    home = enrolled.home
    enrolled.close()
    assert run(home, "sync", "--json") == ExitCode.OFFLINE
    assert "离线：无法连接平台" in capsys.readouterr().err
    with open_store(home) as store:
        (op,) = store.queue()
        assert op.attempts == 1
        assert "TransportError" in op.last_error


def test_catalog_json_lists_items_with_period_and_deadline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "catalog", "--json") == ExitCode.OK
    items = json.loads(capsys.readouterr().out)
    finance = [i for i in items if i["domain"] == "finance"]
    assert len(finance) == 8
    assert all(i["period"] == "monthly" for i in finance)
    assert {"code", "name", "deadline"} <= set(items[0])


def test_watch_keeps_trying_while_central_is_away(
    enrolled: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANWU_TEST_MIN_INTERVAL", "0")
    enrolled.add("disclosure", disclosure())
    home = enrolled.home
    enrolled.close()
    code = run(home, "sync", "--watch", "--rounds", "3", "--interval", "0.01")
    assert code == ExitCode.OK
    assert capsys.readouterr().out.count("离线") == 3
    with open_store(home) as store:
        (op,) = store.queue()
        assert op.attempts == 3
        assert len(store.rounds()) == 3


def test_watch_stops_on_what_waiting_cannot_cure(
    enrolled: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANWU_TEST_MIN_INTERVAL", "0")
    enrolled.mark_revoked()
    home = enrolled.home
    enrolled.close()
    assert run(home, "sync", "--watch", "--rounds", "5", "--interval", "0.01") == 4
    assert "本设备已被吊销" in capsys.readouterr().err


def test_a_second_sync_of_one_home_exits_6_at_once(
    enrolled: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from client.sync_lock import sync_lock

    home = enrolled.home
    enrolled.close()
    with sync_lock(home):
        assert run(home, "sync") == 6
    assert "另一个同步正在进行" in capsys.readouterr().err
