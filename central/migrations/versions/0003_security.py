"""Security: central's secret, audit-chain positions and findings, payment fingerprints.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "central_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "device_audit",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.create_table(
        "audit_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_finding_device_id", "audit_finding", ["device_id"])
    op.create_index("ix_audit_finding_org_code", "audit_finding", ["org_code"])
    op.create_table(
        "payment_fingerprint",
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("payment_id"),
    )
    op.create_index("ix_payment_fingerprint_id_hash", "payment_fingerprint", ["id_hash"])


def downgrade() -> None:
    op.drop_index("ix_payment_fingerprint_id_hash", table_name="payment_fingerprint")
    op.drop_table("payment_fingerprint")
    op.drop_index("ix_audit_finding_org_code", table_name="audit_finding")
    op.drop_index("ix_audit_finding_device_id", table_name="audit_finding")
    op.drop_table("audit_finding")
    op.drop_table("device_audit")
    op.drop_table("central_setting")
