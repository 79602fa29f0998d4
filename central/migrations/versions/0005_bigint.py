"""64-bit change numbers, versions, ids from counters, sizes and money.

PostgreSQL's INTEGER is 32-bit: a pull cursor past 2^31-1 or an amount of ¥21.47
million (2^31 fen) made a 500 there. Each column becomes BIGINT in place, keeping its
data (PostgreSQL rewrites the table, holding it locked meanwhile: run it in a quiet
hour on a big database). SQLite's INTEGER is 64-bit already, and the models keep it
INTEGER there (``models.sqltypes.BIG_INT``), so nothing changes on SQLite.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_RECORD_TABLES = (
    "disclosure",
    "subsidy_project",
    "subsidy_payment",
    "duty_evidence",
    "warning",
    "feedback",
    "clue",
)
"""The seven record tables as revision 0004 left them (frozen here)."""

COLUMNS: tuple[tuple[str, str], ...] = (
    ("record_version", "seq"),
    ("record_version", "version"),
    ("counter", "seq"),
    ("device_audit", "last_id"),
    ("audit_finding", "id"),
    ("attachment", "size"),
    ("attachment", "received"),
    ("attachment_chunk", "start"),
    *((table, column) for table in _RECORD_TABLES for column in ("version", "seq")),
    ("subsidy_project", "total_fen"),
    ("subsidy_payment", "standard"),
    ("subsidy_payment", "amount_fen"),
)
"""Every 32-bit integer column of revision 0004 but ``counter.id`` (always 1)."""

_SEQUENCES = {("audit_finding", "id"): "audit_finding_id_seq"}
"""Serial columns: their sequence was made ``AS integer`` and stops at 2^31-1 too."""


def _widen(to: sa.types.TypeEngine[int], sequence_type: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=to, existing_nullable=False)
        sequence = _SEQUENCES.get((table, column))
        if sequence is not None:
            op.execute(f"ALTER SEQUENCE {sequence} AS {sequence_type}")


def upgrade() -> None:
    _widen(sa.BigInteger(), "bigint")


def downgrade() -> None:
    _widen(sa.Integer(), "integer")
