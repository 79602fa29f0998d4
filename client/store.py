"""The local store: every user action writes the record, its outbox op and its audit
entry in ONE SQLite transaction, so an entry is either fully saved or not at all.

Screens and the CLI call this; the sync engine calls the ``SyncStore`` side
(pending ops, push results, pulled pages). Nothing here talks to the network.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache, lru_cache, partial
from itertools import repeat
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from client import audit, outbox
from client.column_codec import columns_of, encoded_lists, records_of
from client.crypto import (
    DATA_KEY_SETTING,
    DataKey,
    Locked,
    blind_prefix_bounds,
    is_sealed,
    new_data_key,
    rewrap,
    unlock,
)
from client.errors import NotEnrolled, UnknownConflict, UnknownRecord, ValidationFailed
from client.identity import (
    AUDIT_SENT,
    CURSOR,
    PRIVATE_KEY,
    REVOKED_AT,
    Identity,
    get_setting,
    load_identity,
    put_setting,
    save_identity,
    seal_private_key,
)
from client.migrate import upgrade
from client.tables import ConflictRow, OutboxOp, Setting, SyncRound
from models.ids import new_id, new_ids
from models.kinds import (
    KINDS,
    FieldType,
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
PUSH_BATCH = "push_batch"
LOCAL_ACTOR = "local"
ENV_PASSPHRASE = "SANWU_PASSPHRASE"

_conflict = ConflictRow.__table__  # type: ignore[attr-defined]
_round = SyncRound.__table__  # type: ignore[attr-defined]
_setting = Setting.__table__  # type: ignore[attr-defined]
_outbox = OutboxOp.__table__  # type: ignore[attr-defined]


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


def create_changes(spec: KindSpec, record: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """A new record's op changes: ``{field: (None, value)}`` for ``org_code`` and every
    field not at its default. A typed create's are made by ``Store.add`` when it is saved;
    an imported one's when the op is read (``Store._as_record``)."""
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


CHECKPOINT_WAIT = 120.0
"""Seconds ``Store.close`` waits at most for a deferred checkpoint (it never waits on locks:
PASSIVE copies what it can and stops)."""


class DeferredCheckpoint:
    """A PASSIVE WAL checkpoint in a daemon thread, on a sqlite3 connection of its own.

    After a big commit (an import) the WAL holds every page it wrote; copying them into
    the database file is what the next automatic checkpoint would do inside some later
    commit. PASSIVE never blocks readers or writers and never truncates the WAL; if the
    process ends first, the WAL stays valid and the next checkpoint finishes the copy."""

    def __init__(self, path: Path) -> None:
        self.seconds: float | None = None
        self.error = ""
        self._thread = threading.Thread(
            target=self._run, args=(path,), name="sanwu-checkpoint", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path) -> None:
        started = time.perf_counter()
        try:
            conn = sqlite3.connect(path, timeout=10, isolation_level=None)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                conn.close()
        except sqlite3.Error as exc:  # pragma: no cover - the next checkpoint does it
            self.error = f"{type(exc).__name__}: {exc}"
        self.seconds = time.perf_counter() - started

    def wait(self, timeout: float | None = None) -> float | None:
        """Its seconds once done (None: still running after ``timeout``)."""
        self._thread.join(timeout)
        return None if self._thread.is_alive() else self.seconds


class Store:
    """One local database file under a home directory."""

    def __init__(self, home: Path, *, passphrase: str | None = None) -> None:
        """Open (and migrate) the home's database; unlock it with ``passphrase``, else
        with SANWU_PASSPHRASE, else stay locked until ``unlock`` (``""``: stay locked)."""
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.path = home / DB_NAME
        self.engine = open_engine(self.path)
        upgrade(self.engine)
        self._key: DataKey | None = None
        self._checkpoint: DeferredCheckpoint | None = None
        with self.engine.connect() as conn:
            self._identity = load_identity(conn)
        if passphrase is None:
            passphrase = os.environ.get(ENV_PASSPHRASE)
        if passphrase:
            self.unlock(passphrase)

    def close(self) -> None:
        self.wait_checkpoint()
        self.engine.dispose()

    def _defer_checkpoint(self) -> None:
        """Copy the WAL into the database file in the background (a PASSIVE checkpoint on
        a connection of its own): readers and writers go on meanwhile, and a checkpoint
        cut short (the process ends) is simply done again by the next one."""
        self.wait_checkpoint()
        self._checkpoint = DeferredCheckpoint(self.path)

    def wait_checkpoint(self, timeout: float | None = CHECKPOINT_WAIT) -> float | None:
        """Wait for the deferred checkpoint, if one runs; returns its seconds (None: there
        was none, or it is still running after ``timeout``)."""
        checkpoint = self._checkpoint
        if checkpoint is None:
            return None
        seconds = checkpoint.wait(timeout)
        if seconds is not None:
            self._checkpoint = None
        return seconds

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

    # ---- the data key -----------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._key is None

    def has_data_key(self) -> bool:
        """False for a new home (or one made before encryption): the first unlock sets the
        passphrase."""
        with self.engine.connect() as conn:
            return get_setting(conn, DATA_KEY_SETTING) is not None

    def unlock(self, passphrase: str) -> None:
        """Unwrap the data key (scrypt, once). A home without one gets a new key, and every
        personal value and the device key already stored in clear are sealed with it, in
        one transaction; the clear pages are then wiped from the file and its WAL."""
        with self.transaction() as conn:
            stored = get_setting(conn, DATA_KEY_SETTING)
            if stored is not None:
                key = unlock(passphrase, stored)
                sealed = 0
            else:
                key, wrapped = new_data_key(passphrase)
                put_setting(conn, DATA_KEY_SETTING, wrapped)
                sealed = self._seal_existing(conn, key)
            self._key = key
            self._identity = load_identity(conn, key)
        if sealed:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def change_passphrase(self, old: str, new: str) -> None:
        """Wrap the same data key with ``new``; no row is re-encrypted."""
        with self.transaction() as conn:
            stored = get_setting(conn, DATA_KEY_SETTING)
            if stored is None:
                raise Locked()
            put_setting(conn, DATA_KEY_SETTING, rewrap(old, new, stored))

    def data_key(self) -> DataKey:
        """The unwrapped key, for what is sealed outside the tables (attachment files)."""
        return self._require_key()

    def _require_key(self) -> DataKey:
        if self._key is None:
            raise Locked()
        return self._key

    def _seal_existing(self, conn: Connection, key: DataKey) -> int:
        """Seal what a home made before encryption holds in clear; returns values sealed."""
        sealed = 0
        for spec in KINDS.values():
            if not spec.personal:
                continue
            table = spec.table.__table__  # type: ignore[attr-defined]
            columns = [table.c[name] for name in sorted(spec.personal)]
            for row in conn.execute(sa.select(table.c.id, *columns)).all():
                values = {
                    name: self._seal(key, spec, table.name, name, row.id, getattr(row, name))
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
            changes = self._seal_changes(key, row.kind, row.record_id, row.changes)
            if changes != row.changes:
                conn.execute(out.update().where(out.c.seq == row.seq).values(changes=changes))
                sealed += 1
        for row in conn.execute(sa.select(_conflict)).all():
            mapping = dict(row._mapping)
            values = self._sealed_conflict(key, row.kind, row.record_id, row.field, mapping)
            if values != {name: mapping[name] for name in values}:
                conn.execute(_conflict.update().where(_conflict.c.id == row.id).values(**values))
                sealed += 1
        raw = get_setting(conn, PRIVATE_KEY)
        if raw is not None and not is_sealed(raw):
            put_setting(conn, PRIVATE_KEY, seal_private_key(key, raw))
            sealed += 1
        return sealed

    @staticmethod
    def _seal(
        key: DataKey, spec: KindSpec, table: str, column: str, row_id: str, value: Any
    ) -> Any:
        if not isinstance(value, str) or not value or is_sealed(value):
            return value
        return key.seal(table, column, row_id, value, indexed=column in spec.natural_key)

    @staticmethod
    def _open(key: DataKey | None, table: str, column: str, row_id: str, value: Any) -> Any:
        if not is_sealed(value):
            return value
        if key is None:
            raise Locked()
        return key.open(table, column, row_id, value)

    def _seal_changes(
        self, key: DataKey | None, kind: str, record_id: str, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """An op's ``{field: [from, to]}`` with personal values sealed (outbox rows)."""
        spec = KINDS.get(kind)
        personal = spec.personal if spec else frozenset()
        out: dict[str, Any] = {}
        for name, pair in changes.items():
            if name in personal and any(isinstance(v, str) and v for v in pair):
                sealer = key or self._require_key()
                out[name] = [
                    sealer.seal("outbox", name, record_id, v)
                    if isinstance(v, str) and v and not is_sealed(v)
                    else v
                    for v in pair
                ]
            else:
                out[name] = list(pair)
        return out

    def _open_changes(self, record_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: [self._open(self._key, "outbox", name, record_id, v) for v in pair]
            for name, pair in changes.items()
        }

    def _as_record(
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
        for chunk in _chunks(sorted(set(record_ids)), 500):
            for row in conn.execute(sa.select(table).where(table.c.id.in_(chunk))):
                record = self.record_of(spec, row) if opened else row_to_wire(spec, row)
                out[row.id] = create_changes(spec, record)
        return out

    def _sealed_conflict(
        self,
        key: DataKey | None,
        kind: str,
        record_id: str,
        field: str,
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        """base/mine/theirs (when the field is personal) and central's record, sealed."""
        spec = KINDS.get(kind)
        personal = spec.personal if spec else frozenset()
        out: dict[str, Any] = {}
        for slot in ("base", "mine", "theirs"):
            value = values.get(slot)
            if field in personal and isinstance(value, str) and value and not is_sealed(value):
                value = (key or self._require_key()).seal(
                    "conflict", f"{field}.{slot}", record_id, value
                )
            out[slot] = value
        record = values.get("record")
        if isinstance(record, Mapping):
            sealed_record = dict(record)
            for name in personal:
                value = sealed_record.get(name)
                if isinstance(value, str) and value and not is_sealed(value):
                    sealed_record[name] = (key or self._require_key()).seal(
                        "conflict.record", name, record_id, value
                    )
            record = sealed_record
        out["record"] = record
        return out

    def _opened_conflict(self, row: Any) -> dict[str, Any]:
        values = {
            slot: self._open(
                self._key, "conflict", f"{row.field}.{slot}", row.record_id, getattr(row, slot)
            )
            for slot in ("base", "mine", "theirs")
        }
        record = row.record
        if isinstance(record, Mapping):
            record = {
                name: self._open(self._key, "conflict.record", name, row.record_id, value)
                for name, value in record.items()
            }
        values["record"] = record
        return values

    # ---- identity -------------------------------------------------------------------

    @property
    def identity(self) -> Identity | None:
        return self._identity

    def require_identity(self) -> Identity:
        if self._identity is None:
            raise NotEnrolled("this home is not enrolled: run `sanwu enroll` first")
        return self._identity

    def save_identity(self, identity: Identity) -> None:
        """Keep a (new) identity; a new enrollment clears the revoked flag and the audit
        position of an earlier one."""
        previous = self._identity
        with self.transaction() as conn:
            save_identity(conn, identity, self._key)
            if previous is None or previous.device_id != identity.device_id:
                conn.execute(_setting.delete().where(_setting.c.key.in_((REVOKED_AT, AUDIT_SENT))))
        self._identity = identity

    def set_server_url(self, url: str) -> None:
        self.save_identity(replace(self.require_identity(), server_url=url))

    # ---- reveals and the audit segment for central ----------------------------------------

    def note_reveal(
        self, *, kind: str, record_id: str, fields: Sequence[str], user: str = ""
    ) -> None:
        """Personal data was shown in clear: who, when, which record ("*": a listing) and
        fields go into the audit chain; never the values."""
        with self.transaction() as conn:
            audit.append_reveal(
                conn,
                at=utcnow(),
                actor=self.actor,
                kind=kind,
                record_id=record_id,
                fields=fields,
                user=user,
            )

    def audit_segment(self, *, limit: int) -> list[audit.Link]:
        """The audit entries central has not acknowledged, oldest first, preceded by the
        last acknowledged one (its anchor): central checks the chain continues from it."""
        with self.engine.connect() as conn:
            sent = int(get_setting(conn, AUDIT_SENT) or 0)
            return audit.links(conn, after=max(0, sent - 1), limit=limit + (1 if sent else 0))

    def ack_audit(self, last_id: int) -> None:
        with self.transaction() as conn:
            if last_id > int(get_setting(conn, AUDIT_SENT) or 0):
                put_setting(conn, AUDIT_SENT, str(last_id))

    # ---- revocation -------------------------------------------------------------------

    def revoked_at(self) -> str | None:
        """When central first answered that this device is revoked (None: it has not)."""
        with self.engine.connect() as conn:
            return get_setting(conn, REVOKED_AT)

    def mark_revoked(self) -> None:
        """Remember the revocation: sync stops here for good, local data stays."""
        with self.transaction() as conn:
            if get_setting(conn, REVOKED_AT) is None:
                put_setting(conn, REVOKED_AT, utcnow().isoformat())

    @property
    def actor(self) -> str:
        return self._identity.device_id if self._identity else LOCAL_ACTOR

    # ---- the one place records cross between wire values and columns ----------------------

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
            key = self._require_key()
            row_id = record_id or record.get("id")
            if not row_id:
                raise ValueError("personal values are sealed to a record id: give one")
            table = spec.table.__tablename__
            for name in personal:
                columns[name] = self._seal(key, spec, str(table), name, str(row_id), columns[name])
        return columns

    def record_of(self, spec: KindSpec, row: Any) -> dict[str, Any]:
        """The full wire record of a stored row; every read goes through here."""
        record = row_to_wire(spec, row)
        if spec.personal:
            table = str(spec.table.__tablename__)
            for name in spec.personal:
                record[name] = self._open(self._key, table, name, row.id, record[name])
        return record

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
        params: dict[str, Any] = {"_exclude": record_id}
        for name in spec.natural_key:
            value = wire_to_columns(spec, {name: record[name]})[name]
            if name in spec.personal:
                blind = self._require_key().blind_index(name, str(value or ""))
                params[f"{name}_lo"], params[f"{name}_hi"] = blind_prefix_bounds(blind)
            else:
                params[name] = value
        found = conn.execute(_natural_key_query(spec.name), params)
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
        changes = create_changes(spec, record)
        with self.transaction() as conn:
            duplicate = self._check_natural_key(conn, spec, record, record_id)
            if duplicate:
                raise ValidationFailed(duplicate)
            table = spec.table.__table__  # type: ignore[attr-defined]
            columns = self.columns_for(spec, record, record_id)
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
            changes=self._seal_changes(None, spec.name, record_id, changes),
            base_version=base_version,
            at=now,
            op_id=record_id if action is Action.CREATE else None,
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
        columns = self.columns_for(spec, fields, record_id)
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
            # Only the fields' names are listed: the values need not be opened.
            return outbox.listing(conn, as_record=partial(self._as_record, conn, opened=False))

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
            ops = outbox.pending(
                conn, after_seq=after_seq, limit=limit, as_record=partial(self._as_record, conn)
            )
        out: list[tuple[int, Op]] = []
        for seq, op in ops:
            opened = self._open_changes(op.record_id, op.changes)
            changes = {name: (pair[0], pair[1]) for name, pair in opened.items()}
            out.append((seq, op.model_copy(update={"changes": changes})))
        return out

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
            "version": info.version,
            **self._sealed_conflict(
                None,
                op.kind,
                op.record_id,
                info.field,
                {
                    "base": info.base,
                    "mine": info.mine,
                    "theirs": info.theirs,
                    "record": info.record,
                },
            ),
        }
        if existing is not None:  # a later op on the same field: keep the first base
            del values["base"]
            conn.execute(_conflict.update().where(_conflict.c.id == existing).values(**values))
        else:
            conn.execute(_conflict.insert().values(created_at=utcnow(), resolution="", **values))

    def cursor(self) -> int:
        with self.engine.connect() as conn:
            return int(get_setting(conn, CURSOR) or 0)

    def push_batch_size(self) -> int | None:
        """The push batch size the last round ended with (see sync.batching)."""
        with self.engine.connect() as conn:
            value = get_setting(conn, PUSH_BATCH)
        return int(value) if value else None

    def set_push_batch_size(self, size: int) -> None:
        with self.transaction() as conn:
            put_setting(conn, PUSH_BATCH, str(size))

    def apply_pull(self, page: PullResponse) -> int:
        """Store a pulled page with pending local edits re-applied on top, and move the
        cursor, in one transaction: a cut leaves the cursor where the data is."""
        rows: dict[str, list[dict[str, Any]]] = {}
        with self.transaction() as conn:
            pending = {
                record_id: [self._open_changes(record_id, changes) for changes in batch]
                for record_id, batch in outbox.pending_changes(
                    conn,
                    {c.record["id"] for c in page.changes},
                    as_record=partial(self._as_record, conn),
                ).items()
            }
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
        entries = []
        for row in rows:
            opened = self._opened_conflict(row)
            entries.append(
                ConflictEntry(
                    id=row.id,
                    kind=row.kind,
                    record_id=row.record_id,
                    type=row.type,
                    field=row.field,
                    base=opened["base"],
                    mine=opened["mine"],
                    theirs=opened["theirs"],
                    version=row.version,
                    created_at=row.created_at,
                    resolved_at=row.resolved_at,
                    resolution=row.resolution,
                )
            )
        return entries

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
            opened = self._opened_conflict(row)
            view = ConflictView(
                type=ConflictType(row.type),
                field=row.field,
                base=opened["base"],
                mine=opened["mine"],
                theirs=opened["theirs"],
                version=row.version,
                record_id=row.record_id,
                record=opened["record"],
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
            self._write_columns(
                conn, spec, record_id, self.columns_for(spec, local_columns, record_id)
            )
        if decided.op is not None and decided.op.record_id != record_id:
            self._write_fields(conn, spec, decided.op.record_id, {}, now)
        if decided.op is not None:
            outbox.enqueue(
                conn,
                kind=spec.name,
                record_id=decided.op.record_id,
                action=decided.op.action,
                changes=self._seal_changes(
                    None, spec.name, decided.op.record_id, decided.op.changes
                ),
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
                changes=self._seal_changes(
                    None, spec.name, record_id, {n: (None, v) for n, v in record.items()}
                ),
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

    # ---- bulk import (client/legacy): a whole file in one transaction -----------------

    @contextmanager
    def importing(self, kind: str, *, write: bool = True, source: str = "") -> Iterator[BulkImport]:
        """One transaction for a whole import, fed batch by batch (``BulkImport.add``):
        every row's record, outbox op and audit entry are saved together at the end, or
        nothing is (an error, or ``write=False``: a dry run, which only matches).

        The commit syncs the WAL and returns; copying the import's pages into the database
        file is a deferred checkpoint in the background (``wait_checkpoint``)."""
        committed = False
        with self.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            (cache_size,) = raw.execute("PRAGMA cache_size").fetchone()
            (autocheckpoint,) = raw.execute("PRAGMA wal_autocheckpoint").fetchone()
            # The pages an import dirties, kept in memory until the commit: with the
            # default 2 MB, index pages spill to the WAL and are read back and written
            # again (a fifth of the import's SQL time). Memory only.
            raw.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
            # The commit is durable once the WAL is synced (synchronous=FULL): copying the
            # import's pages from the WAL into the database file is left to a checkpoint
            # after it (``_defer_checkpoint``), not done inside the commit the user waits on.
            raw.execute("PRAGMA wal_autocheckpoint = 0")
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    bulk = BulkImport(self, conn, kind_spec(kind), write=write, source=source)
                    yield bulk
                    bulk.finish()
                except BaseException:
                    conn.rollback()
                    raise
                if write:
                    conn.commit()
                    committed = True
                else:
                    conn.rollback()
            finally:
                raw.execute(f"PRAGMA cache_size = {int(cache_size)}")
                raw.execute(f"PRAGMA wal_autocheckpoint = {int(autocheckpoint)}")
        if committed:
            self._defer_checkpoint()

    def import_rows(
        self,
        kind: str,
        records: Sequence[Mapping[str, Any]],
        *,
        import_keys: Sequence[str] | None = None,
        write: bool = True,
        source: str = "",
    ) -> ImportOutcome:
        """One batch in a transaction of its own (``importing`` and ``BulkImport.add``)."""
        with self.importing(kind, write=write, source=source) as bulk:
            return bulk.add(records, import_keys=import_keys)

    def _import_matches(
        self,
        conn: Connection,
        spec: KindSpec,
        records: Sequence[Mapping[str, Any]],
        import_keys: Sequence[str] | None,
    ) -> dict[Any, tuple[str, int, dict[str, Any]]]:
        """Live records the rows may match: ``{match key: (id, version, wire record)}``.

        Natural keys are looked up on their non-personal columns in SQL, and compared
        in full on wire values (personal columns are sealed, so only ``record_of`` can
        read them); import keys through the ``import_key`` table."""
        table = spec.table.__table__  # type: ignore[attr-defined]
        rows: list[Any] = []
        if spec.natural_key:
            plain = [name for name in spec.natural_key if name not in spec.personal]
            if not plain:  # pragma: no cover - every natural key has a plain column
                raise ValueError(f"{spec.name}: a natural key needs a non-personal column")
            # Text, int and date keys are stored as their wire values (a date as its text).
            if all(spec.field_types[n] in _STORED_AS_WIRE for n in plain):
                wanted = {tuple(record[n] for n in plain) for record in records}
            else:  # pragma: no cover - no natural key has such a field today
                wanted = {
                    tuple(wire_to_columns(spec, {n: record[n] for n in plain})[n] for n in plain)
                    for record in records
                }
            # The batch's keys go into a temporary table joined on the natural-key index:
            # one indexed look-up per row, whatever the size of the table.
            _import_probe.create(conn, checkfirst=True)
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute("DELETE FROM import_probe")
                names = ", ".join(f"k{i}" for i in range(len(plain)))
                cursor.executemany(
                    f"INSERT INTO import_probe ({names}) VALUES ({', '.join('?' * len(plain))})",
                    wanted,
                )
            finally:
                cursor.close()
            rows.extend(
                conn.execute(
                    sa.select(table)
                    .select_from(_import_probe)
                    .join(
                        table,
                        sa.and_(
                            *(table.c[n] == _import_probe.c[f"k{i}"] for i, n in enumerate(plain))
                        ),
                    )
                    .where(table.c.deleted.is_(False))
                )
            )
            out: dict[Any, tuple[str, int, dict[str, Any]]] = {}
            for row in rows:
                record = self.record_of(spec, row)
                out.setdefault(
                    tuple(record[name] for name in spec.natural_key),
                    (row.id, row.version, record),
                )
            return out
        ids: dict[str, str] = {}
        for chunk in _chunks(sorted(set(import_keys or ())), 500):
            found = conn.execute(
                sa.select(_import_key.c.key, _import_key.c.record_id).where(
                    _import_key.c.kind == spec.name, _import_key.c.key.in_(chunk)
                )
            )
            ids.update((key, record_id) for key, record_id in found)
        by_id: dict[str, Any] = {}
        for chunk in _chunks(sorted(set(ids.values())), 500):
            by_id.update(
                (row.id, row)
                for row in conn.execute(
                    sa.select(table).where(table.c.deleted.is_(False), table.c.id.in_(chunk))
                )
            )
        return {
            key: (row.id, row.version, self.record_of(spec, row))
            for key, record_id in ids.items()
            if (row := by_id.get(record_id)) is not None
        }


class BulkImport:
    """The batches of one import, inside the one transaction ``Store.importing`` holds.

    ``add`` takes validated full wire records (every field of the kind) and matches each
    on the kind's natural key, or for kinds without one on its ``import_keys`` entry (a
    hash of its fields, remembered in ``import_key``): no match → a create; a match that
    differs → an update op of the changed fields only; otherwise nothing. Out-of-scope
    rows come back in ``errors`` and are not written.

    New records, their ops and audit entries go in with the sqlite3 cursor's
    ``executemany``: column values are made here once per row (``_ImportLayout``: the
    same stored text SQLAlchemy's column types would write, so ``record_of`` reads them
    back the same). A new record's create is queued as the record is (``outbox.AS_RECORD``:
    its changes are made from the row when the op is read, ``Store._as_record``), and a
    batch's new records share one audit entry (``audit.IMPORT``): the file's name
    (``source``) and each record's digest, found from the record through ``audit_import``.
    Their values are written once, in their rows."""

    def __init__(
        self, store: Store, conn: Connection, spec: KindSpec, *, write: bool, source: str = ""
    ) -> None:
        self.store = store
        self.conn = conn
        self.spec = spec
        self.write = write
        self.imported = audit.ImportChanges(spec.name, source)
        """A new record's audit entry: the file's name and the record's digest."""
        self.layout = _import_layout(spec.name, conn.dialect)
        self.now = utcnow()
        self.stamp = self.layout.stamp(self.now)
        self.actor = store.actor
        table = spec.table.__table__  # type: ignore[attr-defined]
        live = sa.select(table.c.id).where(table.c.deleted.is_(False)).limit(1)
        self.had_records = conn.execute(live).first() is not None
        """False: nothing to match but what this import itself makes (no look-ups)."""
        self.deferred_indexes = self._defer_indexes() if write else []
        """The table's own indexes, dropped for the import and built again by ``finish``."""
        self.made: set[Any] = set()
        """Match keys of the records this import created."""
        self.scopes: dict[Any, list[FieldError]] = {}
        """``Store._check_scope`` per org code: the identity does not change mid-import."""

    def _defer_indexes(self) -> list[str]:
        """Into a table with no rows at all (a first migration), the rows go in without
        its secondary indexes, which are built again once at the end: SQLite builds an
        index from sorted keys far faster than it keeps one up to date row by row, in
        random key order. All inside the import's transaction: a rollback brings them
        back as they were. A table that has rows keeps its indexes (rebuilding them
        would cost more than the import saves)."""
        table = self.spec.table.__table__  # type: ignore[attr-defined]
        conn = self.conn
        if conn.execute(sa.select(table.c.id).limit(1)).first() is not None:
            return []
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (str(table.name),),
        ).all()
        for name, _sql in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]

    def finish(self) -> None:
        """Before the commit: the indexes ``_defer_indexes`` dropped, built again."""
        for sql in self.deferred_indexes:
            self.conn.exec_driver_sql(sql)
        self.deferred_indexes = []

    def add(
        self, records: Sequence[Mapping[str, Any]], *, import_keys: Sequence[str] | None = None
    ) -> ImportOutcome:
        """Match and (unless a dry run) write one batch; per row its status and id."""
        fields = self.spec.fields
        columns = dict(zip(fields, columns_of(fields, records), strict=True))
        return self._add(columns, len(records), records, import_keys)

    def add_columns(
        self, columns: Mapping[str, Sequence[Any]], *, import_keys: Sequence[str] | None = None
    ) -> ImportOutcome:
        """``add`` for a batch given a field at a time (every field of the kind, values in
        row order): a record per row is made only if rows have to be matched one by one."""
        count = len(columns[self.spec.fields[0]])
        return self._add(columns, count, None, import_keys)

    def _add(
        self,
        columns: Mapping[str, Sequence[Any]],
        count: int,
        records: Sequence[Mapping[str, Any]] | None,
        import_keys: Sequence[str] | None,
    ) -> ImportOutcome:
        spec = self.spec
        kind = spec.name
        natural = spec.natural_key
        if not natural and (import_keys is None or len(import_keys) != count):
            raise ValueError(f"{kind} has no natural key: give an import key per row")
        if not count:
            return ImportOutcome([], [], {})
        match_keys: list[Any]
        if natural:
            match_keys = list(zip(*(columns[name] for name in natural), strict=True))
        else:
            match_keys = list(import_keys or ())
        orgs = set(columns["org_code"])
        for org_code in orgs - self.scopes.keys():
            self.scopes[org_code] = self.store._check_scope(org_code)
        simple = not any(self.scopes[org_code] for org_code in orgs) and len(
            set(match_keys)
        ) == len(match_keys)
        if simple and not self.had_records and self.made.isdisjoint(match_keys):
            return self._all_new(columns, count, match_keys)
        if records is None:
            records = records_of(columns)
        existing: dict[Any, tuple[str, int, Mapping[str, Any]]] = {}
        if self.had_records or not self.made.isdisjoint(match_keys):
            existing.update(self.store._import_matches(self.conn, spec, records, import_keys))
        if simple and not existing:
            return self._all_new(columns, count, match_keys)
        return self._matched(records, match_keys, existing)

    def _all_new(
        self, columns: Mapping[str, Sequence[Any]], count: int, match_keys: list[Any]
    ) -> ImportOutcome:
        """A batch of records that are all new, in scope and distinct (a first migration):
        no look-up per row, every step a column at a time."""
        made_ids = new_ids(count)
        keys = (
            []
            if self.spec.natural_key
            else [
                (self.spec.name, str(key), record_id)
                for key, record_id in zip(match_keys, made_ids, strict=True)
            ]
        )
        self._write_batch(made_ids, columns, match_keys, [], [], [], keys)
        return ImportOutcome([IMPORT_CREATED] * count, list(made_ids), {})

    def _matched(
        self,
        records: Sequence[Mapping[str, Any]],
        match_keys: list[Any],
        existing: dict[Any, tuple[str, int, Mapping[str, Any]]],
    ) -> ImportOutcome:
        """A batch row by row: out of scope, new, unchanged or changed."""
        spec = self.spec
        kind = spec.name
        natural = spec.natural_key
        store, actor, stamp, now = self.store, self.actor, self.stamp, self.now
        statuses: list[str] = []
        record_ids: list[str | None] = []
        errors: dict[int, list[FieldError]] = {}
        updates: list[dict[str, Any]] = []
        ops: list[tuple[Any, ...]] = []
        entries: list[audit.Entry] = []
        keys: list[tuple[str, str, str]] = []
        created: list[tuple[str, Mapping[str, Any], Any]] = []
        """New records (id, record, match key): their rows and entry are made at once
        after the loop."""
        key = store._key
        personal = spec.personal
        fields = spec.fields
        ids = iter(new_ids(len(records)))
        for index, record in enumerate(records):
            scope = self.scopes[record.get("org_code")]
            if scope:
                errors[index] = scope
                statuses.append(IMPORT_REJECTED)
                record_ids.append(None)
                continue
            match_key = match_keys[index]
            found = existing.get(match_key)
            if found is None:
                record_id = next(ids)
                # A later row with this key is this record now.
                existing[match_key] = (record_id, 0, record)
                if not natural:
                    keys.append((kind, str(match_key), record_id))
                statuses.append(IMPORT_CREATED)
                record_ids.append(record_id)
                created.append((record_id, record, match_key))
                continue
            record_id, base_version, current = found
            changes = diff({name: current.get(name) for name in fields}, record)
            if not changes:
                statuses.append(IMPORT_UNCHANGED)
                record_ids.append(record_id)
                continue
            statuses.append(IMPORT_UPDATED)
            record_ids.append(record_id)
            updates.append(
                {
                    "_id": record_id,
                    "recorded_at": now,
                    "updated_by": actor,
                    **store.columns_for(spec, record, record_id),
                }
            )
            existing[match_key] = (record_id, base_version, dict(record))
            if personal and not personal.isdisjoint(changes):
                sealed = audit.canonical_changes(store._seal_changes(key, kind, record_id, changes))
                masked = None  # append_many masks them itself
            else:
                sealed = masked = audit.canonical_changes(changes)
            update = Action.UPDATE.value
            ops.append((next(ids), kind, record_id, update, sealed, base_version, stamp))
            entries.append(audit.Entry(now, actor, update, kind, record_id, changes, masked))
        made_ids, made, made_keys = (
            (list(column) for column in zip(*created, strict=True)) if created else ([], [], [])
        )
        columns = dict(zip(fields, columns_of(fields, made), strict=True)) if made else {}
        self._write_batch(made_ids, columns, made_keys, updates, ops, entries, keys)
        return ImportOutcome(statuses, record_ids, errors)

    def _write_batch(
        self,
        made_ids: Sequence[str],
        made: Mapping[str, Sequence[Any]],
        made_keys: Sequence[Any],
        updates: list[dict[str, Any]],
        ops: list[tuple[Any, ...]],
        entries: list[audit.Entry],
        keys: list[tuple[str, str, str]],
    ) -> None:
        """The new records (``made``: a field at a time) as rows, and the one audit entry
        for all of them (``audit.IMPORT``: the file and each record's digest), chained
        before the batch's updates; then (unless a dry run) the batch written."""
        self.made.update(made_keys)
        if not self.write:
            return
        if made_ids:
            digests = self.imported.digests_of_columns(made)
            text = self.imported.changes(made_ids, digests)
            entry = audit.Entry(self.now, self.actor, audit.IMPORT, self.spec.name, "", {}, text)
            entries = [entry, *entries]
        inserts = self._rows(
            made_ids, [made[name] for name in self.spec.fields] if made_ids else []
        )
        table = self.spec.table.__table__  # type: ignore[attr-defined]
        conn = self.conn
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            # The rows after the last one now are this batch's new records.
            (last,) = cursor.execute(f"SELECT max(rowid) FROM {table.name}").fetchone()
            last = last or 0
            if inserts:
                cursor.executemany(self.layout.insert, inserts)
                # Each new record's create, queued as the record is (its values are in its
                # row, once), made from the rows just written: no value crosses from Python.
                cursor.execute(_CREATES_QUEUED.format(table=table.name), (table.name, last))
            if updates:
                conn.execute(table.update().where(table.c.id == sa.bindparam("_id")), updates)
            if ops:
                cursor.executemany(_OUTBOX_INSERT, ops)
            entry_ids = audit.append_many(conn, entries)
            if made_ids:  # the new records' entry is the batch's first
                cursor.execute(
                    "INSERT INTO audit_import (record_id, entry_id)"
                    f" SELECT id, ? FROM {table.name} WHERE rowid > ? ORDER BY rowid",
                    (entry_ids[0], last),
                )
            if keys:
                cursor.executemany(
                    "INSERT OR REPLACE INTO import_key (kind, key, record_id) VALUES (?, ?, ?)",
                    keys,
                )
        finally:
            cursor.close()

    def _rows(
        self, record_ids: Sequence[str], fields: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        """New records' rows for ``_ImportLayout.insert`` from their values a field at a
        time (in the kind's order): each field's values through its column type's
        processor (and, if personal, sealed to their record), then the rows zipped."""
        if not record_ids:
            return []
        layout, store, spec = self.layout, self.store, self.spec
        columns = list(fields)
        for position, encode in layout.encoders:
            columns[position] = encode(columns[position])
        if layout.personal:
            sealer = store._key or store._require_key()
            for position, name in layout.personal:
                columns[position] = [
                    store._seal(sealer, spec, layout.table, name, record_id, value)
                    for record_id, value in zip(record_ids, columns[position], strict=True)
                ]
        return list(zip(record_ids, repeat(self.actor), repeat(self.stamp), *columns, strict=False))


_STORED_AS_WIRE = frozenset({FieldType.TEXT, FieldType.INT, FieldType.DATE})

_OUTBOX_INSERT = (
    "INSERT INTO outbox (op_id, kind, record_id, action, changes, base_version, recorded_at,"
    f" state, attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, '{outbox.PENDING}', 0, '')"
)
"""A new op as ``outbox.enqueue`` writes it; ``changes`` already JSON text."""

_CREATES_QUEUED = (
    "INSERT INTO outbox (op_id, kind, record_id, action, changes, base_version, recorded_at,"
    f" state, attempts, last_error) SELECT id, ?, id, '{Action.CREATE.value}',"
    f" '{outbox.AS_RECORD}', 0, recorded_at, '{outbox.PENDING}', 0, ''"
    " FROM {table} WHERE rowid > ? ORDER BY rowid"
)
"""The creates of the records an import batch just wrote (rows after ``rowid``): as
``outbox.enqueue`` would queue each, its op id its record's id, queued as the record is
(``outbox.AS_RECORD``), stamped like the record."""


@dataclass(frozen=True)
class _ImportLayout:
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
def _import_layout(kind: str, dialect: Any) -> _ImportLayout:
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
    return _ImportLayout(
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


IMPORT_CACHE_KIB = 32 * 1024
"""SQLite's page cache during an import (its default is 2 MB)."""

IMPORT_CREATED = "created"
IMPORT_UPDATED = "updated"
IMPORT_UNCHANGED = "unchanged"
IMPORT_REJECTED = "rejected"

_import_key = sa.Table(
    "import_key",
    sa.MetaData(),
    sa.Column("kind", sa.String(), primary_key=True),
    sa.Column("key", sa.String(), primary_key=True),
    sa.Column("record_id", sa.String(36), nullable=False),
)
"""Kinds without a natural key: the hash of an imported row's fields → the record it made
(migration l0006), so importing the same row again finds it."""

_import_probe = sa.Table(
    "import_probe",
    sa.MetaData(),
    *(sa.Column(f"k{i}", sa.String()) for i in range(4)),
    prefixes=["TEMPORARY"],
)
"""Per connection, never stored: the natural keys of the batch being matched."""


@dataclass(frozen=True)
class ImportOutcome:
    """Per row given to ``BulkImport.add``: created, updated, unchanged or rejected."""

    statuses: list[str]
    record_ids: list[str | None]
    errors: dict[int, list[FieldError]]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
