"""The local ``setting`` table: small named values (the identity, the pull cursor, the
audit position, the data key's wrapping) read and written inside store transactions."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from client.crypto import DataKey
from client.identity import Identity, identity_from_settings, identity_settings
from client.tables import Setting

__all__ = ["get_setting", "load_identity", "put_setting", "save_identity"]

_setting = Setting.__table__  # type: ignore[attr-defined]


def get_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(_setting.c.value).where(_setting.c.key == key)).scalar()


def put_setting(conn: Connection, key: str, value: str) -> None:
    stmt = sqlite_insert(_setting).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def load_identity(conn: Connection, key: DataKey | None = None) -> Identity | None:
    rows: dict[str, str] = dict(conn.execute(sa.select(_setting.c.key, _setting.c.value)).all())
    return identity_from_settings(rows, key)


def save_identity(conn: Connection, identity: Identity, key: DataKey | None) -> None:
    """Keep the identity; the private key sealed (so the store must be unlocked)."""
    for name, value in identity_settings(identity, key).items():
        put_setting(conn, name, value)
