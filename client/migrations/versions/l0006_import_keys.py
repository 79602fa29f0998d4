"""Remember imported rows of kinds without a natural key (hash of the row's fields → record),
so importing the same file again adds nothing twice.

Revision ID: l0006
Revises: l0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "l0006"
down_revision = "l0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_key",
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("record_id", sa.String(36), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_key")
