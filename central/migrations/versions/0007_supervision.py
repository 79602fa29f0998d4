"""The supervision loop: a warning's steps and problem items, a feedback's items, a
clue's outcome; reminders and the catalogue as records (models.schema_v2).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.schema_v2 import (
    NATURAL_KEYS,
    NEW_TABLES,
    add_columns,
    drop_columns,
    move_clue_statuses,
    new_table_columns,
)

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # 一体化监督: a discipline body's devices reach the departments assigned to it.
    op.create_table(
        "body_assignment",
        sa.Column("body", sa.String(length=12), nullable=False),
        sa.Column("unit", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("body", "unit"),
    )
    with op.batch_alter_table("device") as batch:
        batch.alter_column(
            "scope", type_=sa.String(length=2000), existing_type=sa.String(length=12)
        )
    add_columns(op.batch_alter_table)
    move_clue_statuses(op.get_bind().execute)
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
    with op.batch_alter_table("device") as batch:
        batch.alter_column(
            "scope", type_=sa.String(length=12), existing_type=sa.String(length=2000)
        )
    op.drop_table("body_assignment")
