"""Index the natural keys, so the duplicate check on every save stays fast.

Revision ID: l0003
Revises: l0002
"""

from __future__ import annotations

from alembic import op

revision = "l0003"
down_revision = "l0002"
branch_labels = None
depends_on = None

_INDEXES = {
    "disclosure": ("org_code", "catalog_code", "period"),
    "subsidy_payment": ("project_id", "id_number"),
}


def upgrade() -> None:
    for table, columns in _INDEXES.items():
        op.create_index(f"ix_local_natural_{table}", table, list(columns))


def downgrade() -> None:
    for table in _INDEXES:
        op.drop_index(f"ix_local_natural_{table}", table_name=table)
