"""Where a person's local data lives: ``--home``, else SANWU_HOME, else the platform's data dir."""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from client.crypto import Unlocking

ENV_HOME = "SANWU_HOME"
DB_NAME = "sanwu.db"
"""The home's database file (records, queue, identity), beside its attachments folder."""


SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""
HOME_MODE = 0o700
FILE_MODE = 0o600
PRIVATE_UMASK = 0o077
"""Files and folders Sanwu creates are its user's alone: personal data lives in them."""


def private_umask() -> None:
    """Every file the process writes from now on is 0600 and every folder 0700: set once at
    the edge (the ``sanwu`` command, the app), so no writer can forget."""
    os.umask(PRIVATE_UMASK)


def prepare_home(home: Path) -> None:
    """Create the home 0700, or tighten an existing one (made before, or by hand)."""
    home.mkdir(mode=HOME_MODE, parents=True, exist_ok=True)
    if home.stat().st_mode & 0o777 != HOME_MODE:
        home.chmod(HOME_MODE)


def private_files(db: Path) -> None:
    """Tighten the database and its WAL and shared-memory files to 0600 (SQLite gives the
    -wal and -shm the database file's mode; a file made before the umask is fixed here)."""
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        try:
            if path.stat().st_mode & 0o777 != FILE_MODE:
                path.chmod(FILE_MODE)
        except FileNotFoundError:
            continue


def database_header_ok(path: Path) -> bool:
    """Whether ``path`` is absent (a new home) or starts as a SQLite file: 16 bytes read,
    cheap enough for ``sanwu status`` and the quick idle sync."""
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except FileNotFoundError:
        return True


def check_database_file(path: Path) -> None:
    """Refuse an existing database file that is empty or not SQLite, before SQLite opens it
    (SQLite would silently make a 0-byte file a new, empty, unenrolled home)."""
    from client.errors import DatabaseUnusable

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        raise DatabaseUnusable(path, "empty")
    if not database_header_ok(path):
        raise DatabaseUnusable(path, "not_sqlite")


class EarlyCheck:
    """The open's ``PRAGMA quick_check(3)`` on a sqlite3 connection of its own, in a daemon
    thread: SQLite runs it without the GIL while the process imports what the command
    needs. ``client.store.database.Database`` takes its verdict instead of checking again;
    nothing reads a record before that."""

    def __init__(self, path: Path) -> None:
        self.rows: list[str] = []
        self.error = ""
        self._thread = threading.Thread(
            target=self._run, args=(path,), name="sanwu-quick-check", daemon=True
        )
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            conn = sqlite3.connect(path, timeout=10, isolation_level=None)
            try:
                self.rows = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)")]
            finally:
                conn.close()
        except sqlite3.Error as exc:
            self.error = f"{type(exc).__name__}: {exc}"

    def verdict(self) -> tuple[list[str], str]:
        """(quick_check's rows, or the error that stopped it), once done."""
        self._thread.join()
        return self.rows, self.error


@dataclass(frozen=True)
class EarlyOpen:
    """What a command started before its imports (``client.cli.common.open_early``), for
    the store's open to take: the file's check and the key's derivation."""

    check: EarlyCheck | None = None
    unlocking: Unlocking | None = None


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("sanwu", appauthor=False))
