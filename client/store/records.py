"""Records as people change them: add, edit and delete each write the row, its outbox op
and its audit entry in ONE transaction, so an entry is either fully saved or not at all;
get and list read them back. A save is checked here (fields, scope, natural key).

The conflict and sync parts write rows through ``find``, ``write_fields`` and ``upsert``
here, so a record is stamped and sealed the same way whoever writes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from client import audit, outbox
from client.crypto import blind_prefix_bounds
from client.errors import RuleRefused, UnknownRecord, ValidationFailed
from client.store.database import Database, chunks, utcnow
from client.store.device import Device
from client.store.sealing import Sealer
from models.ids import new_id
from models.kinds import KINDS, KindSpec, kind_spec, row_to_wire, wire_to_columns
from models.rules.permissions import check_change
from models.rules.refusals import Refusal
from models.validation import FieldError, normalize, validate_record
from sync.merge import diff
from sync.protocol import Action


def _key_condition(table: Any, name: str, personal: bool) -> Any:
    if not personal:
        return table.c[name] == sa.bindparam(name)
    # A sealed value starts with its blind index: a range on the same index finds it.
    column = table.c[name]
    return sa.and_(column >= sa.bindparam(f"{name}_lo"), column < sa.bindparam(f"{name}_hi"))


@cache
def _natural_key_query(kind: str) -> sa.Select[Any]:
    """A live record with the same natural key, other than the one being written."""
    spec = kind_spec(kind)
    table = spec.table.__table__  # type: ignore[attr-defined]
    return (
        sa.select(table.c.id)
        .where(
            table.c.deleted.is_(False),
            table.c.id != sa.bindparam("_exclude"),
            *(_key_condition(table, name, name in spec.personal) for name in spec.natural_key),
        )
        .limit(1)
    )


@cache
def upsert_statement(kind: str) -> Any:
    """Insert a full record, or overwrite every column of the one with its id."""
    table = kind_spec(kind).table.__table__  # type: ignore[attr-defined]
    stmt = sqlite_insert(table)
    update = {column.name: stmt.excluded[column.name] for column in table.c if column.name != "id"}
    return stmt.on_conflict_do_update(index_elements=["id"], set_=update)


def create_changes(spec: KindSpec, record: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """A new record's op changes: ``{field: (None, value)}`` for ``org_code`` and every
    field not at its default. A typed create's are made by ``Records.add`` when it is
    saved; an imported one's when the op is read (``Records.as_record``)."""
    defaults = _create_defaults(spec.name)
    return {
        name: (None, record.get(name))
        for name, default in defaults.items()
        if name == "org_code" or record.get(name) != default
    }


@cache
def _create_defaults(kind: str) -> Mapping[str, Any]:
    """The kind's defaults, made once (read only: ``create_changes`` compares with them)."""
    return kind_spec(kind).defaults()


class Records:
    def __init__(self, db: Database, sealer: Sealer, device: Device) -> None:
        self._db = db
        self._sealer = sealer
        self._device = device

    # ---- reads ------------------------------------------------------------------------

    def find(self, conn: Connection, record_id: str) -> tuple[KindSpec, Any] | None:
        """The kind and stored row of a record id, whatever its kind (deleted ones too)."""
        for spec in KINDS.values():
            table = spec.table.__table__  # type: ignore[attr-defined]
            row = conn.execute(sa.select(table).where(table.c.id == record_id)).first()
            if row is not None:
                return spec, row
        return None

    def get(self, record_id: str) -> tuple[str, dict[str, Any]]:
        """The kind and the full wire record; ``UnknownRecord`` when there is none."""
        with self._db.connect() as conn:
            found = self.find(conn, record_id)
        if found is None:
            raise UnknownRecord(record_id)
        spec, row = found
        return spec.name, self._sealer.record_of(spec, row)

    def list_records(self, kind: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        spec = kind_spec(kind)
        table = spec.table.__table__  # type: ignore[attr-defined]
        query = sa.select(table).order_by(table.c.recorded_at, table.c.id)
        if not include_deleted:
            query = query.where(table.c.deleted.is_(False))
        with self._db.connect() as conn:
            return [self._sealer.record_of(spec, row) for row in conn.execute(query)]

    def as_record(
        self, conn: Connection, kind: str, record_ids: Sequence[str], *, opened: bool = True
    ) -> dict[str, dict[str, tuple[Any, Any]]]:
        """``outbox.AsRecord``: the create changes of records queued as they are (imported
        rows), made from each record now, as ``add`` makes a typed one's (personal values
        opened; with ``opened=False`` left sealed, for when only the names are wanted).
        Edits made since are in the values too: their ops' ``to`` are then what central
        already holds, which it takes as applied."""
        spec = kind_spec(kind)
        table = spec.table.__table__  # type: ignore[attr-defined]
        out: dict[str, dict[str, tuple[Any, Any]]] = {}
        for chunk in chunks(sorted(set(record_ids)), 500):
            for row in conn.execute(sa.select(table).where(table.c.id.in_(chunk))):
                record = self._sealer.record_of(spec, row) if opened else row_to_wire(spec, row)
                out[row.id] = create_changes(spec, record)
        return out

    # ---- user actions (one transaction each) ------------------------------------------

    def add(self, kind: str, values: Mapping[str, Any]) -> str:
        """Save a new record; returns its id. Raises ValidationFailed naming the fields,
        RuleRefused when a rule of the kind refuses it."""
        with self._db.transaction() as conn:
            return self.add_in(conn, kind, values)

    def add_in(
        self,
        conn: Connection,
        kind: str,
        values: Mapping[str, Any],
        *,
        record_id: str | None = None,
    ) -> str:
        """``add`` inside a caller's transaction (a step that writes several records).
        ``record_id``: a derived id (``models.ids.derived_id``) instead of a new one."""
        spec = kind_spec(kind)
        given, errors = normalize(kind, values)
        record = spec.defaults()
        if self._device.identity is not None:
            record["org_code"] = self._device.identity.org_code
        record.update(given)
        errors += validate_record(kind, record) + self._device.scope_errors(record.get("org_code"))
        if errors:
            raise ValidationFailed(errors)
        derived = record_id is not None
        record_id = record_id or new_id()
        now = utcnow()
        changes = create_changes(spec, record)
        self.check_rules(conn, spec, None, changes)
        duplicate = self._check_natural_key(conn, spec, record, record_id)
        if duplicate:
            raise ValidationFailed(duplicate)
        table = spec.table.__table__  # type: ignore[attr-defined]
        columns = self._sealer.columns_for(spec, record, record_id)
        conn.execute(
            table.insert(),
            {
                "id": record_id,
                "version": 0,
                "deleted": False,
                "updated_by": self._device.actor,
                "recorded_at": now,
                "received_at": None,
                "seq": 0,
                **columns,
            },
        )
        self.queue_change(conn, spec, record_id, Action.CREATE, changes, 0, now, own_op_id=derived)
        return record_id

    def edit(self, record_id: str, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
        """Change only the fields given; returns ``{field: (from, to)}`` of what changed."""
        with self._db.transaction() as conn:
            return self.edit_in(conn, record_id, values)

    def edit_in(
        self, conn: Connection, record_id: str, values: Mapping[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        """``edit`` inside a caller's transaction."""
        found = self.find(conn, record_id)
        if found is None or found[1].deleted:
            raise UnknownRecord(record_id)
        spec, row = found
        given, errors = normalize(spec.name, values)
        if errors:
            raise ValidationFailed(errors)
        current = self._sealer.record_of(spec, row)
        fields_now = {name: current[name] for name in spec.fields}
        changes = diff(fields_now, given)
        if not changes:
            return {}
        updated = {**fields_now, **given}
        errors = validate_record(spec.name, updated) + self._device.scope_errors(
            updated["org_code"]
        )
        if set(changes) & set(spec.natural_key):
            errors += self._check_natural_key(conn, spec, updated, record_id)
        if errors:
            raise ValidationFailed(errors)
        self.check_rules(conn, spec, current, changes)
        now = utcnow()
        self.write_fields(conn, spec, record_id, given, now)
        self.queue_change(conn, spec, record_id, Action.UPDATE, changes, row.version, now)
        return changes

    def delete(self, record_id: str) -> None:
        with self._db.transaction() as conn:
            found = self.find(conn, record_id)
            if found is None or found[1].deleted:
                raise UnknownRecord(record_id)
            spec, row = found
            changes = {"deleted": (False, True)}
            current = self._sealer.record_of(spec, row)
            self.check_rules(conn, spec, current, changes, deleting=True)
            now = utcnow()
            self.write_fields(conn, spec, record_id, {"deleted": True}, now)
            self.queue_change(conn, spec, record_id, Action.DELETE, changes, row.version, now)

    # ---- the rules both ends apply ------------------------------------------------------

    def refusal_of(
        self, record_id: str, fields: Sequence[str] = (), *, deleting: bool = False
    ) -> Refusal | None:
        """Whether the one rule would refuse this device a change of ``fields`` of a stored
        record (or its deletion), asked before offering the key: None when it may. A
        record gone (or never here) is refused as unknown."""
        with self._db.connect() as conn:
            found = self.find(conn, record_id)
            if found is None or found[1].deleted:
                return Refusal("unknown_record")
            spec, row = found
            current = self._sealer.record_of(spec, row)
            changes = (
                {"deleted": (False, True)}
                if deleting
                else {name: (current[name], current[name]) for name in fields if name in current}
            )
            return self.refusal(conn, spec, current, changes, deleting=deleting)

    def check_rules(
        self,
        conn: Connection,
        spec: KindSpec,
        current: Mapping[str, Any] | None,
        changes: Mapping[str, tuple[Any, Any]],
        *,
        deleting: bool = False,
    ) -> None:
        """``RuleRefused`` when a rule of the kind refuses this device the change, as
        central would refuse it on push. A home not enrolled yet takes no side."""
        refusal = self.refusal(conn, spec, current, changes, deleting=deleting)
        if refusal is not None:
            raise RuleRefused(spec.name, refusal)

    def refusal(
        self,
        conn: Connection,
        spec: KindSpec,
        current: Mapping[str, Any] | None,
        changes: Mapping[str, tuple[Any, Any]],
        *,
        deleting: bool = False,
    ) -> Refusal | None:
        """Why a rule refuses this device the change (None: it may)."""
        identity = self._device.identity
        if identity is None:
            return None
        return check_change(
            identity.actor(),
            spec.name,
            current,
            changes,
            _Lookup(self, conn),
            deleting=deleting,
            today=date.today(),
        )

    def live(self, conn: Connection, kind: str, record_id: str) -> dict[str, Any] | None:
        """A live record of ``kind`` by id, as wire values (None: none, or deleted)."""
        spec = kind_spec(kind)
        table = spec.table.__table__  # type: ignore[attr-defined]
        row = conn.execute(sa.select(table).where(table.c.id == record_id)).first()
        return None if row is None or row.deleted else self._sealer.record_of(spec, row)

    def live_where(self, conn: Connection, kind: str, **equal: Any) -> list[dict[str, Any]]:
        """Live records of ``kind`` whose columns equal the values given, oldest first."""
        spec = kind_spec(kind)
        table = spec.table.__table__  # type: ignore[attr-defined]
        query = (
            sa.select(table)
            .where(table.c.deleted.is_(False), *(table.c[k] == v for k, v in equal.items()))
            .order_by(table.c.recorded_at, table.c.id)
        )
        return [self._sealer.record_of(spec, row) for row in conn.execute(query)]

    def note_reveal(
        self, *, kind: str, record_id: str, fields: Sequence[str], user: str = ""
    ) -> None:
        """Personal data was shown in clear: who, when, which record ("*": a listing) and
        fields go into the audit chain; never the values."""
        with self._db.transaction() as conn:
            audit.append_reveal(
                conn,
                at=utcnow(),
                actor=self._device.actor,
                kind=kind,
                record_id=record_id,
                fields=fields,
                user=user,
            )

    # ---- checks and writes inside a caller's transaction ------------------------------

    def _check_natural_key(
        self, conn: Connection, spec: KindSpec, record: Mapping[str, Any], record_id: str
    ) -> list[FieldError]:
        if not spec.natural_key:
            return []
        params: dict[str, Any] = {"_exclude": record_id}
        for name in spec.natural_key:
            value = wire_to_columns(spec, {name: record[name]})[name]
            if name in spec.personal:
                blind = self._sealer.require_key().blind_index(name, str(value or ""))
                params[f"{name}_lo"], params[f"{name}_hi"] = blind_prefix_bounds(blind)
            else:
                params[name] = value
        found = conn.execute(_natural_key_query(spec.name), params)
        if found.first() is None:
            return []
        key = "+".join(spec.natural_key)
        message = f"a record with this {key} exists"
        return [FieldError(spec.natural_key[-1], "duplicate", message, msgid=spec.duplicate)]

    def queue_change(
        self,
        conn: Connection,
        spec: KindSpec,
        record_id: str,
        action: Action,
        changes: Mapping[str, tuple[Any, Any]],
        base_version: int,
        now: datetime,
        *,
        own_op_id: bool = False,
    ) -> None:
        """The op for central and the audit entry of one change, stamped like the record.
        ``own_op_id``: a create of a derived id gets an op id of its own (another device
        may create the same record, and an op id is one device's)."""
        outbox.enqueue(
            conn,
            kind=spec.name,
            record_id=record_id,
            action=action,
            changes=self._sealer.seal_changes(spec.name, record_id, changes),
            base_version=base_version,
            at=now,
            op_id=record_id if action is Action.CREATE and not own_op_id else None,
        )
        audit.append(
            conn,
            at=now,
            actor=self._device.actor,
            action=action.value,
            kind=spec.name,
            record_id=record_id,
            changes=changes,
        )

    def write_fields(
        self,
        conn: Connection,
        spec: KindSpec,
        record_id: str,
        fields: Mapping[str, Any],
        now: datetime,
    ) -> None:
        """A local change of some fields (wire values), stamped ``now`` by this device."""
        columns = self._sealer.columns_for(spec, fields, record_id)
        columns["recorded_at"] = now
        columns["updated_by"] = self._device.actor
        self.write_columns(conn, spec, record_id, columns)

    @staticmethod
    def write_columns(
        conn: Connection, spec: KindSpec, record_id: str, columns: Mapping[str, Any]
    ) -> None:
        """Column values as given (already sealed), no stamp: central's side taken."""
        table = spec.table.__table__  # type: ignore[attr-defined]
        conn.execute(table.update().where(table.c.id == record_id).values(**columns))

    @staticmethod
    def upsert(conn: Connection, spec: KindSpec, columns: Mapping[str, Any]) -> None:
        """A whole record (central's) written over whatever is stored under its id."""
        conn.execute(upsert_statement(spec.name), [{"seq": 0, "received_at": None, **columns}])


class _Lookup:
    """What the rules read beside the record changed, from this home's database (in the
    transaction that writes the change)."""

    def __init__(self, records: Records, conn: Connection) -> None:
        self._records = records
        self._conn = conn

    def record(self, kind: str, record_id: str) -> Mapping[str, Any] | None:
        return self._records.live(self._conn, kind, record_id)

    def feedback_of(self, warning_id: str) -> list[Mapping[str, Any]]:
        return list(self._records.live_where(self._conn, "feedback", warning_id=warning_id))
