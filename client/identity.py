"""The device identity and small sync state, kept in the local ``setting`` table."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from client.tables import Setting
from sync.signing import private_key_bytes, private_key_from_bytes

_setting = Setting.__table__  # type: ignore[attr-defined]

CURSOR = "cursor"


@dataclass(frozen=True)
class Identity:
    device_id: str
    private_key: Ed25519PrivateKey
    server_url: str
    org_code: str
    org_name: str
    role: str
    scope: str


def get_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(_setting.c.value).where(_setting.c.key == key)).scalar()


def put_setting(conn: Connection, key: str, value: str) -> None:
    stmt = sqlite_insert(_setting).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def load_identity(conn: Connection) -> Identity | None:
    rows: dict[str, str] = dict(conn.execute(sa.select(_setting.c.key, _setting.c.value)).all())
    if "device_id" not in rows:
        return None
    return Identity(
        device_id=rows["device_id"],
        private_key=private_key_from_bytes(base64.b64decode(rows["private_key"])),
        server_url=rows["server_url"],
        org_code=rows["org_code"],
        org_name=rows.get("org_name", ""),
        role=rows["role"],
        scope=rows["scope"],
    )


def save_identity(conn: Connection, identity: Identity) -> None:
    values = {
        "device_id": identity.device_id,
        "private_key": base64.b64encode(private_key_bytes(identity.private_key)).decode(),
        "server_url": identity.server_url,
        "org_code": identity.org_code,
        "org_name": identity.org_name,
        "role": identity.role,
        "scope": identity.scope,
    }
    for key, value in values.items():
        put_setting(conn, key, value)
