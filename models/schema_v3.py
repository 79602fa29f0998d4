"""What schema version 3 of the record tables adds, for migrations only: a disclosure's
town review (submitted, published and by whom, the reviewer's opinion), the days the
district's figures count (a verdict's, a reminder's SMS step) and a document delivered
on paper, and two kinds (supervision bulletins, duty score adjustments).

Both migration trees apply it from here (central 0008, local l0012), so the two ends
stay identical. A frozen snapshot, as ``schema_v1`` and ``schema_v2`` are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from models.schema_v2 import WIDE
from models.schema_v2 import _bool as bool_column
from models.schema_v2 import _date as date_column
from models.schema_v2 import _int as int_column
from models.schema_v2 import _json as json_column
from models.schema_v2 import _text as text_column

ADDED_COLUMNS: dict[str, list[tuple[str, Callable[[str], sa.Column[Any]]]]] = {
    "disclosure": [
        ("submitted_on", date_column),
        ("published_on", date_column),
        ("reviewed_by", text_column),
        ("reviewed_on", date_column),
        ("return_reason", text_column),
    ],
    "feedback": [("judged_on", date_column)],
    "warning": [("on_paper", bool_column)],
    "reminder": [("sms_on", date_column)],
}
"""Columns added to version 2's tables."""

_NEW_TABLES: dict[str, list[tuple[str, Callable[[str], sa.Column[Any]]]]] = {
    "bulletin": [
        ("title", text_column),
        ("doc_no", text_column),
        ("period_from", date_column),
        ("period_to", date_column),
        ("body", text_column),
        ("named_units", json_column),
        ("status", text_column),
        ("issued_on", date_column),
    ],
    "duty_adjustment": [
        ("year", int_column),
        ("indicator_code", text_column),
        ("points", text_column),
        ("reason", text_column),
        ("evidence_id", text_column),
        ("adjusted_on", date_column),
    ],
}

NEW_TABLES = tuple(_NEW_TABLES)
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "duty_adjustment": ("org_code", "year", "indicator_code"),
}


def new_table_columns(table: str, *, seq_index: bool) -> list[sa.Column[Any]]:
    """Fresh columns of a new record table (system columns first), as version 2's. A home
    (``seq_index`` false) keeps an ``org_code`` index only where no natural-key index
    begins with it."""
    from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

    system: list[sa.Column[Any]] = [
        sa.Column("id", AutoString(length=36), primary_key=True),
        sa.Column(
            "org_code",
            AutoString(length=12),
            nullable=False,
            index=seq_index or NATURAL_KEYS.get(table, ("",))[0] != "org_code",
        ),
        sa.Column("version", WIDE, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_by", AutoString(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=True),
        sa.Column("seq", WIDE, nullable=False, index=seq_index),
    ]
    return system + [make(name) for name, make in _NEW_TABLES[table]]


def add_columns(batch_alter_table: Callable[..., Any]) -> None:
    for table, columns in ADDED_COLUMNS.items():
        with batch_alter_table(table) as batch:
            for name, make in columns:
                batch.add_column(make(name))


def drop_columns(batch_alter_table: Callable[..., Any]) -> None:
    for table, columns in ADDED_COLUMNS.items():
        with batch_alter_table(table) as batch:
            for name, _make in reversed(columns):
                batch.drop_column(name)


def date_published(execute: Callable[..., Any]) -> None:
    """Disclosures published before review existed: published on the day disclosed."""
    execute(
        sa.text(
            "UPDATE disclosure SET published_on = disclosed_on "
            "WHERE status = 'published' AND published_on IS NULL"
        )
    )
