"""The home's SQLite file: an engine whose every connection has the same pragmas, one
transaction per user action (BEGIN IMMEDIATE), and the WAL checkpoint a big commit
leaves to a background thread.

Nothing here knows records; the other parts of the store read and write through it."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from client.errors import DatabaseUnusable, DiskFull
from client.home import EarlyCheck, check_database_file, private_files
from client.migrate import upgrade

CHECKPOINT_WAIT = 120.0
"""Seconds ``Store.close`` waits at most for a deferred checkpoint (it never waits on locks:
PASSIVE copies what it can and stops)."""


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


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in slices of ``size``: an ``IN`` list stays under SQLite's bound-value limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def is_full(error: BaseException) -> bool:
    """SQLITE_FULL: the disk, or the database's page limit, has no room for the write."""
    orig = getattr(error, "orig", error)
    return isinstance(orig, sqlite3.OperationalError) and (
        getattr(orig, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        or "database or disk is full" in str(orig)
    )


def _quick_check(engine: Engine, path: Path, early: EarlyCheck | None) -> None:
    """``PRAGMA quick_check`` (no index cross-check, so far cheaper than integrity_check):
    a truncated or damaged file is named here, at open, not by a traceback mid-action.
    A check the command started early (``client.home.EarlyCheck``) gives its verdict."""
    if early is not None:
        rows, error = early.verdict()
        if error:
            raise DatabaseUnusable(path, "damaged", error)
        if rows != ["ok"]:
            raise DatabaseUnusable(path, "damaged", "; ".join(rows))
        return
    try:
        with engine.connect() as conn:
            rows = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA quick_check(3)")]
    except sa.exc.DatabaseError as exc:
        raise DatabaseUnusable(path, "damaged", str(getattr(exc, "orig", exc))) from exc
    if rows != ["ok"]:
        raise DatabaseUnusable(path, "damaged", "; ".join(rows))


class Database:
    """One home's database file, checked and migrated to the newest schema when opened."""

    def __init__(self, path: Path, *, early_check: EarlyCheck | None = None) -> None:
        self.path = path
        check_database_file(path)
        fresh = not path.exists()
        self.engine = open_engine(path)
        try:
            if not fresh:
                _quick_check(self.engine, path, early_check)
            upgrade(self.engine)
        except DatabaseUnusable:
            self.engine.dispose()
            raise
        except sa.exc.DatabaseError as exc:
            self.engine.dispose()
            if is_full(exc):
                raise DiskFull(path) from exc
            raise DatabaseUnusable(path, "damaged", str(getattr(exc, "orig", exc))) from exc
        private_files(path)
        self._checkpoint: DeferredCheckpoint | None = None

    def connect(self) -> Connection:
        """A connection for reads (no transaction of its own beyond SQLite's implicit one)."""
        return self.engine.connect()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; BEGIN IMMEDIATE so two writers queue instead of failing late. A
        full disk (SQLITE_FULL, in a statement or the commit) rolls it all back and becomes
        ``DiskFull``: one line for the person instead of a traceback."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.commit()
            except BaseException as exc:
                conn.rollback()
                if is_full(exc):
                    raise DiskFull(self.path) from exc
                raise

    def defer_checkpoint(self) -> None:
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

    def close(self) -> None:
        self.wait_checkpoint()
        self.engine.dispose()
