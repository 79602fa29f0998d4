"""An import's new records share one audit entry (the file and each record's digest);
``audit_import`` finds that entry from a record's id, for its history.

Revision ID: l0009
Revises: l0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l0009"
down_revision = "l0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_import",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("audit_import")
