"""Bring a local database to the current schema, in place, keeping its data.

Alembic is imported only when a database needs upgrading: on a village PC the
app opens an up-to-date file almost every time, and importing Alembic costs a
quarter of a second of its start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

HEAD = "head"
HEAD_REVISION = "l0013"
"""The newest local revision; a test keeps it equal to Alembic's head."""


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "client:migrations")
    return config


def _stamped_revision(engine: Engine) -> str | None:
    import sqlalchemy as sa

    with engine.connect() as connection:
        try:
            value = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except sa.exc.OperationalError:  # a new file: no table yet
            return None
    return str(value) if value is not None else None


def upgrade(engine: Engine, revision: str = HEAD) -> None:
    """Run every migration the database has not had yet (a no-op when current)."""
    if revision == HEAD and _stamped_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
