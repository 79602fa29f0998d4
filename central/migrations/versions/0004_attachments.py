"""Attachments: the files records name, by SHA-256, and their bytes in chunks.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("completed_at", TZ, nullable=True),
        sa.Column("first_device_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_table(
        "attachment_chunk",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest", "start"),
    )


def downgrade() -> None:
    op.drop_table("attachment_chunk")
    op.drop_table("attachment")
