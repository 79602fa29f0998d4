"""The routers the app serves, and the one place that picks an answer's encoding."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from central.admin import new_enroll_code
from central.app import create_app
from central.routes import api_router, attachments, findings, history, sync
from central.routes.negotiation import CompressedRoute
from central.settings import CentralSettings
from sync.protocol import EnrollRequest, PullRequest, PushRequest
from sync.protocol_attachments import (
    AttachmentReadRequest,
    AttachmentRef,
    AttachmentStatusRequest,
)
from sync.signing import new_private_key, public_key_b64, sign_headers

from .conftest import (
    DISTRICT,
    VILLAGE,
    Device,
    TestClient,
    create_op,
    disclosure_fields,
    enroll_device,
    gz,
)

PHOTO = b"\x89PNG not really" * 100
DIGEST = hashlib.sha256(PHOTO).hexdigest()

ROUTES = {
    # (method, path): (tag, the 200 answer's model; None for raw bytes)
    ("GET", "/v1/health"): ("sync", "HealthResponse"),
    ("POST", "/v1/enroll"): ("sync", "EnrollResponse"),
    ("POST", "/v1/push"): ("sync", "PushResponse"),
    ("POST", "/v1/pull"): ("sync", "PullResponse"),
    ("GET", "/v1/findings/duplicate-payments"): ("findings", "DuplicatePaymentsResponse"),
    ("GET", "/v1/findings/audit"): ("findings", "AuditFindingsResponse"),
    ("GET", "/v1/records/{kind}/{record_id}/history"): ("history", "HistoryResponse"),
    ("POST", "/v1/attachments/status"): ("attachments", "AttachmentStatusResponse"),
    ("POST", "/v1/attachments/{digest}"): ("attachments", "AttachmentStatus"),
    ("POST", "/v1/attachments/{digest}/read"): ("attachments", None),
}


def test_the_app_serves_the_area_routers_and_nothing_else(settings: CentralSettings) -> None:
    served: dict[tuple[str, str], tuple[str, str | None]] = {}
    for path, operations in create_app(settings).openapi()["paths"].items():
        for method, operation in operations.items():
            [tag] = operation["tags"]
            content = operation["responses"]["200"]["content"]
            ref = content.get("application/json", {}).get("schema", {}).get("$ref")
            served[method.upper(), path] = (tag, ref.rsplit("/", 1)[-1] if ref else None)
    assert served == ROUTES


def test_every_route_is_a_compressed_route_of_its_areas_router() -> None:
    routers = {
        "sync": sync.router,
        "findings": findings.router,
        "history": history.router,
        "attachments": attachments.router,
    }
    seen = set()
    for tag, router in routers.items():
        assert router.tags == [tag]
        for route in router.routes:
            assert isinstance(route, CompressedRoute), route
            for method in route.methods:
                assert route.path.startswith(router.prefix)
                path = f"{api_router.prefix}{route.path}"
                assert ROUTES[method, path][0] == tag
                seen.add((method, path))
    assert seen == set(ROUTES)


@dataclass
class World:
    """Central with a clerk, a supervisor and a record that names an attachment."""

    client: TestClient
    db_url: str
    clerk: Device
    supervisor: Device
    record_id: str

    def upload(self, headers: dict[str, str]) -> httpx.Response:
        path, query = f"/v1/attachments/{DIGEST}", f"offset=0&size={len(PHOTO)}"
        signed = sign_headers(self.clerk.key, self.clerk.device_id, "POST", path, query, PHOTO)
        all_headers = {"Content-Type": "application/octet-stream"} | signed | headers
        return self.client.post(f"{path}?{query}", content=PHOTO, headers=all_headers)

    def enroll(self, headers: dict[str, str]) -> httpx.Response:
        code = new_enroll_code(self.db_url, unit=VILLAGE, role="clerk")
        body = gz(EnrollRequest(code=code, public_key=public_key_b64(new_private_key())))
        return self.client.post(
            "/v1/enroll", content=body, headers={"Content-Encoding": "gzip"} | headers
        )

    def read(self, headers: dict[str, str]) -> httpx.Response:
        body = gz(AttachmentReadRequest(offset=0, length=10))
        return self.clerk.send(f"/v1/attachments/{DIGEST}/read", body, headers=headers)


@pytest.fixture
def world(client: TestClient, db_url: str) -> World:
    clerk = enroll_device(client, db_url, VILLAGE, "clerk")
    supervisor = enroll_device(client, db_url, DISTRICT, "supervisor")
    op = create_op(**disclosure_fields(VILLAGE, attachments=[DIGEST]))
    clerk.push(op)
    return World(client, db_url, clerk, supervisor, op.record_id)


def _get(device: Callable[[World], Device], path: str) -> Callable[[World, dict[str, str]], Any]:
    return lambda w, headers: device(w).send(path, b"", method="GET", headers=headers)


def _post(path: str, body: bytes) -> Callable[[World, dict[str, str]], Any]:
    return lambda w, headers: w.clerk.send(path, body, headers=headers)


MODEL_ROUTES: dict[tuple[str, str], Callable[[World, dict[str, str]], httpx.Response]] = {
    ("GET", "/v1/health"): lambda w, headers: w.client.get("/v1/health", headers=headers),
    ("POST", "/v1/enroll"): World.enroll,
    ("POST", "/v1/push"): _post("/v1/push", gz(PushRequest(ops=[]))),
    ("POST", "/v1/pull"): _post("/v1/pull", gz(PullRequest())),
    ("GET", "/v1/findings/duplicate-payments"): _get(
        lambda w: w.supervisor, "/v1/findings/duplicate-payments"
    ),
    ("GET", "/v1/findings/audit"): _get(lambda w: w.supervisor, "/v1/findings/audit"),
    ("GET", "/v1/records/{kind}/{record_id}/history"): lambda w, headers: w.clerk.send(
        f"/v1/records/disclosure/{w.record_id}/history", b"", method="GET", headers=headers
    ),
    ("POST", "/v1/attachments/status"): _post(
        "/v1/attachments/status",
        gz(AttachmentStatusRequest(attachments=[AttachmentRef(digest=DIGEST, size=len(PHOTO))])),
    ),
    ("POST", "/v1/attachments/{digest}"): World.upload,
}


def test_every_model_route_is_covered_below() -> None:
    assert set(MODEL_ROUTES) == {key for key, (_tag, model) in ROUTES.items() if model}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("zstd, gzip", "zstd"), ("gzip, deflate, zstd", "zstd"), ("gzip", "gzip"), ("", "gzip")],
)
def test_every_model_route_answers_zstd_when_asked_and_gzip_otherwise(
    world: World, accept: str, expected: str
) -> None:
    for route, call in MODEL_ROUTES.items():
        response = call(world, {"Accept-Encoding": accept})
        assert response.status_code == 200, (route, response.text)
        assert response.headers["content-encoding"] == expected, route
        assert response.headers["content-type"] == "application/json", route
        assert isinstance(response.json(), dict), route  # decoded by its Content-Encoding


def test_a_ranged_read_is_raw_bytes_whatever_is_asked(world: World) -> None:
    assert world.upload({}).status_code == 200
    response = world.read({"Accept-Encoding": "zstd, gzip"})
    assert response.status_code == 200, response.text
    assert "content-encoding" not in response.headers
    assert response.content == PHOTO[:10]


def test_refusals_stay_gzip_whatever_is_asked(world: World) -> None:
    zstd = {"Accept-Encoding": "zstd, gzip"}
    unsigned = world.client.get("/v1/findings/audit", headers=zstd)
    forbidden = world.clerk.send("/v1/findings/audit", b"", method="GET", headers=zstd)
    unknown = world.client.get("/v1/nothing", headers=zstd)
    for response, code in [(unsigned, 401), (forbidden, 403), (unknown, 404)]:
        assert (response.status_code, response.headers["content-encoding"]) == (code, "gzip")


def test_the_signature_is_checked_before_the_path_and_the_path_before_the_body(
    world: World,
) -> None:
    """Dependencies run in order: a request wrong in several ways gets the first refusal."""
    bad_digest, bad_body = "/v1/attachments/XYZ/read", gz({"protocol": 99})
    unsigned = world.client.post(bad_digest, content=bad_body, headers={"Content-Encoding": "gzip"})
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "unsigned")
    signed = world.clerk.send(bad_digest, bad_body)
    assert (signed.status_code, signed.json()["field"]) == (422, "digest")
    unsigned_push = world.client.post(
        "/v1/push", content=b"not gzip", headers={"Content-Encoding": "gzip"}
    )
    assert (unsigned_push.status_code, unsigned_push.json()["code"]) == (401, "unsigned")
