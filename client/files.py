"""Files Sanwu writes outside its database: exports, reject reports, sync bundles,
support bundles, attachment files and their plain copies.

Each is written whole or not at all: into a temporary file beside the target, flushed to
the disk, then renamed over it. A full disk or a folder that cannot be written leaves no
half file behind (a half workbook opens as a broken one, a half bundle is refused on the
other side) and becomes one line for the person (``FileNotWritten``), never a traceback.
Nothing in the database is touched by a failed file: what was saved stays saved."""

from __future__ import annotations

import errno
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, ClassVar

from client.errors import PERSONS_TO_FIX, STORAGE_FAILURE, StoreError
from client.i18n import N_, _
from sync.failures import Failure

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
"""No room: the disk, the person's quota, or the largest file the file system holds."""

_WHY = {
    errno.EACCES: N_("no permission to write there"),
    errno.EPERM: N_("no permission to write there"),
    errno.EROFS: N_("the disk is read-only (a locked USB stick?)"),
    errno.ENOENT: N_("the folder does not exist"),
    errno.ENOTDIR: N_("part of the path is a file, not a folder"),
    errno.EEXIST: N_("part of the path is a file, not a folder"),
    errno.EISDIR: N_("that name is a folder"),
}


class FileNotWritten(StoreError):
    """A file could not be written: nothing of it was left, and nothing saved was lost."""

    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self, path: Path, code: int | None = None) -> None:
        self.path = path
        self.why = _WHY.get(code or 0)
        super().__init__(f"file not written: {path}")

    def __str__(self) -> str:
        """Translated when shown, so a language chosen after the raise still applies."""
        why = _(self.why) if self.why else _("the system refused")
        return _("{path} was not written: {why}.").format(path=self.path, why=why)


class NoRoomForFile(FileNotWritten):
    """The disk (or quota) is full: the storage failure, as a full database is."""

    failure: ClassVar[Failure] = STORAGE_FAILURE

    def __str__(self) -> str:
        return _(
            "the disk is full: {path} was not written (nothing saved was lost). Free some "
            "space or choose another disk, then try again."
        ).format(path=self.path)


def not_written(path: Path, error: OSError) -> FileNotWritten:
    """The error to raise for ``error`` met while writing ``path``."""
    if error.errno in _FULL:
        return NoRoomForFile(path, error.errno)
    return FileNotWritten(path, error.errno)


def write_whole(path: Path, write: Callable[[IO[bytes]], None], *, durable: bool = False) -> None:
    """Write ``path`` with ``write(handle)``, whole or not at all. ``durable``: also
    flush the folder, for files a database row will name once this returns."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    except OSError as exc:
        raise not_written(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise not_written(path, exc) from exc
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if durable:
        _fsync_folder(path.parent)


def write_bytes(path: Path, data: bytes, *, durable: bool = False) -> None:
    """``data`` as the whole of ``path`` (see ``write_whole``)."""

    def whole(handle: IO[bytes]) -> None:
        handle.write(data)

    write_whole(path, whole, durable=durable)


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """``text`` as the whole of ``path`` (see ``write_whole``)."""
    write_bytes(path, text.encode(encoding))


def write_text_with(
    path: Path, write: Callable[[IO[str]], None], *, encoding: str = "utf-8", newline: str = ""
) -> None:
    """Text written through a text handle (a CSV writer), whole or not at all."""

    def through(handle: IO[bytes]) -> None:
        text = io.TextIOWrapper(handle, encoding=encoding, newline=newline)
        write(text)
        text.flush()
        text.detach()

    write_whole(path, through)


def _fsync_folder(folder: Path) -> None:
    """The rename itself on the disk (POSIX); elsewhere the rename is what there is."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
