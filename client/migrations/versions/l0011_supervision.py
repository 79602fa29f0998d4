"""The supervision loop: a warning's steps and problem items, a feedback's items, a
clue's outcome; reminders and the catalogue as records (models.schema_v2, as central's
0007), with this home's natural-key indexes for the two new kinds.

Revision ID: l0011
Revises: l0010
"""

from __future__ import annotations

from alembic import op

from models.schema_v2 import (
    NATURAL_KEYS,
    NEW_TABLES,
    add_columns,
    drop_columns,
    move_clue_statuses,
    new_table_columns,
)

revision = "l0011"
down_revision = "l0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_columns(op.batch_alter_table)
    move_clue_statuses(op.get_bind().execute)
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
