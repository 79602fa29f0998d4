"""The versions central holds of a record, kept as last fetched for its history offline
(``central_history``).

Revision ID: l0013
Revises: l0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l0013"
down_revision = "l0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "central_history",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("central_history")
