"""Drop indexes of the shared record models that no local query uses: each kind's ``seq``
(central's change order; the device only stores it) and the disclosure's ``org_code``
(its natural-key index begins with org_code and serves the same look-ups). Every save,
pull and import kept them up to date for nothing. Central keeps its own.

The names are a frozen copy of client.tables.UNKEPT_MODEL_INDEXES at this revision.

Revision ID: l0010
Revises: l0009
"""

from __future__ import annotations

from alembic import op

revision = "l0010"
down_revision = "l0009"
branch_labels = None
depends_on = None

_UNKEPT = {
    "ix_clue_seq": ("clue", "seq"),
    "ix_disclosure_seq": ("disclosure", "seq"),
    "ix_duty_evidence_seq": ("duty_evidence", "seq"),
    "ix_feedback_seq": ("feedback", "seq"),
    "ix_subsidy_payment_seq": ("subsidy_payment", "seq"),
    "ix_subsidy_project_seq": ("subsidy_project", "seq"),
    "ix_warning_seq": ("warning", "seq"),
    "ix_disclosure_org_code": ("disclosure", "org_code"),
}


def upgrade() -> None:
    for name, (table, _column) in _UNKEPT.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, (table, column) in _UNKEPT.items():
        op.create_index(name, table, [column])
