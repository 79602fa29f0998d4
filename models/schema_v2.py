"""What schema version 2 of the record tables adds, for migrations only: the supervision
loop's fields (a warning's steps and problem items, a feedback's items, a clue's
outcome) and two kinds (reminders, catalogue items).

Both migration trees apply it from here (central 0007, local l0011), so the two ends
stay identical. A frozen snapshot, as ``schema_v1`` is: later changes get migrations of
their own and never edit this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from models.sqltypes import BIG_INT

WIDE = BIG_INT
"""Change numbers and versions: 64-bit on PostgreSQL (SQLite's INTEGER already is)."""


def _text(name: str, *, index: bool = False) -> sa.Column[Any]:
    return sa.Column(name, AutoString(), nullable=False, server_default="", index=index)


def _int(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def _bool(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def _date(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Date(), nullable=True)


def _json(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON(), nullable=False, server_default="[]")


ADDED_COLUMNS: dict[str, list[tuple[str, Callable[[str], sa.Column[Any]]]]] = {
    "warning": [
        ("doc_no", _text),
        ("sms", _bool),
        ("received_on", _date),
        ("return_reason", _text),
        ("rectified", _json),
        ("closed_on", _date),
        ("reminder_id", _text),
    ],
    "feedback": [("rectified", _json)],
    "clue": [
        ("finding", _text),
        ("outcome", _text),
        ("warning_id", _text),
        ("people_disciplined", _int),
        ("concluded_on", _date),
    ],
}
"""Columns added to version 1's tables (existing rows get the field's default)."""

_NEW_TABLES: dict[str, list[tuple[str, Callable[[str], sa.Column[Any]]]]] = {
    "reminder": [
        ("subject", _text),
        ("subject_code", _text),
        ("period", _text),
        ("title", _text),
        ("due_on", _date),
        ("raised_on", _date),
        ("step", _text),
        ("automatic", _bool),
        ("status", _text),
        ("closed_on", _date),
        ("proposal", _text),
        ("warning_id", _text),
    ],
    "catalog_item": [
        ("code", _text),
        ("domain", _text),
        ("name", _text),
        ("name_en", _text),
        ("period", _text),
        ("deadline_day", _int),
        ("event_days", _int),
        ("template", _text),
        ("applies_to", _json),
        ("edition", _text),
    ],
}

NEW_TABLES = tuple(_NEW_TABLES)
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "reminder": ("org_code", "subject", "subject_code", "period"),
    "catalog_item": ("org_code", "code"),
}

CLUE_STATUSES = {
    "rectifying": ("concluded", "rectification"),
    "closed": ("concluded", "rectification"),
    "unfounded": ("concluded", "unfounded"),
}
"""Version 1's clue statuses that became an outcome: (status, outcome)."""


def new_table_columns(table: str, *, seq_index: bool) -> list[sa.Column[Any]]:
    """Fresh columns of a new record table (system columns first). ``seq_index``: central
    serves pulls by ``seq``; a device never queries it (l0010 dropped those indexes)."""
    system: list[sa.Column[Any]] = [
        sa.Column("id", AutoString(length=36), primary_key=True),
        sa.Column("org_code", AutoString(length=12), nullable=False, index=seq_index),
        sa.Column("version", WIDE, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_by", AutoString(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=True),
        sa.Column("seq", WIDE, nullable=False, index=seq_index),
    ]
    return system + [make(name) for name, make in _NEW_TABLES[table]]


def add_columns(batch_alter_table: Callable[..., Any]) -> None:
    """Add version 2's columns with alembic's ``op.batch_alter_table``."""
    for table, columns in ADDED_COLUMNS.items():
        with batch_alter_table(table) as batch:
            for name, make in columns:
                batch.add_column(make(name))


def drop_columns(batch_alter_table: Callable[..., Any]) -> None:
    for table, columns in ADDED_COLUMNS.items():
        with batch_alter_table(table) as batch:
            for name, _make in reversed(columns):
                batch.drop_column(name)


def move_clue_statuses(execute: Callable[..., Any]) -> None:
    """Clues whose old status was an outcome: concluded, with that outcome."""
    for old, (status, outcome) in CLUE_STATUSES.items():
        execute(
            sa.text("UPDATE clue SET status = :status, outcome = :outcome WHERE status = :old"),
            {"status": status, "outcome": outcome, "old": old},
        )
