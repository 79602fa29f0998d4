"""How ``BulkImport`` writes with the sqlite3 cursor, bypassing SQLAlchemy per row: the
INSERT of a new record of a kind and the encoders that make its column values (the same
stored text SQLAlchemy's column types would write, so ``Sealer.record_of`` reads them
back the same), and the SQL that queues ops. Made once per kind; kept apart because it
is the import's hottest code and must stay byte-for-byte what the column types store."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from client import outbox
from client.column_codec import encoded_lists
from models.kinds import FieldType, kind_spec
from sync.protocol import Action

OUTBOX_INSERT = (
    "INSERT INTO outbox (op_id, kind, record_id, action, changes, base_version, recorded_at,"
    f" state, attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, '{outbox.PENDING}', 0, '')"
)
"""A new op as ``outbox.enqueue`` writes it; ``changes`` already JSON text."""

CREATES_QUEUED = (
    "INSERT INTO outbox (op_id, kind, record_id, action, changes, base_version, recorded_at,"
    f" state, attempts, last_error) SELECT id, ?, id, '{Action.CREATE.value}',"
    f" '{outbox.AS_RECORD}', 0, recorded_at, '{outbox.PENDING}', 0, ''"
    " FROM {table} WHERE rowid > ? ORDER BY rowid"
)
"""The creates of the records an import batch just wrote (rows after ``rowid``): as
``outbox.enqueue`` would queue each, its op id its record's id, queued as the record is
(``outbox.AS_RECORD``), stamped like the record."""


@dataclass(frozen=True)
class ImportLayout:
    """How ``BulkImport`` writes a new record of a kind with the sqlite3 cursor.

    A row is (id, updated_by, recorded_at, *fields); the fields are wire values, written
    as the column types store them: dates as their ISO text (a validated wire date is
    already that text), sets and lists as SQLAlchemy's JSON text, booleans as 0/1, other
    values as they are. ``stamp`` is the timestamp columns' own bind processor."""

    table: str
    insert: str
    stamp: Any
    encoders: tuple[tuple[int, Any], ...]
    """(position in the fields, column encoder) of every field whose type has a processor."""
    personal: tuple[tuple[int, str], ...]


@lru_cache(maxsize=32)  # per kind and engine: bounded, tests open many stores
def import_layout(kind: str, dialect: Any) -> ImportLayout:
    spec = kind_spec(kind)
    table = spec.table.__table__  # type: ignore[attr-defined]
    encoders: list[tuple[int, Any]] = []
    for position, (name, field_type) in enumerate(spec.field_types.items()):
        if field_type is FieldType.DATE:
            continue  # the wire text is the stored text
        processor = table.c[name].type._cached_bind_processor(dialect)
        if processor is None:
            continue
        lists = field_type is FieldType.SET
        encoders.append((position, _column_encoder(processor, lists=lists)))
    names = ["id", "updated_by", "recorded_at", *spec.fields]
    constants = {"version": "0", "deleted": "0", "received_at": "NULL", "seq": "0"}
    insert = (
        f"INSERT INTO {table.name} ({', '.join([*names, *constants])})"
        f" VALUES ({', '.join(['?'] * len(names) + list(constants.values()))})"
    )
    return ImportLayout(
        table=str(table.name),
        insert=insert,
        stamp=table.c.recorded_at.type._cached_bind_processor(dialect),
        encoders=tuple(encoders),
        personal=tuple(
            (position, name) for position, name in enumerate(spec.fields) if name in spec.personal
        ),
    )


def _column_encoder(processor: Any, *, lists: bool) -> Any:
    """A column's values through the column type's processor (None stays None); a list
    column's each distinct list once (channels repeat a lot)."""
    if lists:
        memo: dict[tuple[Any, ...], str] = {}
        return lambda values: encoded_lists(values, processor, memo)
    return lambda values: [None if value is None else processor(value) for value in values]
