"""Fixtures: a migrated database per test (SQLite and PostgreSQL), central in-process,
enrolled signing devices."""

from __future__ import annotations

import gzip
import json
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session
from starlette.exceptions import StarletteDeprecationWarning

from central.admin import init_db, new_enroll_code
from central.app import create_app
from central.db import make_engine
from central.settings import CentralSettings
from models.ids import new_id
from models.kinds import timestamp_to_wire
from sync.bundle_sealing import new_key, public_b64
from sync.protocol import (
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
from tests.conftest import DATABASES
from tests.postgres import Server, give_central_key

with warnings.catch_warnings():
    # Starlette 1.10 wants httpx2 for its TestClient and warns once, at import, when it
    # finds httpx instead. Reported to the lead: add httpx2 to the test extras.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient as TestClient

VILLAGE = "150202101200"  # 黑麻板村
OTHER_VILLAGE = "150202101201"  # 杨圪塄村
TOWN = "150202101000"  # 沙尔沁镇
OTHER_TOWN_VILLAGE = "150202100200"
DISTRICT = "150202000000"


@pytest.fixture(scope="session")
def pg_central_template(pg_server: Server) -> str:
    """A migrated central database on the PostgreSQL server, copied for each test."""
    url = pg_server.create()
    init_db(url, demo=False)
    return str(sa.make_url(url).database)


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A migrated central database of the test's own, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
        init_db(url, demo=False)
        yield url
        return
    server: Server = request.getfixturevalue("pg_server")
    give_central_key(request.getfixturevalue("monkeypatch"))
    url = server.create(template=request.getfixturevalue("pg_central_template"))
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    """A session of its own on the test's database, for looking at what central stored."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def settings(db_url: str) -> CentralSettings:
    return CentralSettings(db_url=db_url, max_body_bytes=2 * 1024 * 1024)


@pytest.fixture
def client(settings: CentralSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def gz(model: BaseModel | dict[str, Any]) -> bytes:
    raw = model.model_dump_json() if isinstance(model, BaseModel) else json.dumps(model)
    return gzip.compress(raw.encode("utf-8"), mtime=0)


@dataclass
class Device:
    """An enrolled device that signs its requests like the real client does."""

    client: TestClient
    device_id: str
    key: Any
    scope: str
    encryption: Any = None
    """Its X25519 key (``sync.bundle_sealing``): opens the personal values of its replies."""

    def send(
        self,
        path: str,
        body: bytes,
        *,
        method: str = "POST",
        now: float | None = None,
        headers: dict[str, str] | None = None,
        sign_body: bytes | None = None,
    ) -> httpx.Response:
        signed = sign_headers(
            self.key,
            self.device_id,
            method,
            path,
            "",
            body if sign_body is None else sign_body,
            now=now,
        )
        all_headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        all_headers |= signed | (headers or {})
        response: httpx.Response = self.client.request(
            method, path, content=body, headers=all_headers
        )
        return response

    def push_raw(self, ops: list[Op]) -> httpx.Response:
        return self.send("/v1/push", gz(PushRequest(ops=ops)))

    def push(self, *ops: Op) -> PushResponse:
        response = self.push_raw(list(ops))
        assert response.status_code == 200, response.text
        return PushResponse.model_validate(response.json(), context=answering(ops))

    def pull(self, after: int = 0, limit: int = 1000) -> PullResponse:
        response = self.send("/v1/pull", gz(PullRequest(after=after, limit=limit)))
        assert response.status_code == 200, response.text
        return PullResponse.model_validate(response.json())

    def pull_all(self, after: int = 0, limit: int = 1000) -> tuple[list[Any], int]:
        changes: list[Any] = []
        while True:
            page = self.pull(after, limit)
            changes.extend(page.changes)
            after = page.cursor
            if not page.more:
                return changes, after


def enroll_device(
    client: TestClient, db_url: str, unit: str, role: str, *, encrypts: bool = True
) -> Device:
    """``encrypts=False``: a device of before sealed bundles (no X25519 key sent)."""
    code = new_enroll_code(db_url, unit=unit, role=role)
    key = new_private_key()
    encryption = new_key() if encrypts else None
    request = EnrollRequest(
        code=code,
        public_key=public_key_b64(key),
        encryption_key=public_b64(encryption) if encryption else "",
        device_name="test",
    )
    response = client.post("/v1/enroll", content=gz(request), headers={"Content-Encoding": "gzip"})
    assert response.status_code == 200, response.text
    body = response.json()
    return Device(
        client=client,
        device_id=body["device_id"],
        key=key,
        scope=body["scope"],
        encryption=encryption,
    )


@pytest.fixture
def enroll(client: TestClient, db_url: str) -> Callable[[str, str], Device]:
    def make(unit: str, role: str = "clerk", *, encrypts: bool = True) -> Device:
        return enroll_device(client, db_url, unit, role, encrypts=encrypts)

    return make


def now_wire() -> str:
    return timestamp_to_wire(datetime.now(UTC)) or ""


def disclosure_fields(org_code: str = VILLAGE, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "org_code": org_code,
        "catalog_code": "FIN-01",
        "period": "2026-01",
        "title": "财务计划公开",
        "content": "见附表",
        "status": "draft",
    }
    return fields | overrides


def create_op(kind: str = "disclosure", record_id: str | None = None, **fields: Any) -> Op:
    values = fields or disclosure_fields()
    return Op(
        op_id=new_id(),
        kind=kind,
        record_id=record_id or new_id(),
        action=Action.CREATE,
        changes={name: (None, value) for name, value in values.items()},
        recorded_at=now_wire(),
    )


def update_op(
    record_id: str, changes: dict[str, tuple[Any, Any]], *, kind: str = "disclosure", base: int = 1
) -> Op:
    return Op(
        op_id=new_id(),
        kind=kind,
        record_id=record_id,
        action=Action.UPDATE,
        changes=changes,
        base_version=base,
        recorded_at=now_wire(),
    )


def delete_op(record_id: str, *, kind: str = "disclosure", base: int = 1) -> Op:
    return Op(
        op_id=new_id(),
        kind=kind,
        record_id=record_id,
        action=Action.DELETE,
        changes={"deleted": (False, True)},
        base_version=base,
        recorded_at=now_wire(),
    )
