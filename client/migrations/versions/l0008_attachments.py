"""Attachments kept by this home and where each stands with central; the files a sync
round moved.

Revision ID: l0008
Revises: l0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l0008"
down_revision = "l0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "local_attachment",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("original_digest", sa.String(64), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=False),
    )
    op.create_index("ix_local_attachment_state", "local_attachment", ["state"])
    with op.batch_alter_table("sync_round") as batch:
        batch.add_column(sa.Column("files_sent", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("files_received", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_round") as batch:
        batch.drop_column("files_received")
        batch.drop_column("files_sent")
    op.drop_index("ix_local_attachment_state", table_name="local_attachment")
    op.drop_table("local_attachment")
