"""``Store``: the one object screens, the CLI and the sync engine use for a home's local
database. It owns the data key and the device's identity, and hands every other call to
the part that does it (records, conflicts, the sync side, the bulk import), so callers
need not know how the store is cut up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from client import audit, outbox
from client.crypto import (
    DATA_KEY_SETTING,
    DataKey,
    Locked,
    Unlocking,
    new_data_key,
    rewrap,
    unlock,
)
from client.home import DB_NAME, EarlyOpen, prepare_home
from client.identity import AUDIT_SENT, REVOKED_AT, Identity
from client.store import bulk
from client.store.bulk import BulkImport
from client.store.catalogue import refresh_catalogue
from client.store.conflicts import ConflictEntry, Conflicts
from client.store.database import CHECKPOINT_WAIT, Database
from client.store.device import Device
from client.store.records import Records
from client.store.review import Review
from client.store.scoring import Scoring
from client.store.sealing import Sealer, seal_in_clear
from client.store.settings import get_setting, load_identity, put_setting, save_identity
from client.store.supervision import Supervision
from client.store.sync_side import SyncSide, SyncStatus
from client.tables import Setting
from models.rules.refusals import Refusal
from sync.protocol import Op, OpResult, PullResponse
from sync.resolution import Choice

_setting = Setting.__table__  # type: ignore[attr-defined]


class Store:
    """One local database file under a home directory."""

    def __init__(
        self, home: Path, *, passphrase: str | None, early: EarlyOpen | None = None
    ) -> None:
        """Open (and migrate) the home's database and unlock it with ``passphrase`` (None or
        ``""``: stay locked until ``unlock``). Finding the passphrase is the caller's job,
        done once at the edge (the CLI's --passphrase-file or SANWU_PASSPHRASE, the app's
        unlock screen, the demo's): the store never looks for one itself. ``early``: the
        file's check and the key's derivation a command started before its imports."""
        prepare_home(home)
        self.home = home
        self._db = Database(home / DB_NAME, early_check=early.check if early else None)
        self._sealer = Sealer()
        with self._db.connect() as conn:
            self._device = Device(load_identity(conn))
            refresh_catalogue(conn)
        self._records = Records(self._db, self._sealer, self._device)
        self.supervision = Supervision(self._db, self._records, self._device)
        self.review = Review(self._db, self._records, self._device)
        """The supervision loop's actions: a warning's steps, clues, proposed warnings."""
        self.scoring = Scoring(self._db, self._records)
        """A supervisor's score for a unit's duty item (one adjustment per unit, year, item)."""
        self._conflicts = Conflicts(self._db, self._sealer, self._device, self._records)
        self._sync = SyncSide(self._db, self._sealer, self._device, self._records, self._conflicts)
        if passphrase:
            self.unlock(passphrase, unlocking=early.unlocking if early else None)

    # ---- the database -------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def engine(self) -> Engine:
        """For reads (``client.queries``, the attachment index); writes take ``transaction``."""
        return self._db.engine

    def transaction(self) -> AbstractContextManager[Connection]:
        """One transaction; BEGIN IMMEDIATE so two writers queue instead of failing late."""
        return self._db.transaction()

    def wait_checkpoint(self, timeout: float | None = CHECKPOINT_WAIT) -> float | None:
        """Wait for the checkpoint an import deferred, if one runs; returns its seconds
        (None: there was none, or it is still running after ``timeout``)."""
        return self._db.wait_checkpoint(timeout)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- the data key -------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._sealer.locked

    def has_data_key(self) -> bool:
        """False for a new home (or one made before encryption): the first unlock sets the
        passphrase."""
        with self._db.connect() as conn:
            return get_setting(conn, DATA_KEY_SETTING) is not None

    def unlock(self, passphrase: str, *, unlocking: Unlocking | None = None) -> None:
        """Unwrap the data key (scrypt, once; ``unlocking``'s, when it was started for this
        passphrase and key). A home without one gets a new key, and every personal value
        and the device key already stored in clear are sealed with it, in one transaction;
        the clear pages are then wiped from the file and its WAL."""
        with self._db.transaction() as conn:
            stored = get_setting(conn, DATA_KEY_SETTING)
            if stored is not None:
                if unlocking is not None and unlocking.made_for(passphrase, stored):
                    key = unlocking.key()
                else:
                    key = unlock(passphrase, stored)
                sealed = 0
            else:
                key, wrapped = new_data_key(passphrase)
                put_setting(conn, DATA_KEY_SETTING, wrapped)
                sealed = seal_in_clear(conn, key)
            self._sealer.key = key
            self._device.identity = load_identity(conn, key)
        if sealed:
            with self._db.connect() as conn:
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def change_passphrase(self, old: str, new: str) -> None:
        """Wrap the same data key with ``new``; no row is re-encrypted."""
        with self._db.transaction() as conn:
            stored = get_setting(conn, DATA_KEY_SETTING)
            if stored is None:
                raise Locked()
            put_setting(conn, DATA_KEY_SETTING, rewrap(old, new, stored))

    def data_key(self) -> DataKey:
        """The unwrapped key, for what is sealed outside the tables (attachment files)."""
        return self._sealer.require_key()

    # ---- identity -----------------------------------------------------------------------

    @property
    def identity(self) -> Identity | None:
        return self._device.identity

    @property
    def actor(self) -> str:
        return self._device.actor

    def require_identity(self) -> Identity:
        return self._device.require_identity()

    def save_identity(self, identity: Identity) -> None:
        """Keep a (new) identity; a new enrollment clears the revoked flag and the audit
        position of an earlier one."""
        previous = self._device.identity
        with self._db.transaction() as conn:
            save_identity(conn, identity, self._sealer.key)
            if previous is None or previous.device_id != identity.device_id:
                conn.execute(_setting.delete().where(_setting.c.key.in_((REVOKED_AT, AUDIT_SENT))))
        self._device.identity = identity

    def set_server_url(self, url: str) -> None:
        self.save_identity(replace(self.require_identity(), server_url=url))

    # ---- records (client.store.records) -------------------------------------------------

    def get(self, record_id: str) -> tuple[str, dict[str, Any]]:
        return self._records.get(record_id)

    def list_records(self, kind: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        return self._records.list_records(kind, include_deleted=include_deleted)

    def add(self, kind: str, values: Mapping[str, Any]) -> str:
        return self._records.add(kind, values)

    def edit(self, record_id: str, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
        return self._records.edit(record_id, values)

    def delete(self, record_id: str) -> None:
        self._records.delete(record_id)

    def refusal_of(
        self, record_id: str, fields: Sequence[str] = (), *, deleting: bool = False
    ) -> Refusal | None:
        """Why the one rule would refuse this device editing ``fields`` of the record, or
        deleting it (None: it may); screens offer a key only when it may."""
        return self._records.refusal_of(record_id, fields, deleting=deleting)

    def note_reveal(
        self, *, kind: str, record_id: str, fields: Sequence[str], user: str = ""
    ) -> None:
        self._records.note_reveal(kind=kind, record_id=record_id, fields=fields, user=user)

    # ---- conflicts (client.store.conflicts) ---------------------------------------------

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictEntry]:
        return self._conflicts.entries(include_resolved=include_resolved)

    def resolve(self, conflict_id: int, choice: Choice, value: Any = None) -> None:
        self._conflicts.resolve(conflict_id, choice, value)

    # ---- the queue, status and the sync engine's side (client.store.sync_side) ----------

    def queue(self) -> list[outbox.QueuedOp]:
        return self._sync.queue()

    def retry(self, op_id: str | None = None) -> int:
        return self._sync.retry(op_id)

    def status(self) -> SyncStatus:
        return self._sync.status()

    def pending_ops(self, *, after_seq: int, limit: int) -> list[tuple[int, Op]]:
        return self._sync.pending_ops(after_seq=after_seq, limit=limit)

    def mark_attempt(self, op_ids: Sequence[str]) -> None:
        self._sync.mark_attempt(op_ids)

    def note_error(self, op_ids: Sequence[str], error: str) -> None:
        self._sync.note_error(op_ids, error)

    def apply_push_results(self, ops: Sequence[Op], results: Sequence[OpResult]) -> int:
        return self._sync.apply_push_results(ops, results)

    def push_batch_size(self) -> int | None:
        return self._sync.push_batch_size()

    def set_push_batch_size(self, size: int) -> None:
        self._sync.set_push_batch_size(size)

    def cursor(self) -> int:
        return self._sync.cursor()

    def apply_pull(self, page: PullResponse) -> int:
        return self._sync.apply_pull(page)

    def cursor_check(self) -> str | None:
        return self._sync.cursor_check()

    def cursor_journal(self) -> list[tuple[int, str]]:
        return self._sync.cursor_journal()

    def central_behind(self, verified: int, check: str | None) -> int:
        return self._sync.central_behind(verified, check)

    def record_round(self, figures: Mapping[str, Any]) -> None:
        self._sync.record_round(figures)

    def rounds(self, limit: int = 50) -> list[dict[str, Any]]:
        return self._sync.rounds(limit)

    def audit_segment(self, *, limit: int) -> list[audit.Link]:
        return self._sync.audit_segment(limit=limit)

    def ack_audit(self, last_id: int) -> None:
        self._sync.ack_audit(last_id)

    def revoked_at(self) -> str | None:
        return self._sync.revoked_at()

    def mark_revoked(self) -> None:
        self._sync.mark_revoked()

    # ---- bulk import (client.store.bulk) ------------------------------------------------

    def importing(
        self, kind: str, *, write: bool = True, source: str = ""
    ) -> AbstractContextManager[BulkImport]:
        """A whole import in one transaction, fed batch by batch (``BulkImport.add``)."""
        return bulk.importing(
            self._db,
            self._sealer,
            self._device,
            kind,
            self._records,
            write=write,
            source=source,
        )
