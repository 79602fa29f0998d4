"""A disclosure's town review; the days the district's figures count and a document
delivered on paper; supervision bulletins and duty score adjustments (models.schema_v3,
as central's 0008), with this home's natural-key index.

Revision ID: l0012
Revises: l0011
"""

from __future__ import annotations

from alembic import op

from models.schema_v3 import (
    NATURAL_KEYS,
    NEW_TABLES,
    add_columns,
    date_published,
    drop_columns,
    new_table_columns,
)

revision = "l0012"
down_revision = "l0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_columns(op.batch_alter_table)
    date_published(op.get_bind().execute)
    for table in NEW_TABLES:
        op.create_table(table, *new_table_columns(table, seq_index=False))
    for name, key in NATURAL_KEYS.items():
        op.create_index(f"ix_local_natural_{name}", name, list(key))


def downgrade() -> None:
    for name in NATURAL_KEYS:
        op.drop_index(f"ix_local_natural_{name}", table_name=name)
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
    drop_columns(op.batch_alter_table)
