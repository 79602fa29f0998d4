"""Personal data at rest: the one place records cross between wire values and stored
columns (``columns_for`` on every write, ``record_of`` on every read), and where the op
changes and conflicts kept on this PC are sealed and opened. What a home made before
encryption holds in clear is sealed at its first unlock (``seal_in_clear``).

Keeping all of it here means what is stored differently from what travels is decided
once; the other parts never see a sealed value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from client.crypto import DataKey, Locked, is_sealed
from client.identity import PRIVATE_KEY, seal_private_key
from client.store.settings import get_setting, put_setting
from client.tables import ConflictRow, OutboxOp
from models.kinds import KINDS, KindSpec, row_to_wire, wire_to_columns

_conflict = ConflictRow.__table__  # type: ignore[attr-defined]
_outbox = OutboxOp.__table__  # type: ignore[attr-defined]


def seal_value(
    key: DataKey, spec: KindSpec, table: str, column: str, row_id: str, value: Any
) -> Any:
    """A record's column value sealed to its table, column and row (natural-key columns
    with their blind index in front); empty, non-text and already sealed values as they are."""
    if not isinstance(value, str) or not value or is_sealed(value):
        return value
    return key.seal(table, column, row_id, value, indexed=column in spec.natural_key)


def open_value(key: DataKey | None, table: str, column: str, row_id: str, value: Any) -> Any:
    """A stored value opened (a clear one as it is); ``Locked`` without the key."""
    if not is_sealed(value):
        return value
    if key is None:
        raise Locked()
    return key.open(table, column, row_id, value)


class Sealer:
    """Seals and opens with the home's data key; without it (locked) only what holds no
    personal value passes."""

    def __init__(self, key: DataKey | None = None) -> None:
        self.key = key
        """The unwrapped data key (None: locked); set by ``Store.unlock``."""

    @property
    def locked(self) -> bool:
        return self.key is None

    def require_key(self) -> DataKey:
        if self.key is None:
            raise Locked()
        return self.key

    def columns_for(
        self, spec: KindSpec, record: Mapping[str, Any], record_id: str | None = None
    ) -> dict[str, Any]:
        """Column values to write for (part of) a wire record. Every write goes through here,
        so what is stored differently from what travels (personal data) is decided once:
        personal values are sealed with the data key, bound to their table, column and
        record id (``record_id``, else the record's own ``id``)."""
        columns = wire_to_columns(spec, record)
        personal = [n for n in spec.personal if isinstance(columns.get(n), str) and columns[n]]
        if personal:
            key = self.require_key()
            row_id = record_id or record.get("id")
            if not row_id:
                raise ValueError("personal values are sealed to a record id: give one")
            table = spec.table.__tablename__
            for name in personal:
                columns[name] = seal_value(key, spec, str(table), name, str(row_id), columns[name])
        return columns

    def record_of(self, spec: KindSpec, row: Any) -> dict[str, Any]:
        """The full wire record of a stored row; every read goes through here."""
        record = row_to_wire(spec, row)
        if spec.personal:
            table = str(spec.table.__tablename__)
            for name in spec.personal:
                record[name] = open_value(self.key, table, name, row.id, record[name])
        return record

    def seal_changes(self, kind: str, record_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """An op's ``{field: [from, to]}`` with personal values sealed (outbox rows)."""
        spec = KINDS.get(kind)
        personal = spec.personal if spec else frozenset()
        out: dict[str, Any] = {}
        for name, pair in changes.items():
            if name in personal and any(isinstance(v, str) and v for v in pair):
                sealer = self.require_key()
                out[name] = [
                    sealer.seal("outbox", name, record_id, v)
                    if isinstance(v, str) and v and not is_sealed(v)
                    else v
                    for v in pair
                ]
            else:
                out[name] = list(pair)
        return out

    def open_changes(self, record_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: [open_value(self.key, "outbox", name, record_id, v) for v in pair]
            for name, pair in changes.items()
        }

    def seal_conflict(
        self, kind: str, record_id: str, field: str, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """base/mine/theirs (when the field is personal) and central's record, sealed."""
        spec = KINDS.get(kind)
        personal = spec.personal if spec else frozenset()
        out: dict[str, Any] = {}
        for slot in ("base", "mine", "theirs"):
            value = values.get(slot)
            if field in personal and isinstance(value, str) and value and not is_sealed(value):
                value = self.require_key().seal("conflict", f"{field}.{slot}", record_id, value)
            out[slot] = value
        record = values.get("record")
        if isinstance(record, Mapping):
            sealed_record = dict(record)
            for name in personal:
                value = sealed_record.get(name)
                if isinstance(value, str) and value and not is_sealed(value):
                    sealed_record[name] = self.require_key().seal(
                        "conflict.record", name, record_id, value
                    )
            record = sealed_record
        out["record"] = record
        return out

    def open_conflict(self, row: Any) -> dict[str, Any]:
        """A stored conflict row's base/mine/theirs and central's record, opened."""
        values = {
            slot: open_value(
                self.key, "conflict", f"{row.field}.{slot}", row.record_id, getattr(row, slot)
            )
            for slot in ("base", "mine", "theirs")
        }
        record = row.record
        if isinstance(record, Mapping):
            record = {
                name: open_value(self.key, "conflict.record", name, row.record_id, value)
                for name, value in record.items()
            }
        values["record"] = record
        return values


def seal_in_clear(conn: Connection, key: DataKey) -> int:
    """Seal what a home made before encryption holds in clear (personal columns, outbox
    changes, conflicts, the device key); returns values sealed."""
    sealer = Sealer(key)
    sealed = 0
    for spec in KINDS.values():
        if not spec.personal:
            continue
        table = spec.table.__table__  # type: ignore[attr-defined]
        columns = [table.c[name] for name in sorted(spec.personal)]
        for row in conn.execute(sa.select(table.c.id, *columns)).all():
            values = {
                name: seal_value(key, spec, table.name, name, row.id, getattr(row, name))
                for name in sorted(spec.personal)
                if getattr(row, name) and not is_sealed(getattr(row, name))
            }
            if values:
                conn.execute(table.update().where(table.c.id == row.id).values(**values))
                sealed += len(values)
    out = _outbox
    for row in conn.execute(sa.select(out.c.seq, out.c.kind, out.c.record_id, out.c.changes)):
        if row.changes is None:  # queued as the record is: the record was sealed above
            continue
        changes = sealer.seal_changes(row.kind, row.record_id, row.changes)
        if changes != row.changes:
            conn.execute(out.update().where(out.c.seq == row.seq).values(changes=changes))
            sealed += 1
    for row in conn.execute(sa.select(_conflict)).all():
        mapping = dict(row._mapping)
        values = sealer.seal_conflict(row.kind, row.record_id, row.field, mapping)
        if values != {name: mapping[name] for name in values}:
            conn.execute(_conflict.update().where(_conflict.c.id == row.id).values(**values))
            sealed += 1
    raw = get_setting(conn, PRIVATE_KEY)
    if raw is not None and not is_sealed(raw):
        put_setting(conn, PRIVATE_KEY, seal_private_key(key, raw))
        sealed += 1
    return sealed
