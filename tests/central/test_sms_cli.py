"""The operator's side: ``contacts import|list`` and ``sms list|send`` on the command line,
and the background worker the central service starts when a sender is configured."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

import central.cli
from central import sealing
from central.app import create_app
from central.db import make_engine
from central.settings import CentralSettings
from central.sms.config import SmsConfigError
from central.sms.queue import enqueue
from central.sms.table import SmsMessage
from tests.central.conftest import TestClient
from tests.central.sms_stubs import WebhookStub, add_contact, json_answer

VILLAGE = "150202101200"
PHONE = "13812345678"
SECRET = "gateway-secret"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SANWU_SMS_") or name in (sealing.ENV_KEY, sealing.ENV_KEY_FILE):
            monkeypatch.delenv(name)


def run(*argv: str) -> int:
    return central.cli.main(list(argv))


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_contacts_import_and_list(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_csv(
        tmp_path / "good.csv",
        "单位编码,单位名称,联系人,手机号",
        f"{VILLAGE},黑麻板村,张三,{PHONE}",
        ",杨圪塄村,李四,13900139000",
    )
    assert run("contacts", "import", str(good), "--db", db_url) == 0
    assert capsys.readouterr().out == "已导入 2 位联系人（新增 2，替换 0）\n"

    assert run("contacts", "list", "--db", db_url) == 0
    shown = capsys.readouterr().out
    assert "138****5678" in shown and PHONE not in shown and shown.endswith("共 2 位联系人\n")
    assert run("contacts", "list", "--json", "--db", db_url) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(c["org_code"], c["unit"], c["name"], c["phone"]) for c in listed] == [
        (VILLAGE, "黑麻板村", "张三", "138****5678"),
        ("150202101201", "杨圪塄村", "李四", "139****9000"),
    ]


def test_a_bad_row_keeps_the_file_out_unless_partial(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_csv(
        tmp_path / "bad.csv",
        "单位编码,联系人,手机号",
        f"{VILLAGE},张三,{PHONE}",
        "150202101201,李四,139001390",
    )
    assert run("contacts", "import", str(bad), "--db", db_url) == 2
    out, err = capsys.readouterr()
    assert out == "第 3 行：手机号应为 11 位数字，这里是 9 位\n"
    assert err.startswith("sanwu: 1 行有误，未导入任何联系人") and err.count("\n") == 1
    assert run("contacts", "list", "--json", "--db", db_url) == 0
    assert json.loads(capsys.readouterr().out) == []

    assert run("contacts", "import", str(bad), "--partial", "--db", db_url) == 0
    out, _err = capsys.readouterr()
    assert out.splitlines() == [
        "第 3 行：手机号应为 11 位数字，这里是 9 位",
        "已导入 1 位联系人（新增 1，替换 0）；1 行有误未导入",
    ]


def test_an_unreadable_file_is_one_line(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("contacts", "import", str(tmp_path / "absent.xlsx"), "--db", db_url) == 2
    assert capsys.readouterr().err.startswith("sanwu: 找不到文件")


@pytest.fixture
def queued(db_url: str) -> Iterator[str]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        add_contact(session, VILLAGE, PHONE)
        message = enqueue(
            session,
            key="reminder:r1:sms",
            org_code=VILLAGE,
            text="请按时公开",
            now=datetime.now(UTC),
        )
        assert message is not None
        session.commit()
        yield message.id
    engine.dispose()


def test_sms_list_masks_phones(
    db_url: str, queued: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("sms", "list", "--json", "--db", db_url) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["id"] == queued and listed["phone"] == "138****5678"
    assert (listed["status"], listed["attempts"], listed["unit"]) == ("queued", 0, "黑麻板村")
    assert run("sms", "list", "--db", db_url) == 0
    out = capsys.readouterr().out
    assert queued in out and PHONE not in out and out.endswith("共 1 条短信\n")
    assert run("sms", "list", "--status", "sent", "--json", "--db", db_url) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_sms_send_needs_a_sender(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("sms", "send", "--db", db_url) == 2
    assert capsys.readouterr().err == (
        "sanwu: no SMS sender configured: set SANWU_SMS_SENDER to webhook or aliyun\n"
    )


def test_sms_send_runs_one_pass(
    db_url: str,
    queued: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with WebhookStub(SECRET, json_answer(503, {})) as stub:
        monkeypatch.setenv("SANWU_SMS_SENDER", "webhook")
        monkeypatch.setenv("SANWU_SMS_WEBHOOK_URL", stub.url)
        monkeypatch.setenv("SANWU_SMS_WEBHOOK_SECRET", SECRET)
        assert run("sms", "send", "--db", db_url) == 0
        assert run("sms", "send", "--db", db_url) == 0  # not due again yet
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{queued}  {VILLAGE}  queued（第 1 次）  webhook: HTTP 503 {{}}",
        "经 webhook：发送 0，待重试 1，失败 0，限速暂缓 0",
        "经 webhook：发送 0，待重试 0，失败 0，限速暂缓 0",
    ]
    assert PHONE not in out + err and SECRET not in out + err
    assert len(stub.received) == 1


def wait_for(condition: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


def test_the_service_delivers_in_the_background(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WebhookStub(SECRET) as stub:
        monkeypatch.setenv("SANWU_SMS_SENDER", "webhook")
        monkeypatch.setenv("SANWU_SMS_WEBHOOK_URL", stub.url)
        monkeypatch.setenv("SANWU_SMS_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("SANWU_SMS_INTERVAL", "0.1")
        with TestClient(create_app(CentralSettings(db_url=db_url))) as client:
            assert client.get("/v1/health").status_code == 200
            engine = make_engine(db_url)
            with Session(engine) as session:
                add_contact(session, VILLAGE, PHONE)
                enqueue(
                    session,
                    key="warning:w1:sms",
                    org_code=VILLAGE,
                    text="预警",
                    now=datetime.now(UTC),
                )
                session.commit()
                assert wait_for(lambda: len(stub.received) == 1)

                def sent() -> bool:
                    session.expire_all()
                    return [m.status for m in session.exec(select(SmsMessage))] == ["sent"]

                assert wait_for(sent)
            engine.dispose()
        assert stub.received[0].refused is None


def test_the_service_starts_no_worker_without_a_sender_or_when_told(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    with TestClient(create_app(CentralSettings(db_url=db_url))):
        assert not any(t.name == "sanwu-sms" for t in threading.enumerate())
    monkeypatch.setenv("SANWU_SMS_SENDER", "webhook")
    with TestClient(create_app(CentralSettings(db_url=db_url, sms_worker=False))):
        assert not any(t.name == "sanwu-sms" for t in threading.enumerate())


def test_a_misconfigured_sender_stops_the_start(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANWU_SMS_SENDER", "webhook")
    app = create_app(CentralSettings(db_url=db_url))
    with pytest.raises(SmsConfigError, match="SANWU_SMS_WEBHOOK_URL"), TestClient(app):
        pass


def test_a_unit_that_could_not_be_texted_shows_in_both_lists(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    other = "150202101201"
    engine = make_engine(db_url)
    with Session(engine) as session:
        add_contact(session, VILLAGE, PHONE)
        for org in (VILLAGE, other):
            enqueue(session, key=f"w:{org}", org_code=org, text="预警", now=datetime.now(UTC))
        session.commit()
    engine.dispose()

    assert run("sms", "list", "--status", "no_contact", "--json", "--db", db_url) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["org_code"], listed["status"], listed["phone"]) == (other, "no_contact", "")
    assert run("sms", "list", "--db", db_url) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if other in x)
    assert "  no_contact  " in line and "杨圪塄村  -  " in line
    assert run("contacts", "list", "--db", db_url) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"因无联系人未能发送短信的单位（见 sms list --status no_contact）：{other} 杨圪塄村"
    )
    # Once it has a contact, the line goes.
    engine = make_engine(db_url)
    with Session(engine) as session:
        add_contact(session, other, "13900139000")
    engine.dispose()
    assert run("contacts", "list", "--db", db_url) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "共 2 位联系人"
