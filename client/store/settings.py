"""The local ``setting`` table: small named values (the identity, the pull cursor, the
audit position, the data key's wrapping, what central hands down with a pull) read and
written inside store transactions."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from client.crypto import DataKey
from client.identity import Identity, identity_from_settings, identity_settings
from client.tables import Setting
from models.rules.scoring import DEFAULT_SETTINGS, ScoringSettings

__all__ = [
    "LATE_SHARE_SETTING",
    "get_setting",
    "load_identity",
    "put_setting",
    "save_identity",
    "scoring_settings",
]

LATE_SHARE_SETTING = "duty_late_share"
"""The district's late share for duty scores as the last pull handed it down
(``PullResponse.duty_late_share``; central's ``sanwu central duty --late-share``)."""

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


def scoring_settings(conn: Connection) -> ScoringSettings:
    """The district's duty scoring settings as central last handed them down: what every
    score table of this home (screens, reports, a bulletin's findings) scores with; the
    rule's defaults before a pull brought any, or for a value this version cannot read."""
    value = get_setting(conn, LATE_SHARE_SETTING)
    try:
        return ScoringSettings(late_share=Decimal(value)) if value else DEFAULT_SETTINGS
    except (InvalidOperation, ValueError):
        return DEFAULT_SETTINGS
