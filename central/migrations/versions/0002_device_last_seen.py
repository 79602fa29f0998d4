"""Remember when each device was last seen, and find a record's history without a scan.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_record_version_kind_record_id", "record_version", ["kind", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_record_version_kind_record_id", table_name="record_version")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("last_seen_at")
