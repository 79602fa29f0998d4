"""The supervision loop with every role, end to end: central as a process (its SMS going
to a loopback webhook that checks signatures as a district gateway does), a district
supervisor, the town's staff and two village clerks, each a ``sanwu`` home driven by the
command line, and the reminder pass run for days ahead with ``sanwu central remind
--today``.

A supervisor issues a suggestion with three problems to two villages (with SMS). One
village signs, reports two problems rectified, is returned with a reason it then sees,
reports the third, is accepted and closed. The other never answers: the pass raises an
online reminder, three days later an SMS, ten days later a proposed warning, which the
supervisor issues with one command and the village receives. After every step all four
devices and central hold the same warnings and feedback.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.central.sms_stubs import WebhookStub
from tests.e2e.conftest import (
    DISTRICT,
    PY,
    TOWN,
    Central,
    Client,
    enroll_all,
    run_cmd,
    run_many,
    village,
    wait_until,
)

SECRET = "gateway secret"
PHONES = {village(220): "13800138220", village(221): "13900139221"}
PROBLEMS = ["财务公开逾期两个月", "公开栏照片未上传", "缺少村务监督委员会意见"]
TITLE = "关于规范三务公开工作的监督建议书"


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value) if value else []
    return [str(item) for item in value or []]


WARNING_FIELDS = ("version", "status", "received_on", "return_reason", "closed_on", "reply_due")
FEEDBACK_FIELDS = ("version", "warning_id", "completed", "verdict", "verdict_note")


def _view(kind: str, record: dict[str, Any]) -> tuple[Any, ...]:
    """What all sides must agree on, in one comparable shape (either side's storage)."""
    names = WARNING_FIELDS if kind == "warning" else FEEDBACK_FIELDS
    values = [record["id"], bool(record["deleted"]), _as_list(record.get("rectified"))]
    for name in names:
        value = record.get(name)
        values.append(bool(value) if name in ("completed",) else (value or None))
    return tuple(values)


def _held(client: Client, kind: str, unit: str) -> list[dict[str, Any]]:
    """A device's rows of one unit, read from its file (a CLI start costs a second; the
    CLI's listing is exercised by the steps themselves)."""
    path = client.home / "sanwu.db"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(f"SELECT * FROM {kind} WHERE org_code = ?", (unit,)).fetchall()
    finally:
        conn.close()
    return [dict(row) for row in rows]


class Loop:
    def __init__(self, central: Central, clients: dict[str, Client]) -> None:
        self.central = central
        self.clients = clients

    def sanwu_central(self, *args: str) -> str:
        cmd = [PY, "-m", "sanwu", "central", *args, "--db", self.central.db_url]
        return run_cmd(cmd, timeout=120).stdout

    def sync_all(self) -> None:
        """Two rounds on every device at once: after the first, everything anyone wrote
        is on central; the second brings it to everyone."""
        for _round in range(2):
            results = run_many([c.cmd("sync") for c in self.clients.values()], timeout=120)
            for proc in results:
                assert proc.returncode == 0, proc.stdout + proc.stderr

    def agree(self) -> None:
        """Sync everyone, then every device that can see a unit holds central's records."""
        self.sync_all()
        for kind in ("warning", "feedback"):
            for unit in PHONES:
                expected = sorted(_view(kind, r) for r in self.central.records(kind, unit))
                for name, client in self.clients.items():
                    if name.startswith("village") and client.unit != unit:
                        continue
                    held = sorted(_view(kind, r) for r in _held(client, kind, unit))
                    assert held == expected, (kind, unit, name)

    def warning_of(self, who: str, unit: str, record_id: str) -> dict[str, Any]:
        return next(r for r in self.clients[who].records("warning", unit) if r["id"] == record_id)


@pytest.fixture
def loop(tmp_path: Path) -> Any:
    """Its own central (the pass runs for days ahead and raises the district's reminders,
    which the session's central must not see), with SMS to a loopback gateway."""
    with WebhookStub(SECRET) as gateway:
        central = Central(tmp_path / "central")
        run_cmd([PY, "-m", "central", "init", "--db", central.db_url], timeout=120)
        contacts = tmp_path / "联系人.csv"
        with contacts.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["单位编码", "联系人", "手机号"])
            for n, (unit, phone) in enumerate(PHONES.items()):
                writer.writerow([unit, f"联络员{n}", phone])
        central.env = {
            "SANWU_SMS_SENDER": "webhook",
            "SANWU_SMS_WEBHOOK_URL": gateway.url,
            "SANWU_SMS_WEBHOOK_SECRET": SECRET,
            "SANWU_SMS_INTERVAL": "0.2",
            "SANWU_SMS_PER_MINUTE": "600",
        }
        central.start()
        try:
            clients = {
                "supervisor": Client(tmp_path / "supervisor", DISTRICT, "supervisor"),
                "town": Client(tmp_path / "town", TOWN, "town"),
                "village a": Client(tmp_path / "a", village(220), "clerk"),
                "village b": Client(tmp_path / "b", village(221), "clerk"),
            }
            for client in clients.values():
                client.home.mkdir()
            enroll_all(central, list(clients.values()))
            done = Loop(central, clients)
            out = done.sanwu_central("contacts", "import", str(contacts))
            assert "已导入 2 位联系人" in out, out
            yield done, gateway
        finally:
            central.stop()


def _sms_to(gateway: WebhookStub, phone: str) -> list[str]:
    texts = []
    for request in list(gateway.received):
        if request.refused is None:
            payload = json.loads(request.body)
            if payload["to"] == phone:
                texts.append(str(payload["text"]))
    return texts


def test_the_supervision_loop_with_every_role(loop: Any) -> None:
    steps, gateway = loop
    supervisor, village_a, village_b = (
        steps.clients["supervisor"],
        steps.clients["village a"],
        steps.clients["village b"],
    )
    a, b = village_a.unit, village_b.unit
    today = date.today()
    reply_due = today + timedelta(days=5)

    # The district issues one suggestion to both villages, one record each, with SMS.
    args = ["warning", "issue", "--unit", a, "--unit", b, "--type", "suggestion"]
    args += ["--title", TITLE, "--reply-due", reply_due.isoformat(), "--sms"]
    for problem in PROBLEMS:
        args += ["--problem", problem]
    ids = supervisor.run(*args).stdout.split()
    assert len(ids) == 2
    listed = {w["org_code"]: w["id"] for w in supervisor.json("warning", "list", "--json")}
    warning_a, warning_b = listed[a], listed[b]
    steps.agree()
    assert wait_until(lambda: len(_sms_to(gateway, PHONES[b])) >= 1, timeout=20)
    assert any(TITLE in text for text in _sms_to(gateway, PHONES[a]))
    assert all(PHONES[a] not in line for line in steps.central.log)  # no phone in the log

    # Village A signs and reports problems 1 and 2 rectified, the work done.
    village_a.run("warning", "sign", warning_a)
    village_a.run(
        "warning",
        "feedback",
        warning_a,
        "--progress",
        "已补公开并上传照片",
        "--rectified",
        "1",
        "2",
    )
    village_a.run("warning", "feedback", warning_a, "--progress", "整改完成", "--completed")
    steps.agree()
    assert steps.warning_of("town", a, warning_a)["status"] == "verifying"

    # The supervisor returns it: the third problem is not done. The village sees why.
    reason = "第3项：缺少村务监督委员会意见，请补充后再报"
    supervisor.run("warning", "return", warning_a, "--reason", reason)
    steps.agree()
    seen = steps.warning_of("village a", a, warning_a)
    assert (seen["status"], seen["return_reason"]) == ("returned", reason)

    # Village A reports the third problem and the work done; the supervisor accepts.
    village_a.run(
        "warning",
        "feedback",
        warning_a,
        "--progress",
        "已补监委会意见",
        "--rectified",
        "3",
        "--completed",
    )
    steps.agree()
    supervisor.run("warning", "accept", warning_a, "--note", "整改到位，同意销号")
    steps.agree()
    closed = steps.warning_of("village a", a, warning_a)
    assert closed["status"] == "closed"
    assert sorted(_as_list(closed["rectified"])) == ["1", "2", "3"]
    refused = village_a.run("warning", "sign", warning_a, check=False)
    assert refused.returncode == 4 and "销号" in refused.stderr

    # Village B never answers. The pass, the day after its reply date: an online reminder.
    first = reply_due + timedelta(days=1)
    out = steps.sanwu_central("remind", "--today", first.isoformat(), "--json")
    raised = json.loads(out)["raised"]
    assert any(r["org_code"] == b and r["subject_code"] == warning_b for r in raised)
    assert not any(r["subject_code"] == warning_a for r in raised)
    again = json.loads(steps.sanwu_central("remind", "--today", first.isoformat(), "--json"))
    assert again["counts"]["raised"] == 0  # the same day twice raises nothing new
    steps.agree()
    reminders = list(village_b.json("reminder", "list", "--json"))
    mine = [r for r in reminders if r["subject_code"] == warning_b]
    assert len(mine) == 1 and mine[0]["step"] == "online" and mine[0]["automatic"]
    status = village_b.json("status", "--json")
    assert status["reminders_open"] == len(reminders) and status["warnings_open"] == 1

    # Three days on, one SMS to village B's contact for all its reminders that moved on.
    def digests() -> list[str]:
        return [t for t in _sms_to(gateway, PHONES[b]) if t.startswith("东河区纪委监委提醒：")]

    assert digests() == []
    third = (first + timedelta(days=3)).isoformat()
    steps.sanwu_central("remind", "--today", third)
    assert wait_until(lambda: len(digests()) >= 1, timeout=30)
    listed = json.loads(steps.sanwu_central("sms", "list", "--json"))
    assert [m["key"] for m in listed if m["org_code"] == b and "reminders:" in m["key"]] == [
        f"reminders:{b}:{third}:sms"
    ]
    assert "逾期未办" in digests()[0] and PHONES[b] not in digests()[0]

    # Ten days on, a proposed warning, which the supervisor issues with one command.
    steps.sanwu_central("remind", "--today", (first + timedelta(days=10)).isoformat())
    steps.agree()
    proposals = [
        r
        for r in supervisor.json("reminder", "list", "--json")
        if r["subject_code"] == warning_b and r.get("proposal") == "proposed"
    ]
    assert len(proposals) == 1
    supervisor.run("reminder", "confirm", proposals[0]["id"])
    steps.agree()
    new = [w for w in village_b.records("warning", b) if w["id"] != warning_b]
    assert len(new) == 1 and new[0]["status"] == "issued" and new[0]["reminder_id"]
    assert steps.warning_of("village b", b, warning_b)["status"] == "issued"
    assert all(r.refused is None for r in gateway.received)  # every request signed right
