"""Personal values sealed at rest (issue 15, item 7): a natural key holding a personal
field is unique on that field's blind prefix (``central.at_rest``), the part of a sealed
value that equal values share. A clear value (before ``central.rotation.seal_in_clear``
ran) is shorter than the prefix and is compared whole, as before.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

PREFIX_LENGTH = 37
"""``len("sc1:") + 32 hex + ":"`` (``central.at_rest.BLIND_PREFIX_LENGTH``), frozen here."""
SEALED_KEYS = {"subsidy_payment": (("project_id",), "id_number")}
"""The natural keys with a personal field, as they stood at this revision: (the other
fields, the personal one)."""


def _create(table: str, columns: list[sa.TextClause | str]) -> None:
    live = sa.text("deleted = false")
    op.create_index(
        f"uq_natural_{table}",
        table,
        columns,
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )


def upgrade() -> None:
    for table, (others, personal) in SEALED_KEYS.items():
        op.drop_index(f"uq_natural_{table}", table_name=table)
        blind = sa.text(f"substr({personal}, 1, {PREFIX_LENGTH})")
        _create(table, [*others, blind])


def downgrade() -> None:
    for table, (others, personal) in SEALED_KEYS.items():
        op.drop_index(f"uq_natural_{table}", table_name=table)
        _create(table, [*others, personal])
