"""A disclosure's town review; the days the district's figures count and a document
delivered on paper; supervision bulletins and duty score adjustments (models.schema_v3).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.schema_v3 import (
    NATURAL_KEYS,
    NEW_TABLES,
    add_columns,
    date_published,
    drop_columns,
    new_table_columns,
)

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    add_columns(op.batch_alter_table)
    date_published(op.get_bind().execute)
    for table in NEW_TABLES:
        op.create_table(table, *new_table_columns(table, seq_index=True))
    for name, key in NATURAL_KEYS.items():
        live = sa.text("deleted = false")
        op.create_index(
            f"uq_natural_{name}",
            name,
            list(key),
            unique=True,
            sqlite_where=live,
            postgresql_where=live,
        )


def downgrade() -> None:
    for name in NATURAL_KEYS:
        op.drop_index(f"uq_natural_{name}", table_name=name)
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
    drop_columns(op.batch_alter_table)
