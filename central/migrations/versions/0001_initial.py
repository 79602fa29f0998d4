"""Initial schema: central's own tables and the seven record tables.

The record tables come from ``models.schema_v1``, the frozen snapshot both the
client's and central's trees start from, so the two ends begin identical; a later
model change gets a new revision here.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.schema_v1 import RECORD_TABLES_V1, create_record_tables_v1

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)


NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "disclosure": ("org_code", "catalog_code", "period"),
    "subsidy_payment": ("project_id", "id_number"),
}
"""Unique among live (not deleted) records; a partial index on SQLite and PostgreSQL alike."""


def upgrade() -> None:
    op.create_table(
        "org_unit",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent", sa.String(length=12), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("enrolled_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_device_org_code", "device", ["org_code"])
    op.create_table(
        "enroll_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.Column("used_by_device", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_table(
        "op_result",
        sa.Column("op_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("op_id"),
    )
    op.create_table(
        "record_version",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("op_id", sa.String(length=64), nullable=True),
        sa.Column("changes", sa.String(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_record_version_org_code", "record_version", ["org_code"])
    op.create_table(
        "nonce",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("device_id", "nonce"),
    )
    op.create_index("ix_nonce_seen_at", "nonce", ["seen_at"])
    counter = op.create_table(
        "counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(counter, [{"id": 1, "seq": 0}])

    create_record_tables_v1(op.create_table)
    for name, key in NATURAL_KEYS.items():
        live = sa.text("deleted = false")
        op.create_index(
            f"uq_natural_{name}",
            name,
            list(key),
            unique=True,
            sqlite_where=live,
            postgresql_where=live,
        )


def downgrade() -> None:
    for name in reversed(RECORD_TABLES_V1):
        op.drop_table(name)
    for name in (
        "counter",
        "nonce",
        "record_version",
        "op_result",
        "enroll_code",
        "device",
        "org_unit",
    ):
        op.drop_table(name)
