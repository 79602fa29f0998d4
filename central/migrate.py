"""Bring a central database to the newest schema with Alembic (no alembic.ini needed)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from central.contacts import UnitContact
from central.db import make_engine
from central.sms.table import SmsMessage
from central.tables import CENTRAL_TABLES, NATURAL_KEY_INDEX_PREFIX

SCRIPT_LOCATION = "central:migrations"
MANAGED_TABLES: frozenset[str] = CENTRAL_TABLES | {
    str(UnitContact.__tablename__),
    str(SmsMessage.__tablename__),
}
"""``central.tables``'s, and the SMS tables kept beside their code (revision 0006)."""


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Central's tables only; the migration-made partial unique indexes are not in the
    metadata, and the client's own indexes (``ix_local_*``) are not central's."""
    del obj, compare_to
    if type_ == "table":
        return name in MANAGED_TABLES
    if type_ != "index":
        return True
    if reflected and (name or "").startswith(NATURAL_KEY_INDEX_PREFIX):
        return False
    return not (name or "").startswith("ix_local_")


def alembic_config() -> Config:
    """Alembic's config for central, built in code; the URL travels as a live connection."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def upgrade(db_url: str, *, revision: str = "head") -> None:
    """Upgrade ``db_url`` to ``revision`` (new and older databases alike; idempotent)."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current_revision(db_url: str) -> str | None:
    """The revision the database stands at (None when never migrated)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
