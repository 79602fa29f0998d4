"""A scheduled ``sanwu sync`` with nothing to send, run without the store.

Most rounds a town's cron starts find the outbox empty and central with nothing new.
Such a round needs the device's key (the passphrase, once), one signed pull, and a
line in the round history: all of it is read and written here with the standard
library's sqlite3, so the round starts without loading SQLAlchemy, the record kinds
or the store (two thirds of its start-up on a village PC). The first page that brings
changes opens the store, which takes over and applies it exactly as a full round
would. A home with anything to send (ops, audit entries, files), one that needs a
migration, or one central revoked, is not idle: ``idle_round`` answers None and the
caller runs the full round.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from client.crypto import DATA_KEY_SETTING, Unlocking
from client.home import DB_NAME, database_header_ok
from client.identity import (
    AUDIT_SENT,
    CURSOR,
    CURSOR_CHECK,
    CURSOR_JOURNAL,
    REVOKED_AT,
    Identity,
    identity_from_settings,
    pulled_settings,
)
from client.migrate import HEAD_REVISION
from client.sync_lock import sync_lock
from sync.progress import RoundReport

if TYPE_CHECKING:
    from client.store import Store
    from sync.protocol import AuditLink, Op, OpResult, PullResponse
    from sync.protocol_attachments import AttachmentRef

__all__ = ["idle_round"]

PUSH_BATCH = "push_batch"
"""The store's setting of the last round's push batch size (``client.store.sync_side``)."""


def idle_round(home: Path, passphrase: str, *, max_kbps: float | None = None) -> RoundReport | None:
    """One round for a home with nothing to send, or None when it is not idle."""
    path = home / DB_NAME
    if not path.is_file() or not database_header_ok(path):
        return None  # the store's open names what is wrong with the file
    with sync_lock(home), _connect(path) as connection:
        settings = _idle_settings(connection)
        if settings is None:
            return None
        unlocking = Unlocking(passphrase, settings[DATA_KEY_SETTING])
        _load_round()  # httpx, pydantic and the engine load while the key derives
        identity = identity_from_settings(settings, unlocking.key())
        if identity is None:
            return None
        local = _IdleHome(home, passphrase, connection, settings)
        try:
            return _run(local, identity, max_kbps)
        finally:
            local.close()


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    with closing(connection):
        connection.execute("PRAGMA busy_timeout=10000")
        yield connection


def _idle_settings(connection: sqlite3.Connection) -> dict[str, str] | None:
    """The home's settings when it is idle: current schema, enrolled, unlockable, not
    revoked, and nothing to send (no op, no unsent audit entry, no file)."""
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None or row[0] != HEAD_REVISION:
            return None
        settings = dict(connection.execute("SELECT key, value FROM setting").fetchall())
        if "device_id" not in settings or DATA_KEY_SETTING not in settings:
            return None
        if settings.get(REVOKED_AT):
            return None
        (ops,) = connection.execute("SELECT count(*) FROM outbox").fetchone()
        (audit,) = connection.execute(
            "SELECT count(*) FROM audit WHERE id > ?", (int(settings.get(AUDIT_SENT) or 0),)
        ).fetchone()
        (files,) = connection.execute(
            "SELECT count(*) FROM local_attachment WHERE state IN ('pending', 'wanted')"
        ).fetchone()
    except sqlite3.Error:
        return None
    return settings if ops == audit == files == 0 else None


_ROUND_MODULES = ("client.link", "sync.engine", "sync.throttle")
"""What ``_run`` imports: the link (httpx), the engine and the wire schemas (pydantic)."""


def _load_round() -> None:
    """Import what the round runs on; a third of a scheduled round's start-up, spent
    on this core while the other derives the key."""
    for name in _ROUND_MODULES:
        importlib.import_module(name)


def _run(local: _IdleHome, identity: Identity, max_kbps: float | None) -> RoundReport:
    from client.link import api_for_identity
    from sync.engine import SyncEngine
    from sync.throttle import ThrottledTransport

    api = api_for_identity(identity)
    if max_kbps:
        api.transport = ThrottledTransport(api.transport, max_kbps)
    engine = SyncEngine(local, api, attachments=_NoFiles())
    started = _now()
    error = ""
    report = RoundReport()
    try:
        report = engine.run_round()
        return report
    except Exception as exc:
        report = engine.report
        error = f"{type(exc).__name__}: {exc}"
        local.failed(exc)
        raise
    finally:
        api.transport.close()
        local.record_round(started, report, error)


class _NoFiles:
    """The engine's attachment side for an idle round: no file to send or fetch (the
    idle check found none), so the files step asks central nothing."""

    def uploads(self, *, limit: int) -> list[AttachmentRef]:  # noqa: ARG002 - the side's signature
        return []

    def wanted(self, *, limit: int) -> list[str]:  # noqa: ARG002 - the side's signature
        return []

    def blob(self, digest: str) -> bytes:
        raise LookupError(digest)

    def mark_synced(self, digests: Sequence[str]) -> None:
        raise LookupError(digests)

    def note_error(self, digest: str, message: str) -> None:  # noqa: ARG002 - the side's signature
        raise LookupError(digest)

    def partial_offset(self, digest: str) -> int:
        raise LookupError(digest)

    def save_partial(self, digest: str, offset: int, data: bytes) -> None:  # noqa: ARG002 - the side's signature
        raise LookupError(digest)

    def finish_download(self, digest: str) -> bool:
        raise LookupError(digest)


def _now() -> datetime:
    return datetime.now(UTC)


class _IdleHome:
    """The engine's store and attachment side for an idle round: nothing to push or send,
    the pull cursor and the round's figures in sqlite3, and the store opened for the
    first page that brings changes (everything after goes through it)."""

    def __init__(
        self,
        home: Path,
        passphrase: str,
        connection: sqlite3.Connection,
        settings: dict[str, str],
    ) -> None:
        self.home = home
        self.passphrase = passphrase
        self.connection = connection
        self.settings = settings
        self.store: Store | None = None

    def _full(self) -> Store:
        if self.store is None:
            from client.store import Store

            self.store = Store(self.home, passphrase=self.passphrase)
        return self.store

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def _put(self, name: str, value: str) -> None:
        """One setting, its own statement (autocommit): a full disk refuses it whole."""
        try:
            self.connection.execute(
                "INSERT INTO setting (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (name, value),
            )
        except sqlite3.OperationalError as exc:
            from client.errors import DiskFull  # the failure path alone loads them
            from client.store.database import is_full

            if is_full(exc):
                raise DiskFull(self.home / DB_NAME) from exc
            raise
        self.settings[name] = value

    # ---- the engine's store -----------------------------------------------------------

    def pending_ops(self, *, after_seq: int, limit: int) -> list[tuple[int, Op]]:
        if self.store is not None:
            return self.store.pending_ops(after_seq=after_seq, limit=limit)
        return []

    def mark_attempt(self, op_ids: Sequence[str]) -> None:
        self._full().mark_attempt(op_ids)

    def note_error(self, op_ids: Sequence[str], error: str) -> None:
        self._full().note_error(op_ids, error)

    def apply_push_results(self, ops: Sequence[Op], results: Sequence[OpResult]) -> int:
        return self._full().apply_push_results(ops, results)

    def audit_segment(self, *, limit: int) -> list[AuditLink]:
        if self.store is not None:
            return self.store.audit_segment(limit=limit)
        return []

    def ack_audit(self, last_id: int) -> None:
        self._full().ack_audit(last_id)

    def cursor(self) -> int:
        if self.store is not None:
            return self.store.cursor()
        return int(self.settings.get(CURSOR) or 0)

    def cursor_check(self) -> str | None:
        if self.store is not None:
            return self.store.cursor_check()
        return self.settings.get(CURSOR_CHECK) or None

    def cursor_journal(self) -> list[tuple[int, str]]:
        return self._full().cursor_journal()

    def central_behind(self, verified: int, check: str | None) -> int:
        return self._full().central_behind(verified, check)

    def apply_pull(self, page: PullResponse) -> int:
        if self.store is None and not page.changes:
            journal = self.settings.get(CURSOR_JOURNAL)
            last = not page.more
            for name, value in pulled_settings(
                journal, page.cursor, page.cursor_check, last_page=last
            ).items():
                if self.settings.get(name, "") != value:
                    self._put(name, value)
            if page.scope and page.scope != self.settings.get("scope"):
                self._put("scope", page.scope)
            return 0
        return self._full().apply_pull(page)

    def push_batch_size(self) -> int | None:
        value = self.settings.get(PUSH_BATCH)
        return int(value) if value else None

    def set_push_batch_size(self, size: int) -> None:
        if self.store is not None:
            self.store.set_push_batch_size(size)
        elif str(size) != self.settings.get(PUSH_BATCH):
            self._put(PUSH_BATCH, str(size))

    # ---- the round's history --------------------------------------------------------------

    def failed(self, error: BaseException) -> None:
        """A revoked device stops syncing for good, as the full round records it."""
        from sync.errors import DeviceRevoked

        if isinstance(error, DeviceRevoked):
            self._full().mark_revoked()

    def record_round(self, started: datetime, report: RoundReport, error: str) -> None:
        if self.store is not None:
            figures = {"started_at": started, "finished_at": _now(), **report.counts()}
            self.store.record_round({**figures, "error": error})
            return
        counts = report.counts()
        names = ["started_at", "finished_at", *counts, "error"]
        values = [_stored(started), _stored(_now()), *counts.values(), error]
        self.connection.execute(
            f"INSERT INTO sync_round ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            values,
        )


def _stored(moment: datetime) -> str:
    """A timestamp as the store's DateTime columns keep it: UTC, no zone, microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
