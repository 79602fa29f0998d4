"""One sync at a time per home: a scheduled ``sanwu sync``, ``--watch`` and the app
never run two rounds on one database at once (they would push the same ops twice)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sync.errors import SyncBusy

__all__ = ["SyncBusy", "sync_lock"]

LOCK_NAME = "sync.lock"


@contextmanager
def sync_lock(home: Path) -> Iterator[None]:
    """Hold the home's sync lock, or raise SyncBusy at once (never wait: a scheduler
    that finds a round running should simply skip its turn). The OS frees the lock
    when the holder dies, even by SIGKILL."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SyncBusy("another sync of this home is running") from exc
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
