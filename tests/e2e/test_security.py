"""Security refusals against a REAL central (uvicorn subprocess on 127.0.0.1): signed
requests, revocation, scope and field rules, the audit chain, keyed-hash duplicates,
transport rules, and no clear ID number in any local file or output."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from central.reach import handed_down_kinds
from models.ids import new_id
from models.kinds import timestamp_to_wire
from sync.central_api import _check
from sync.errors import ClockSkewError
from sync.protocol import (
    PROTOCOL_VERSION,
    Action,
    EnrollRequest,
    Op,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    answering,
)
from sync.signing import new_private_key, public_key_b64, sign_headers
from sync.transport import Response
from tests.e2e.conftest import DISTRICT, PY, Central, Client, disclosure, run_cmd, village

ID_NUMBER = "11010519491231002X"


def _gz(model: Any) -> bytes:
    return gzip.compress(model.model_dump_json().encode(), mtime=0)


@dataclass
class Raw:
    """An enrolled device speaking HTTP by hand, to forge what the real client never sends."""

    central: Central
    device_id: str
    key: Any
    scope: str

    @classmethod
    def enroll(cls, central: Central, unit: str, role: str) -> Raw:
        key = new_private_key()
        code = central.take_code(unit, role)
        body = _gz(EnrollRequest(code=code, public_key=public_key_b64(key), device_name="raw"))
        answer = httpx.post(
            f"{central.url}/v1/enroll", content=body, headers={"Content-Encoding": "gzip"}
        )
        assert answer.status_code == 200, answer.text
        data = answer.json()
        return cls(central, data["device_id"], key, data["scope"])

    def send(
        self,
        path: str,
        body: bytes = b"",
        *,
        method: str = "POST",
        now: float | None = None,
        key: Any = None,
        sign_body: bytes | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        all_headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        if signed:
            all_headers |= sign_headers(
                key or self.key,
                self.device_id,
                method,
                path,
                "",
                body if sign_body is None else sign_body,
                now=now,
            )
        all_headers |= headers or {}
        return httpx.request(
            method, f"{self.central.url}{path}", content=body, headers=all_headers, timeout=30
        )

    def push(self, *ops: Op) -> list[dict[str, Any]]:
        answer = self.send("/v1/push", _gz(PushRequest(ops=list(ops))))
        assert answer.status_code == 200, answer.text
        read = PushResponse.model_validate(answer.json(), context=answering(ops))
        return [result.model_dump(mode="json") for result in read.results]

    def get(self, path: str) -> Any:
        answer = self.send(path, method="GET")
        assert answer.status_code == 200, answer.text
        return answer.json()


def _op(kind: str, record_id: str, action: Action, changes: dict[str, Any], base: int = 0) -> Op:
    return Op(
        op_id=new_id(),
        kind=kind,
        record_id=record_id,
        action=action,
        changes=changes,
        base_version=base,
        recorded_at=timestamp_to_wire(datetime.now(UTC)) or "",
    )


def _create(kind: str, **fields: Any) -> Op:
    return _op(kind, new_id(), Action.CREATE, {k: (None, v) for k, v in fields.items()})


def test_every_signature_refusal_applies_nothing(central: Central) -> None:
    device = Raw.enroll(central, village(212), "clerk")
    marker = f"sig-{new_id()}"
    op = _create("disclosure", org_code=village(212), **disclosure(title=marker))
    body = _gz(PushRequest(ops=[op]))
    other = _gz(PushRequest(ops=[_create("disclosure", org_code=village(212), **disclosure())]))

    def code(answer: httpx.Response) -> tuple[int, str]:
        return answer.status_code, answer.json()["code"]

    assert code(device.send("/v1/push", body, signed=False)) == (401, "unsigned")
    assert code(device.send("/v1/push", body, key=new_private_key())) == (401, "bad_signature")
    assert code(device.send("/v1/push", body, sign_body=other)) == (401, "bad_signature")
    stale = device.send("/v1/push", body, now=time.time() - 301)
    assert code(stale) == (401, "stale")
    assert code(device.send("/v1/push", body, now=time.time() + 400)) == (401, "stale")
    unknown = Raw(central, new_id(), device.key, device.scope)
    assert code(unknown.send("/v1/push", body)) == (401, "unknown_device")
    assert central.query("SELECT count(*) FROM disclosure WHERE title = ?", (marker,)) == [(0,)]

    # The client maps "stale" to a clock-skew error of its own.
    with pytest.raises(ClockSkewError):
        _check(Response(stale.status_code, stale.content, dict(stale.headers)))

    # A replay: the very same signed request twice; the second is refused.
    headers = sign_headers(device.key, device.device_id, "POST", "/v1/push", "", body)
    first = device.send("/v1/push", body, signed=False, headers=headers)
    assert first.status_code == 200
    assert code(device.send("/v1/push", body, signed=False, headers=headers)) == (
        401,
        "replayed",
    )
    assert central.query("SELECT count(*) FROM disclosure WHERE title = ?", (marker,)) == [(1,)]

    # Revoked: refused from then on.
    central.revoke(device.device_id)
    again = _gz(PushRequest(ops=[_create("disclosure", org_code=village(212), **disclosure())]))
    assert code(device.send("/v1/push", again)) == (401, "revoked")


def test_a_revoked_device_stops_keeps_its_data_and_wipe_needs_consent(
    central: Central, make_client: Any
) -> None:
    clerk: Client = make_client(village(213), "clerk")
    record_id = clerk.add("disclosure", disclosure(period="2031-07"))
    central.revoke(clerk.device_id)
    refused = clerk.run("sync", check=False)
    assert refused.returncode == 4, refused.stderr
    assert "已被吊销" in refused.stderr and "保存" in refused.stderr
    assert clerk.pending() == 1
    assert clerk.db_count("SELECT count(*) FROM setting WHERE key = 'revoked_at'") == 1
    # Later rounds stop at once, without asking central (it is down here).
    central.stop()
    try:
        again = clerk.run("sync", check=False)
        # Central is down: had it been asked, the answer would be "offline" (exit 3).
        assert again.returncode == 4 and "已被吊销" in again.stderr, again.stderr
        assert "离线" not in again.stderr
        assert [r["id"] for r in clerk.records()] == [record_id]
        no_tty = clerk.run("wipe", check=False)
        assert no_tty.returncode == 2 and "--yes" in no_tty.stderr
        assert (clerk.home / "sanwu.db").exists()
        wiped = clerk.run("wipe", "--yes")
        assert wiped.returncode == 0
        assert not list(clerk.home.glob("sanwu.db*"))
    finally:
        central.ensure_running()


HANDED_DOWN = frozenset(handed_down_kinds())


def test_scope_and_field_rules_hold_against_a_forging_device(central: Central) -> None:
    mine, theirs = village(214), village(215)
    clerk = Raw.enroll(central, mine, "clerk")
    supervisor = Raw.enroll(central, DISTRICT, "supervisor")
    # Another village's write: refused per op, nothing applied.
    foreign = _create("disclosure", org_code=theirs, **disclosure(title="forged"))
    [result] = clerk.push(foreign)
    assert (result["status"], result["error"]["code"]) == ("rejected", "out_of_scope")
    assert central.query("SELECT count(*) FROM disclosure WHERE id = ?", (foreign.record_id,)) == [
        (0,)
    ]
    # A forged cursor (negative, far ahead, or zero with extra fields) never widens scope.
    [ok] = supervisor.push(_create("disclosure", org_code=theirs, **disclosure(title="theirs")))
    assert ok["status"] == "applied"
    for after in (-100, 0):
        body = json.dumps(
            {"protocol": PROTOCOL_VERSION, "after": after, "limit": 5000, "scope": "150202"}
        )
        answer = clerk.send("/v1/pull", gzip.compress(body.encode(), mtime=0))
        assert answer.status_code in (200, 422), answer.text
        if answer.status_code == 200:
            page = PullResponse.model_validate(answer.json())
            # Only the clerk's own unit, and what levels above it hand down to all.
            orgs = {c.record["org_code"] for c in page.changes if c.kind not in HANDED_DOWN}
            assert orgs <= {mine}, orgs
    far = clerk.send("/v1/pull", _gz(PullRequest(after=10**12, limit=10)))
    assert far.status_code == 200 and far.json()["changes"] == []

    # A warning the supervisor issued: the clerk may sign for it, not rewrite it.
    warning = _create(
        "warning",
        org_code=mine,
        issued_by="150202950001",
        doc_type="warning",
        title="公开栏未更新",
        reply_due="2031-12-01",
    )
    [issued] = supervisor.push(warning)
    assert issued["status"] == "applied"
    rid = warning.record_id
    [title] = clerk.push(
        _op("warning", rid, Action.UPDATE, {"title": ("公开栏未更新", "已整改")}, 1)
    )
    assert (title["status"], title["error"]["code"]) == ("rejected", "forbidden_field")
    [closed] = clerk.push(_op("warning", rid, Action.UPDATE, {"status": ("issued", "closed")}, 1))
    assert closed["error"]["code"] == "forbidden_field"
    [gone] = clerk.push(_op("warning", rid, Action.DELETE, {"deleted": (False, True)}, 1))
    assert gone["error"]["code"] == "forbidden_field"
    own_warning = _create(
        "warning", org_code=mine, doc_type="warning", title="x", reply_due="2031-12-01"
    )
    [made] = clerk.push(own_warning)
    assert made["error"]["code"] == "forbidden_field"
    assert central.query("SELECT title, status, deleted FROM warning WHERE id = ?", (rid,)) == [
        ("公开栏未更新", "issued", 0)
    ]
    [signed] = clerk.push(_op("warning", rid, Action.UPDATE, {"status": ("issued", "received")}, 1))
    assert signed["status"] == "applied"
    verdict = _create(
        "feedback",
        org_code=mine,
        warning_id=rid,
        reported_on="2031-11-20",
        progress="已整改",
        verdict="accepted",
    )
    [judged] = clerk.push(verdict)
    assert (judged["error"]["code"], judged["error"]["field"]) == ("forbidden_field", "verdict")


def test_an_edited_audit_entry_becomes_a_finding(central: Central, make_client: Any) -> None:
    clerk: Client = make_client(village(216), "clerk")
    clerk.add("disclosure", disclosure(period="2031-05"))
    clerk.add("disclosure", disclosure(period="2031-06"))
    conn = sqlite3.connect(clerk.home / "sanwu.db")
    with conn:
        conn.execute("UPDATE audit SET actor = 'someone else' WHERE id = 1")
    conn.close()
    clerk.sync()
    rows = central.query(
        "SELECT kind, detail FROM audit_finding WHERE device_id = ?", (clerk.device_id,)
    )
    assert rows and rows[0][0] == "edited" and "entry 1" in rows[0][1], rows
    # The ops still applied: nothing a unit entered is lost over a broken log.
    assert clerk.pending() == 0
    supervisor = Raw.enroll(central, DISTRICT, "supervisor")
    served = supervisor.get("/v1/findings/audit")["findings"]
    assert any(f["device_id"] == clerk.device_id and f["kind"] == "edited" for f in served)
    assert (
        Raw.enroll(central, village(216), "clerk")
        .send("/v1/findings/audit", method="GET")
        .status_code
        == 403
    )


def test_duplicate_payments_across_villages_without_clear_ids(
    central: Central, make_clients: Any
) -> None:
    a, b = make_clients((village(217), "clerk"), (village(218), "clerk"))
    for client in (a, b):
        project = client.add(
            "subsidy_project",
            {"category": "agriculture", "name": f"耕地地力保护补贴-{client.unit}"},
        )
        client.add(
            "subsidy_payment",
            {
                "project_id": project,
                "recipient_name": "王小二",
                "id_number": ID_NUMBER,
                "amount_fen": 50000,
                "paid_on": "2031-04-01",
                "account": "6217000012345678",
            },
        )
        listed = client.run("record", "list", "subsidy_payment", "--json")
        assert ID_NUMBER not in listed.stdout + listed.stderr
        synced = client.run("sync")
        assert ID_NUMBER not in synced.stdout + synced.stderr
    # Central keeps only keyed hashes beside the payments.
    hashes = central.query(
        "SELECT id_hash FROM payment_fingerprint WHERE org_code IN (?, ?)",
        (village(217), village(218)),
    )
    assert len(hashes) == 2 and hashes[0] == hashes[1] and ID_NUMBER not in hashes[0][0]
    supervisor = Raw.enroll(central, DISTRICT, "supervisor")
    answer = supervisor.send("/v1/findings/duplicate-payments", method="GET")
    assert answer.status_code == 200 and ID_NUMBER not in answer.text
    groups = [
        g
        for g in answer.json()["groups"]
        if {p["org_code"] for p in g["payments"]} >= {village(217), village(218)}
    ]
    assert len(groups) == 1 and groups[0]["period"] == "2031"
    assert {p["id_number"] for p in groups[0]["payments"]} == {"110105********002X"}
    assert {p["recipient"] for p in groups[0]["payments"]} == {"王**"}
    # Nothing in clear in the clients' files, WAL included, or in central's log.
    for client in (a, b):
        for path in client.home.glob("sanwu.db*"):
            assert ID_NUMBER.encode() not in path.read_bytes(), path
    assert not any(ID_NUMBER in line for line in central.log)


def test_plain_http_is_refused_before_connecting(tmp_path: Any) -> None:
    home = tmp_path / "home"
    args = [PY, "-m", "sanwu", "--home", str(home), "enroll", "--code", "AAAA-BBBB-CCCC"]
    # An unroutable address: a connection attempt would end "offline" (exit 3), not 2.
    plain = run_cmd([*args, "--server", "http://10.255.255.1:8765"], check=False)
    assert plain.returncode == 2 and "--insecure-http" in plain.stderr, plain.stderr
    bundle = run_cmd(
        [*args, "--server", "https://sanwu.example", "--ca-bundle", str(tmp_path / "none.pem")],
        check=False,
    )
    assert bundle.returncode == 2 and "--ca-bundle" in bundle.stderr
