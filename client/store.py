"""The local store: every user action writes the record, its outbox op and its audit
entry in ONE SQLite transaction, so an entry is either fully saved or not at all.

Screens and the CLI call this; the sync engine calls the ``SyncStore`` side
(pending ops, push results, pulled pages). Nothing here talks to the network.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from client import audit, outbox
from client.errors import NotEnrolled, UnknownConflict, UnknownRecord, ValidationFailed
from client.identity import CURSOR, Identity, get_setting, load_identity, put_setting, save_identity
from client.migrate import upgrade
from client.tables import ConflictRow, SyncRound
from models.ids import new_id
from models.kinds import (
    KINDS,
    KindSpec,
    kind_spec,
    row_to_wire,
    timestamp_from_wire,
    wire_to_columns,
)
from models.orgs import in_scope
from models.validation import FieldError, normalize, validate_record
from sync.merge import diff, rebase
from sync.protocol import Action, ConflictType, Op, OpResult, OpStatus, PullResponse
from sync.resolution import Choice, ConflictView, Plan, ResolutionError, plan

DB_NAME = "sanwu.db"
LOCAL_ACTOR = "local"

_conflict = ConflictRow.__table__  # type: ignore[attr-defined]
_round = SyncRound.__table__  # type: ignore[attr-defined]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _set_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a clerk's entry survives a power cut, not only a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_engine(path: Path) -> Engine:
    engine = sa.create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _set_pragmas)
    return engine


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
            *(table.c[name] == sa.bindparam(name) for name in spec.natural_key),
        )
        .limit(1)
    )


@cache
def _upsert(kind: str) -> Any:
    """Insert a full record, or overwrite every column of the one with its id."""
    table = kind_spec(kind).table.__table__  # type: ignore[attr-defined]
    stmt = sqlite_insert(table)
    update = {column.name: stmt.excluded[column.name] for column in table.c if column.name != "id"}
    return stmt.on_conflict_do_update(index_elements=["id"], set_=update)


@cache
def _version_update(kind: str) -> Any:
    """The version our op made on central: its number, change number, clocks and author,
    so the local row matches central's without pulling our own change back."""
    table = kind_spec(kind).table.__table__  # type: ignore[attr-defined]
    return (
        table.update()
        .where(table.c.id == sa.bindparam("_id"), table.c.version < sa.bindparam("_version"))
        .values(
            version=sa.bindparam("_version"),
            seq=sa.bindparam("_seq"),
            received_at=sa.bindparam("_received_at"),
            recorded_at=sa.bindparam("_recorded_at"),
            updated_by=sa.bindparam("_updated_by"),
        )
    )


@dataclass(frozen=True)
class ConflictEntry:
    id: int
    kind: str
    record_id: str
    type: str
    field: str
    base: Any
    mine: Any
    theirs: Any
    version: int
    created_at: datetime
    resolved_at: datetime | None
    resolution: str


@dataclass(frozen=True)
class SyncStatus:
    pending: int
    quarantined: int
    conflicts: int
    last_round: Mapping[str, Any] | None


class Store:
    """One local database file under a home directory."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.path = home / DB_NAME
        self.engine = open_engine(self.path)
        upgrade(self.engine)
        with self.engine.connect() as conn:
            self._identity = load_identity(conn)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; BEGIN IMMEDIATE so two writers queue instead of failing late."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    # ---- identity -------------------------------------------------------------------

    @property
    def identity(self) -> Identity | None:
        return self._identity

    def require_identity(self) -> Identity:
        if self._identity is None:
            raise NotEnrolled("this home is not enrolled: run `sanwu enroll` first")
        return self._identity

    def save_identity(self, identity: Identity) -> None:
        with self.transaction() as conn:
            save_identity(conn, identity)
        self._identity = identity

    def set_server_url(self, url: str) -> None:
        identity = self.require_identity()
        self.save_identity(
            Identity(
                device_id=identity.device_id,
                private_key=identity.private_key,
                server_url=url,
                org_code=identity.org_code,
                org_name=identity.org_name,
                role=identity.role,
                scope=identity.scope,
            )
        )

    @property
    def actor(self) -> str:
        return self._identity.device_id if self._identity else LOCAL_ACTOR

    # ---- the one place records cross between wire values and columns ----------------------

    def columns_for(self, spec: KindSpec, record: Mapping[str, Any]) -> dict[str, Any]:
        """Column values to write for (part of) a wire record. Every write goes through here,
        so what is stored differently from what travels (personal data) is decided once."""
        return wire_to_columns(spec, record)

    def record_of(self, spec: KindSpec, row: Any) -> dict[str, Any]:
        """The full wire record of a stored row; every read goes through here."""
        return row_to_wire(spec, row)

    # ---- records: reads ---------------------------------------------------------------

    def _find(self, conn: Connection, record_id: str) -> tuple[KindSpec, Any] | None:
        for spec in KINDS.values():
            table = spec.table.__table__  # type: ignore[attr-defined]
            row = conn.execute(sa.select(table).where(table.c.id == record_id)).first()
            if row is not None:
                return spec, row
        return None

    def get(self, record_id: str) -> tuple[str, dict[str, Any]]:
        """The kind and the full wire record; ``UnknownRecord`` when there is none."""
        with self.engine.connect() as conn:
            found = self._find(conn, record_id)
        if found is None:
            raise UnknownRecord(record_id)
        spec, row = found
        return spec.name, self.record_of(spec, row)

    def list_records(self, kind: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        spec = kind_spec(kind)
        table = spec.table.__table__  # type: ignore[attr-defined]
        query = sa.select(table).order_by(table.c.recorded_at, table.c.id)
        if not include_deleted:
            query = query.where(table.c.deleted.is_(False))
        with self.engine.connect() as conn:
            return [self.record_of(spec, row) for row in conn.execute(query)]

    # ---- records: user actions (one transaction each) -----------------------------------

    def _check_scope(self, org_code: Any) -> list[FieldError]:
        identity = self._identity
        if identity is not None and identity.role == "support":
            return [FieldError("org_code", "read_only", "support devices only read records")]
        if identity is None or not isinstance(org_code, str) or in_scope(org_code, identity.scope):
            return []
        return [FieldError("org_code", "out_of_scope", "org_code is outside this device's units")]

    def _check_natural_key(
        self, conn: Connection, spec: KindSpec, record: Mapping[str, Any], record_id: str
    ) -> list[FieldError]:
        if not spec.natural_key:
            return []
        columns = self.columns_for(spec, {name: record[name] for name in spec.natural_key})
        found = conn.execute(_natural_key_query(spec.name), {**columns, "_exclude": record_id})
        if found.first() is None:
            return []
        key = "+".join(spec.natural_key)
        return [FieldError(spec.natural_key[-1], "duplicate", f"a record with this {key} exists")]

    def add(self, kind: str, values: Mapping[str, Any]) -> str:
        """Save a new record; returns its id. Raises ValidationFailed naming the fields."""
        spec = kind_spec(kind)
        given, errors = normalize(kind, values)
        record = spec.defaults()
        if self._identity is not None:
            record["org_code"] = self._identity.org_code
        record.update(given)
        errors += validate_record(kind, record) + self._check_scope(record.get("org_code"))
        if errors:
            raise ValidationFailed(errors)
        record_id = new_id()
        now = utcnow()
        defaults = spec.defaults()
        changes = {
            name: (None, value)
            for name, value in record.items()
            if name == "org_code" or value != defaults.get(name)
        }
        with self.transaction() as conn:
            duplicate = self._check_natural_key(conn, spec, record, record_id)
            if duplicate:
                raise ValidationFailed(duplicate)
            table = spec.table.__table__  # type: ignore[attr-defined]
            columns = self.columns_for(spec, record)
            conn.execute(
                table.insert(),
                {
                    "id": record_id,
                    "version": 0,
                    "deleted": False,
                    "updated_by": self.actor,
                    "recorded_at": now,
                    "received_at": None,
                    "seq": 0,
                    **columns,
                },
            )
            self._queue_change(conn, spec, record_id, Action.CREATE, changes, 0, now)
        return record_id

    def edit(self, record_id: str, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
        """Change only the fields given; returns ``{field: (from, to)}`` of what changed."""
        with self.transaction() as conn:
            found = self._find(conn, record_id)
            if found is None or found[1].deleted:
                raise UnknownRecord(record_id)
            spec, row = found
            given, errors = normalize(spec.name, values)
            if errors:
                raise ValidationFailed(errors)
            current = self.record_of(spec, row)
            fields_now = {name: current[name] for name in spec.fields}
            changes = diff(fields_now, given)
            if not changes:
                return {}
            updated = {**fields_now, **given}
            errors = validate_record(spec.name, updated) + self._check_scope(updated["org_code"])
            if set(changes) & set(spec.natural_key):
                errors += self._check_natural_key(conn, spec, updated, record_id)
            if errors:
                raise ValidationFailed(errors)
            now = utcnow()
            self._write_fields(conn, spec, record_id, given, now)
            self._queue_change(conn, spec, record_id, Action.UPDATE, changes, row.version, now)
        return changes

    def delete(self, record_id: str) -> None:
        with self.transaction() as conn:
            found = self._find(conn, record_id)
            if found is None or found[1].deleted:
                raise UnknownRecord(record_id)
            spec, row = found
            now = utcnow()
            self._write_fields(conn, spec, record_id, {"deleted": True}, now)
            changes = {"deleted": (False, True)}
            self._queue_change(conn, spec, record_id, Action.DELETE, changes, row.version, now)

    def _queue_change(
        self,
        conn: Connection,
        spec: KindSpec,
        record_id: str,
        action: Action,
        changes: Mapping[str, tuple[Any, Any]],
        base_version: int,
        now: datetime,
    ) -> None:
        """The op for central and the audit entry of one change, stamped like the record."""
        outbox.enqueue(
            conn,
            kind=spec.name,
            record_id=record_id,
            action=action,
            changes=changes,
            base_version=base_version,
            at=now,
        )
        audit.append(
            conn,
            at=now,
            actor=self.actor,
            action=action.value,
            kind=spec.name,
            record_id=record_id,
            changes=changes,
        )

    def _write_fields(
        self,
        conn: Connection,
        spec: KindSpec,
        record_id: str,
        fields: Mapping[str, Any],
        now: datetime,
    ) -> None:
        columns = self.columns_for(spec, fields)
        columns["recorded_at"] = now
        columns["updated_by"] = self.actor
        self._write_columns(conn, spec, record_id, columns)

    @staticmethod
    def _write_columns(
        conn: Connection, spec: KindSpec, record_id: str, columns: Mapping[str, Any]
    ) -> None:
        table = spec.table.__table__  # type: ignore[attr-defined]
        conn.execute(table.update().where(table.c.id == record_id).values(**columns))

    # ---- the queue (support staff) --------------------------------------------------------

    def queue(self) -> list[outbox.QueuedOp]:
        with self.engine.connect() as conn:
            return outbox.listing(conn)

    def retry(self, op_id: str | None = None) -> int:
        """Put quarantined ops back in line (one, or all)."""
        with self.transaction() as conn:
            return outbox.release(conn, op_id)

    def status(self) -> SyncStatus:
        with self.engine.connect() as conn:
            counts = outbox.counts(conn)
            open_conflicts = conn.execute(
                sa.select(sa.func.count()).where(_conflict.c.resolved_at.is_(None))
            ).scalar_one()
            last = conn.execute(sa.select(_round).order_by(_round.c.id.desc()).limit(1)).first()
        return SyncStatus(
            pending=counts[outbox.PENDING],
            quarantined=counts[outbox.QUARANTINED],
            conflicts=int(open_conflicts),
            last_round=dict(last._mapping) if last is not None else None,
        )

    # ---- the sync engine's side --------------------------------------------------------------

    def pending_ops(self, *, after_seq: int, limit: int) -> list[tuple[int, Op]]:
        with self.engine.connect() as conn:
            return outbox.pending(conn, after_seq=after_seq, limit=limit)

    def mark_attempt(self, op_ids: Sequence[str]) -> None:
        with self.transaction() as conn:
            outbox.mark_attempt(conn, op_ids, at=utcnow())

    def note_error(self, op_ids: Sequence[str], error: str) -> None:
        with self.transaction() as conn:
            outbox.note_error(conn, op_ids, error)

    def apply_push_results(self, ops: Sequence[Op], results: Sequence[OpResult]) -> int:
        """Record central's answers in one transaction; returns the new conflicts stored."""
        by_id = {op.op_id: op for op in ops}
        new_conflicts = 0
        answered: list[str] = []
        versions: dict[str, list[dict[str, Any]]] = {}
        with self.transaction() as conn:
            for result in results:
                op = by_id.get(result.op_id)
                if op is None:
                    continue
                if result.status is OpStatus.REJECTED:
                    error = result.error
                    reason = f"{error.code}: {error.message}" if error else "rejected"
                    outbox.quarantine(conn, op.op_id, reason)
                    continue
                if result.status in (OpStatus.APPLIED, OpStatus.PARTIAL) and result.seq:
                    versions.setdefault(op.kind, []).append(
                        {
                            "_id": op.record_id,
                            "_version": result.version,
                            "_seq": result.seq,
                            "_received_at": timestamp_from_wire(result.received_at),
                            "_recorded_at": timestamp_from_wire(op.recorded_at),
                            "_updated_by": self.actor,
                        }
                    )
                for info in result.conflicts:
                    self._store_conflict(conn, op, info)
                    new_conflicts += 1
                answered.append(op.op_id)
            for kind, rows in versions.items():
                conn.execute(_version_update(kind), rows)
            outbox.remove_many(conn, answered)
        return new_conflicts

    def _store_conflict(self, conn: Connection, op: Op, info: Any) -> None:
        existing = conn.execute(
            sa.select(_conflict.c.id).where(
                _conflict.c.record_id == op.record_id,
                _conflict.c.field == info.field,
                _conflict.c.resolved_at.is_(None),
            )
        ).scalar()
        values = {
            "kind": op.kind,
            "record_id": op.record_id,
            "op_id": op.op_id,
            "type": info.type.value,
            "field": info.field,
            "mine": info.mine,
            "theirs": info.theirs,
            "version": info.version,
            "record": info.record,
        }
        if existing is not None:  # a later op on the same field: keep the first base
            conn.execute(_conflict.update().where(_conflict.c.id == existing).values(**values))
        else:
            conn.execute(
                _conflict.insert().values(
                    base=info.base, created_at=utcnow(), resolution="", **values
                )
            )

    def cursor(self) -> int:
        with self.engine.connect() as conn:
            return int(get_setting(conn, CURSOR) or 0)

    def apply_pull(self, page: PullResponse) -> int:
        """Store a pulled page with pending local edits re-applied on top, and move the
        cursor, in one transaction: a cut leaves the cursor where the data is."""
        rows: dict[str, list[dict[str, Any]]] = {}
        with self.transaction() as conn:
            pending = outbox.pending_changes(conn, {c.record["id"] for c in page.changes})
            for change in page.changes:
                spec = kind_spec(change.kind)
                record = dict(change.record)
                local = pending.get(record["id"])
                if local:
                    record = rebase(record, local)
                columns = self.columns_for(spec, record)
                columns["seq"] = change.seq
                rows.setdefault(spec.name, []).append(columns)
            for kind, batch in rows.items():
                conn.execute(_upsert(kind), batch)
            put_setting(conn, CURSOR, str(page.cursor))
        return len(page.changes)

    @staticmethod
    def _upsert(conn: Connection, spec: KindSpec, columns: Mapping[str, Any]) -> None:
        conn.execute(_upsert(spec.name), [{"seq": 0, "received_at": None, **columns}])

    def record_round(self, figures: Mapping[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute(_round.insert().values(**figures))

    def rounds(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_round).order_by(_round.c.id.desc()).limit(limit))
            return [dict(row._mapping) for row in rows]

    # ---- conflicts ---------------------------------------------------------------------

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictEntry]:
        query = sa.select(_conflict).order_by(_conflict.c.id)
        if not include_resolved:
            query = query.where(_conflict.c.resolved_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            ConflictEntry(
                id=row.id,
                kind=row.kind,
                record_id=row.record_id,
                type=row.type,
                field=row.field,
                base=row.base,
                mine=row.mine,
                theirs=row.theirs,
                version=row.version,
                created_at=row.created_at,
                resolved_at=row.resolved_at,
                resolution=row.resolution,
            )
            for row in rows
        ]

    def resolve(self, conflict_id: int, choice: Choice, value: Any = None) -> None:
        """Carry out a person's decision: local record, new op and audit in one transaction."""
        with self.transaction() as conn:
            row = conn.execute(
                sa.select(_conflict).where(
                    _conflict.c.id == conflict_id, _conflict.c.resolved_at.is_(None)
                )
            ).first()
            if row is None:
                raise UnknownConflict(conflict_id)
            spec = kind_spec(row.kind)
            if choice is Choice.VALUE and row.type == ConflictType.FIELD.value:
                normalized, errors = normalize(spec.name, {row.field: value})
                if errors:
                    raise ValidationFailed(errors)
                value = normalized[row.field]
            elif choice is Choice.VALUE and row.type == ConflictType.DUPLICATE.value:
                if not isinstance(value, Mapping):
                    raise ValidationFailed(
                        [FieldError(row.field, "bad_value", "give a JSON object of fields")]
                    )
                value, errors = normalize(spec.name, value)
                if errors:
                    raise ValidationFailed(errors)
            found = self._find(conn, row.record_id)
            local = self.record_of(spec, found[1]) if found else {}
            view = ConflictView(
                type=ConflictType(row.type),
                field=row.field,
                base=row.base,
                mine=row.mine,
                theirs=row.theirs,
                version=row.version,
                record_id=row.record_id,
                record=row.record,
            )
            try:
                decided = plan(view, choice, value=value, local=local)
            except ResolutionError as exc:
                raise ValidationFailed([FieldError(row.field, "bad_choice", str(exc))]) from exc
            self._carry_out(conn, spec, row.record_id, local, decided)
            conn.execute(
                _conflict.update()
                .where(_conflict.c.id == conflict_id)
                .values(resolved_at=utcnow(), resolution=choice.value)
            )

    def _carry_out(
        self,
        conn: Connection,
        spec: KindSpec,
        record_id: str,
        local: Mapping[str, Any],
        decided: Plan,
    ) -> None:
        now = utcnow()
        if decided.set_fields:
            updated = {name: local.get(name) for name in spec.fields} | decided.set_fields
            errors = validate_record(spec.name, updated)
            if errors:
                raise ValidationFailed(errors)
        local_columns: dict[str, Any] = dict(decided.set_fields)
        if decided.set_deleted is not None:
            local_columns["deleted"] = decided.set_deleted
        if decided.retire_local:
            local_columns["deleted"] = True
        if decided.adopt:
            self._upsert(conn, spec, self.columns_for(spec, decided.adopt))
        sends_own = decided.recreate or (
            decided.op is not None and decided.op.record_id == record_id
        )
        if sends_own:  # a new local change: stamped now, like any edit
            self._write_fields(conn, spec, record_id, local_columns, now)
        elif local_columns:  # taking central's side: no new change of ours
            self._write_columns(conn, spec, record_id, self.columns_for(spec, local_columns))
        if decided.op is not None and decided.op.record_id != record_id:
            self._write_fields(conn, spec, decided.op.record_id, {}, now)
        if decided.op is not None:
            outbox.enqueue(
                conn,
                kind=spec.name,
                record_id=decided.op.record_id,
                action=decided.op.action,
                changes=decided.op.changes,
                base_version=decided.op.base_version,
                at=now,
            )
        if decided.recreate:
            record = {name: local.get(name) for name in spec.fields} | decided.set_fields
            outbox.enqueue(
                conn,
                kind=spec.name,
                record_id=record_id,
                action=Action.CREATE,
                changes={name: (None, value) for name, value in record.items()},
                base_version=0,
                at=now,
            )
        audit.append(
            conn,
            at=now,
            actor=self.actor,
            action="resolve",
            kind=spec.name,
            record_id=record_id,
            changes={name: (local.get(name), value) for name, value in decided.set_fields.items()},
        )
