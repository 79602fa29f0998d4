"""SMS reminders: units' contacts (phone sealed) and the SMS queue.

Revision ID: 0006
Revises: 0004 (the PostgreSQL work adds 0005 beside it; re-chain this after it on merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "unit_contact",
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("loaded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("org_code"),
    )
    op.create_table(
        "sms_message",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", TZ, nullable=True),
        sa.Column("last_try_at", TZ, nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("provider_id", sa.String(length=100), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sms_message_key", "sms_message", ["key"], unique=True)
    op.create_index("ix_sms_message_org_code", "sms_message", ["org_code"])
    op.create_index("ix_sms_message_due", "sms_message", ["status", "next_try_at"])
    op.create_index("ix_sms_message_last_try_at", "sms_message", ["last_try_at"])


def downgrade() -> None:
    op.drop_index("ix_sms_message_last_try_at", table_name="sms_message")
    op.drop_index("ix_sms_message_due", table_name="sms_message")
    op.drop_index("ix_sms_message_org_code", table_name="sms_message")
    op.drop_index("ix_sms_message_key", table_name="sms_message")
    op.drop_table("sms_message")
    op.drop_table("unit_contact")
