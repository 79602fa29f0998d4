"""The record tables exactly as schema version 1 created them, for migrations only.

Both the local and central migration trees create the seven record tables
from here, so the two ends start identical. This is a frozen snapshot: a
later change to models/records/ gets its own migration in each tree and
never edits this file (an old database must be rebuilt from what it was).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime


def _text(name: str, *, index: bool = False) -> sa.Column[Any]:
    return sa.Column(name, AutoString(), nullable=False, index=index)


def _int(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=False)


def _bool(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def _date(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Date(), nullable=True)


def _json(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON(), nullable=False)


_V1_FIELDS: dict[str, list[tuple[str, Callable[[str], sa.Column[Any]]]]] = {
    "disclosure": [
        ("catalog_code", _text),
        ("period", _text),
        ("title", _text),
        ("content", _text),
        ("channels", _json),
        ("disclosed_on", _date),
        ("responsible", _text),
        ("reviewer", _text),
        ("review_opinion", _text),
        ("status", _text),
        ("attachments", _json),
    ],
    "subsidy_project": [
        ("category", _text),
        ("name", _text),
        ("policy_basis", _text),
        ("fund_batch", _text),
        ("total_fen", _int),
        ("stage", _text),
        ("planned_on", _date),
        ("allocated_on", _date),
        ("reviewed_on", _date),
        ("disbursed_on", _date),
        ("closed_on", _date),
    ],
    "subsidy_payment": [
        ("project_id", lambda n: _text(n, index=True)),
        ("recipient_name", _text),
        ("id_number", _text),
        ("standard", _int),
        ("quantity", _text),
        ("unit", _text),
        ("amount_fen", _int),
        ("paid_on", _date),
        ("method", _text),
        ("account", _text),
    ],
    "duty_evidence": [
        ("indicator_code", _text),
        ("occurred_on", _date),
        ("description", _text),
        ("attachments", _json),
    ],
    "warning": [
        ("issued_by", _text),
        ("doc_type", _text),
        ("title", _text),
        ("problems", _text),
        ("issued_on", _date),
        ("reply_due", _date),
        ("status", _text),
    ],
    "feedback": [
        ("warning_id", lambda n: _text(n, index=True)),
        ("reported_on", _date),
        ("progress", _text),
        ("completed", _bool),
        ("attachments", _json),
        ("verdict", _text),
        ("verdict_note", _text),
    ],
    "clue": [
        ("source", _text),
        ("problem", _text),
        ("description", _text),
        ("received_on", _date),
        ("status", _text),
        ("reporter_contact", _text),
    ],
}

RECORD_TABLES_V1 = tuple(_V1_FIELDS)


def record_table_columns_v1(table: str) -> list[sa.Column[Any]]:
    """Fresh Column objects for one record table at version 1 (system columns first)."""
    system: list[sa.Column[Any]] = [
        sa.Column("id", AutoString(length=36), primary_key=True),
        sa.Column("org_code", AutoString(length=12), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_by", AutoString(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False, index=True),
    ]
    return system + [make(name) for name, make in _V1_FIELDS[table]]


def create_record_tables_v1(create_table: Callable[..., object]) -> None:
    """Create the seven record tables with alembic's ``op.create_table``."""
    for table in RECORD_TABLES_V1:
        create_table(table, *record_table_columns_v1(table))
