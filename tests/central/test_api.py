"""The HTTP surface: health, enrollment, every signature refusal, body and protocol errors."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session, func, select

from central.admin import new_enroll_code, revoke_device
from central.enrollment import make_enroll_code
from central.errors import BadRequest, NotFound
from central.tables import Device as DeviceRow
from central.tables import EnrollCode, RecordVersion
from models.records import Disclosure
from sync.protocol import PROTOCOL_VERSION, EnrollRequest, PushRequest
from sync.signing import new_private_key, public_key_b64

from .conftest import TOWN, VILLAGE, Device, TestClient, create_op, gz


def _enroll(
    client: TestClient, code: str, public_key: str | None = None
) -> tuple[int, dict[str, object]]:
    key = public_key or public_key_b64(new_private_key())
    response = client.post(
        "/v1/enroll",
        content=gz(EnrollRequest(code=code, public_key=key)),
        headers={"Content-Encoding": "gzip"},
    )
    return response.status_code, response.json()


def test_health_is_unsigned_and_gzipped(client: TestClient) -> None:
    # The test client offers zstd too; health answers it then (tests/central/test_routes.py).
    response = client.get("/v1/health", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    body = response.json()
    assert body["status"] == "ok"
    assert body["protocol"] == PROTOCOL_VERSION


def test_enroll_gives_scope_and_code_is_single_use(client: TestClient, db_url: str) -> None:
    code = new_enroll_code(db_url, unit=VILLAGE, role="clerk")
    status, body = _enroll(client, code.lower().replace("-", " "))  # typed sloppily
    assert status == 200
    assert body["scope"] == VILLAGE
    assert body["org_name"] == "黑麻板村"
    assert body["role"] == "clerk"
    status, body = _enroll(client, code)
    assert (status, body["code"]) == (401, "code_used")


def test_enroll_town_role_scope(client: TestClient, db_url: str) -> None:
    status, body = _enroll(client, new_enroll_code(db_url, unit=TOWN, role="town"))
    assert status == 200
    assert body["scope"] == TOWN[:9]


def test_enroll_refuses_unknown_and_expired_codes(
    client: TestClient, db_url: str, session: Session
) -> None:
    status, body = _enroll(client, "AAAA-BBBB-CCCC")
    assert (status, body["code"]) == (401, "bad_code")
    code = make_enroll_code(
        session,
        unit=VILLAGE,
        role="clerk",
        ttl_s=60,
        now=datetime.now(UTC) - timedelta(seconds=120),
    )
    status, body = _enroll(client, code)
    assert (status, body["code"]) == (401, "code_expired")


def test_enroll_refuses_a_bad_public_key(client: TestClient, db_url: str) -> None:
    status, body = _enroll(
        client, new_enroll_code(db_url, unit=VILLAGE, role="clerk"), "bm90IGEga2V5"
    )
    assert (status, body["code"], body["field"]) == (422, "invalid", "public_key")


def test_enroll_code_needs_a_known_unit_and_a_fitting_role(session: Session) -> None:
    with pytest.raises(NotFound) as unknown:
        make_enroll_code(session, unit="150202101999", role="clerk", ttl_s=60)
    assert unknown.value.code == "unknown_unit"
    with pytest.raises(BadRequest) as mismatch:
        make_enroll_code(session, unit=TOWN, role="clerk", ttl_s=60)
    assert mismatch.value.code == "role_mismatch"
    assert session.exec(select(func.count()).select_from(EnrollCode)).one() == 0


def test_only_the_hash_of_a_code_is_stored(db_url: str, session: Session) -> None:
    code = new_enroll_code(db_url, unit=VILLAGE, role="clerk")
    stored = session.exec(select(EnrollCode)).one()
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64


def _count(session: Session) -> int:
    session.expire_all()
    records = session.exec(select(func.count()).select_from(Disclosure)).one()
    versions = session.exec(select(func.count()).select_from(RecordVersion)).one()
    return records + versions


def _refused(response: httpx.Response, code: str) -> None:
    assert response.status_code == 401
    assert response.json()["code"] == code


@pytest.fixture
def clerk(enroll: Callable[[str, str], Device]) -> Device:
    return enroll(VILLAGE, "clerk")


def test_unsigned_push_is_refused(client: TestClient, clerk: Device, session: Session) -> None:
    response = client.post(
        "/v1/push", content=gz(PushRequest(ops=[create_op()])), headers={"Content-Encoding": "gzip"}
    )
    _refused(response, "unsigned")
    assert _count(session) == 0


def test_bad_signature_is_refused(clerk: Device, session: Session) -> None:
    body = gz(PushRequest(ops=[create_op()]))
    response = clerk.send("/v1/push", body, headers={"X-Sanwu-Signature": "AAAA"})
    _refused(response, "bad_signature")
    assert _count(session) == 0


def test_body_changed_after_signing_is_refused(clerk: Device, session: Session) -> None:
    signed = gz(PushRequest(ops=[create_op()]))
    sent = gz(PushRequest(ops=[create_op(), create_op(period="2026-02")]))
    _refused(clerk.send("/v1/push", sent, sign_body=signed), "bad_signature")
    assert _count(session) == 0


def test_another_devices_key_is_refused(
    enroll: Callable[[str, str], Device], clerk: Device
) -> None:
    other = enroll(VILLAGE, "clerk")
    clerk.key = other.key
    _refused(clerk.push_raw([create_op()]), "bad_signature")


def test_stale_timestamp_is_refused_with_a_clock_hint(clerk: Device, session: Session) -> None:
    body = gz(PushRequest(ops=[create_op()]))
    response = clerk.send("/v1/push", body, now=time.time() - 3600)
    _refused(response, "stale")
    assert "clock" in response.json()["message"]
    _refused(clerk.send("/v1/push", body, now=time.time() + 3600), "stale")
    assert _count(session) == 0


def test_replayed_request_is_refused(client: TestClient, clerk: Device, session: Session) -> None:
    body = gz(PushRequest(ops=[create_op()]))
    first = clerk.send("/v1/push", body)
    assert first.status_code == 200
    before = _count(session)
    headers = {
        name: value for name, value in first.request.headers.items() if name.startswith("x-sanwu")
    }
    again = client.post("/v1/push", content=body, headers=headers | {"Content-Encoding": "gzip"})
    _refused(again, "replayed")
    assert _count(session) == before


def test_unknown_device_is_refused(clerk: Device, session: Session) -> None:
    clerk.device_id = "not-a-device"
    _refused(clerk.push_raw([create_op()]), "unknown_device")
    assert _count(session) == 0


def test_revoked_device_is_refused(clerk: Device, db_url: str, session: Session) -> None:
    revoke_device(db_url, clerk.device_id)
    _refused(clerk.push_raw([create_op()]), "revoked")
    assert _count(session) == 0


def test_last_seen_is_recorded(clerk: Device, session: Session) -> None:
    clerk.pull()
    row = session.get(DeviceRow, clerk.device_id)
    assert row is not None and row.last_seen_at is not None


def test_other_protocol_version_is_426(clerk: Device) -> None:
    response = clerk.send("/v1/push", gz({"protocol": 99, "ops": []}))
    assert response.status_code == 426
    assert response.json()["code"] == "protocol"


def test_malformed_bodies_name_the_problem(clerk: Device) -> None:
    not_json = clerk.send("/v1/push", gzip.compress(b"{nope", mtime=0))
    assert (not_json.status_code, not_json.json()["code"]) == (400, "bad_json")
    not_gzip = clerk.send("/v1/push", b"\x1f\x8b garbage")
    assert (not_gzip.status_code, not_gzip.json()["code"]) == (400, "bad_body")
    missing = clerk.send("/v1/push", gz({"protocol": PROTOCOL_VERSION, "ops": [{"op_id": "x"}]}))
    assert missing.status_code == 422
    assert missing.json()["field"].startswith("ops.0.")


def test_version_1_bodies_are_told_to_update(clerk: Device) -> None:
    """Version 1 sent verbose objects and read verbose answers: 426, before anything."""
    response = clerk.send("/v1/push", gz({"protocol": 1, "ops": []}))
    assert (response.status_code, response.json()["code"]) == (426, "protocol")
    assert "update the client" in response.json()["message"]


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ({"shapes": [], "rows": [[0, "r1", 1, ["11010519491231002X"]]]}, "ops.rows.0.shape"),
        ({"shapes": [["clue", "create", ["title"]]], "rows": "x"}, "ops.rows"),
        (
            {"shapes": [["clue", "create", ["title"]]], "rows": [[0, "r1", 1, ["a", "b"]]]},
            "ops.rows.0.to",
        ),
        (
            {"shapes": [["clue", "create", ["title"]]], "rows": [[0, "r1", 1.5, ["a"]]]},
            "ops.rows.0.recorded_at",
        ),
        ({"shapes": [["clue", "create", "title"]], "rows": []}, "ops.shapes.0.fields"),
    ],
)
def test_malformed_rows_name_the_place_and_echo_nothing(
    clerk: Device, rows: dict[str, object], field: str
) -> None:
    response = clerk.send("/v1/push", gz({"protocol": PROTOCOL_VERSION, "ops": rows}))
    assert (response.status_code, response.json()["field"]) == (422, field)
    assert "11010519491231002X" not in response.text


def test_plain_json_is_accepted(clerk: Device) -> None:
    body = PushRequest(ops=[create_op()]).model_dump_json().encode()
    response = clerk.send("/v1/push", body, headers={"Content-Encoding": "identity"})
    assert response.status_code == 200
    [row] = response.json()["results"]["rows"]  # compact rows: status first
    assert row[0] == "applied"


def test_a_gzip_bomb_is_413(clerk: Device) -> None:
    bomb = gzip.compress(b'{"protocol": 2, "ops": [' + b" " * (3 * 1024 * 1024) + b"]}", mtime=0)
    response = clerk.send("/v1/push", bomb)
    assert (response.status_code, response.json()["code"]) == (413, "too_large")


def test_unknown_route_is_an_error_body(client: TestClient) -> None:
    response = client.get("/v1/nothing")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
