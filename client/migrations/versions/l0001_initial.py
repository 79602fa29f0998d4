"""The first local schema: record tables, outbox, audit chain, conflicts, settings.

Revision ID: l0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from models.schema_v1 import RECORD_TABLES_V1, create_record_tables_v1

revision = "l0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_record_tables_v1(op.create_table)
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("op_id", AutoString(length=36), nullable=False, unique=True),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(length=36), nullable=False, index=True),
        sa.Column("action", AutoString(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("state", AutoString(), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", AutoString(), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", AutoString(), nullable=False),
        sa.Column("action", AutoString(), nullable=False),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(length=36), nullable=False, index=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("prev_hash", AutoString(), nullable=False),
        sa.Column("hash", AutoString(), nullable=False),
    )
    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("record_id", AutoString(length=36), nullable=False, index=True),
        sa.Column("op_id", AutoString(), nullable=False),
        sa.Column("type", AutoString(), nullable=False),
        sa.Column("field", AutoString(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.Column("mine", sa.JSON(), nullable=True),
        sa.Column("theirs", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolution", AutoString(), nullable=False),
    )
    op.create_table(
        "setting",
        sa.Column("key", AutoString(), primary_key=True),
        sa.Column("value", AutoString(), nullable=False),
    )


def downgrade() -> None:
    for table in ("setting", "conflict", "audit", "outbox", *RECORD_TABLES_V1):
        op.drop_table(table)
