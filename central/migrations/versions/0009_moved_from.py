"""The unit a version moved its record out of (``record_version.moved_from``): pull
tells that unit's devices the record left them (issue 15, item 6).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("record_version") as batch:
        batch.add_column(sa.Column("moved_from", sa.String(length=12), nullable=True))
        batch.create_index("ix_record_version_moved_from", ["moved_from"])


def downgrade() -> None:
    with op.batch_alter_table("record_version") as batch:
        batch.drop_index("ix_record_version_moved_from")
        batch.drop_column("moved_from")
