"""Alembic environment of the local database (configured in code by client.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - client.migrate always passes one
    raise RuntimeError("the local migrations run through client.migrate.upgrade")

context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
