"""Bring a local database to the current schema, in place, keeping its data."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

HEAD = "head"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "client:migrations")
    return config


def upgrade(engine: Engine, revision: str = HEAD) -> None:
    """Run every migration the database has not had yet (a no-op when current)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
