"""Central's own data key, and personal values sealed at rest with it (AES-256-GCM).

A copied database file should not hand out a district's ID numbers, accounts or phone
book: the records' personal fields (``central.at_rest``) and the phones of units'
contacts are kept sealed with this key. The key is 32 random bytes:

    SANWU_CENTRAL_KEY        base64 of the 32 bytes, or
    SANWU_CENTRAL_KEY_FILE   a file holding that base64 text, or
    (SQLite only)            ``<database file>.key`` beside the database, made on
                             first use with mode 0600: back it up with the database

A key file (or the variable) may hold several keys, one a line: the first seals, the
others only open what they sealed. ``sanwu central rotate-key`` (``central.rotation``)
writes such a ring while it re-seals, then retires the old key.

PostgreSQL without either is refused with one line: a server database has no
"beside" that is safe to guess. A sealed value is text,
``sc1:<key id>:<base64(nonce(12) || ciphertext || tag(16))>``: ``sc1:`` says it is
sealed, the key id (8 hex, derived from the key) says which key sealed it, so a later
key rotation can tell old values from new. A value that natural-key look-ups need has
its blind index in front, ``sc1:<blind>:<key id>:<base64>`` (``central.at_rest``). The
associated data is
``table|column|row id`` (as ``client.crypto``): a value moved to another row or column
does not open. No clear value ever appears in an exception's message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import URL, make_url

from central.errors import CentralError
from models.i18n import N_, _
from sync.failures import ExitCode, Failure, Retry

__all__ = [
    "ENV_KEY",
    "ENV_KEY_FILE",
    "PREFIX",
    "CentralKey",
    "CentralKeyError",
    "SealedValueError",
    "blind_of",
    "is_sealed",
    "key_file_beside",
    "key_file_of",
    "key_id_of",
    "load_key",
    "new_key_text",
    "write_key_file",
]

ENV_KEY = "SANWU_CENTRAL_KEY"
ENV_KEY_FILE = "SANWU_CENTRAL_KEY_FILE"
PREFIX = "sc1:"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID_INFO = b"sanwu central key id v1"

log = logging.getLogger("central.sealing")


class CentralKeyError(CentralError):
    """Central's data key is missing or malformed: an operator's setting to fix. The
    message is a msgid and its parameters, read in the operator's language."""

    failure: ClassVar[Failure] = Failure(ExitCode.USAGE, Retry.NEVER)

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__("central_key", msgid.format(**params))
        self.msgid = msgid
        self.params = params

    def __str__(self) -> str:
        return _(self.msgid).format(**self.params)


class SealedValueError(CentralError):
    """A sealed value that does not open: another key, another row, or altered."""

    failure: ClassVar[Failure] = Failure(ExitCode.USAGE, Retry.NEVER)


def _does_not_open(where: str, *, other_key: bool = False) -> SealedValueError:
    why = "sealed with another key" if other_key else "altered, or moved from another row"
    return SealedValueError("sealed_value", f"an encrypted value does not open ({where}): {why}")


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def _parts(token: str) -> tuple[str, str, str]:
    """(blind index or "", key id, body) of a sealed value; ("", "", "") when it is none."""
    if not is_sealed(token):
        return "", "", ""
    parts = token[len(PREFIX) :].split(":")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    return "", "", ""


def key_id_of(token: str) -> str:
    """The id of the key that sealed ``token`` ("" for a value that is not sealed)."""
    return _parts(token)[1]


def blind_of(token: str) -> str:
    """The blind index in front of ``token`` ("" when it carries none)."""
    return _parts(token)[0]


def _key_id(key: bytes) -> str:
    return hmac.new(key, _KEY_ID_INFO, hashlib.sha256).hexdigest()[:8]


class CentralKey:
    """The data key in memory (with any older keys still to open what they sealed);
    ``seal``/``open`` are all its callers need."""

    def __init__(self, key: bytes, older: tuple[bytes, ...] = ()) -> None:
        for each in (key, *older):
            if len(each) != KEY_BYTES:
                raise CentralKeyError(N_("central's data key must be {n} bytes"), n=KEY_BYTES)
        self._aead = AESGCM(key)
        self.key_id = _key_id(key)
        self._ring = {_key_id(each): AESGCM(each) for each in reversed(older)}
        self._ring[self.key_id] = self._aead
        self.older_ids = tuple(k for k in self._ring if k != self.key_id)
        """Ids of the keys that only open (a rotation under way): empty most of the time."""

    def __repr__(self) -> str:
        return f"CentralKey(key_id={self.key_id!r}, older={self.older_ids!r})"

    @staticmethod
    def _ad(table: str, column: str, row_id: str) -> bytes:
        return f"{table}|{column}|{row_id}".encode()

    def seal(self, table: str, column: str, row_id: str, value: str, *, blind: str = "") -> str:
        """``value`` sealed to its place; ``blind``: its blind index, put in front."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), self._ad(table, column, row_id))
        body = base64.b64encode(nonce + sealed).decode("ascii")
        front = f"{PREFIX}{blind}:" if blind else PREFIX
        return f"{front}{self.key_id}:{body}"

    def open(self, table: str, column: str, row_id: str, token: str) -> str:
        where = f"{table}.{column} / {row_id}"
        _blind, key_id, body = _parts(token)
        if not body:
            raise _does_not_open(where)
        aead = self._ring.get(key_id)
        if aead is None:
            raise _does_not_open(where, other_key=True)
        try:
            raw = base64.b64decode(body.encode("ascii"), validate=True)
            clear = aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._ad(table, column, row_id)
            )
            return clear.decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise _does_not_open(where) from exc


# ---- where the key comes from ---------------------------------------------------------


def _decode_one(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip().encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != KEY_BYTES:
        raise CentralKeyError(
            N_("{source} must hold base64 of {n} random bytes"), source=source, n=KEY_BYTES
        )
    return key


def _decode(text: str, source: str) -> CentralKey:
    """One key a line (or separated by spaces or commas): the first seals."""
    words = text.replace(",", " ").split()
    if not words:
        raise CentralKeyError(
            N_("{source} must hold base64 of {n} random bytes"), source=source, n=KEY_BYTES
        )
    keys = [_decode_one(word, source) for word in words]
    return CentralKey(keys[0], tuple(keys[1:]))


def new_key_text() -> str:
    """A fresh random key as a key file holds it (base64, one line)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def write_key_file(path: Path, keys: list[str]) -> None:
    """Replace ``path`` with ``keys`` (base64, the sealing one first), whole or not at all:
    written to a temporary file (0600), synced, renamed over it."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write("".join(key + "\n" for key in keys))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    _key_from.cache_clear()


def _read_key_file(path: Path, source: str) -> CentralKey:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise CentralKeyError(
            N_("cannot read central's key file {path} ({source})"), path=path, source=source
        ) from exc
    if path.stat().st_mode & 0o077:
        log.warning("central's key file %s is readable by others: chmod 600 it", path)
    return _decode(text, f"{source} ({path})")


def key_file_beside(database: Path) -> Path:
    """The key file made for a SQLite database: ``central.db`` -> ``central.db.key``."""
    return database.with_name(database.name + ".key")


def _make_key_file(path: Path) -> None:
    """Write a new random key to ``path`` unless one is there: written whole to a temporary
    file (0600) and linked into place, so a racing process reads a whole key or none."""
    text = new_key_text() + "\n"
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
            log.warning("made central's data key %s: keep it with the database's backups", path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache(maxsize=8)
def _key_from(
    value: str | None,
    file: str | None,
    beside: str | None,
    changed: tuple[int, int, int] = (0, 0, 0),
) -> CentralKey:
    """``changed``: the key file's inode, time and size, so a rotated file is read again."""
    del changed
    if value:
        return _decode(value, ENV_KEY)
    if file:
        return _read_key_file(Path(file), ENV_KEY_FILE)
    if beside is None:
        raise CentralKeyError(
            N_(
                "central's data key is not set: give {env} (base64 of {n} random bytes) or "
                "{env_file} (a file holding it), then start again"
            ),
            env=ENV_KEY,
            n=KEY_BYTES,
            env_file=ENV_KEY_FILE,
        )
    path = Path(beside)
    if not path.exists():
        _make_key_file(path)
    return _read_key_file(path, "the key file beside the database")


@lru_cache(maxsize=1)
def _memory_key() -> CentralKey:
    """An in-memory SQLite database dies with the process: so does its key."""
    return CentralKey(os.urandom(KEY_BYTES))


def key_file_of(db_url: str | URL) -> Path | None:
    """The key file central reads for ``db_url`` (None: the key is in SANWU_CENTRAL_KEY,
    or there is no file to keep it in)."""
    if os.environ.get(ENV_KEY):
        return None
    if file := os.environ.get(ENV_KEY_FILE):
        return Path(file)
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return key_file_beside(Path(str(url.database)).resolve())
    return None


def _changed(path: Path | None) -> tuple[int, int, int]:
    """What tells a rewritten key file (a rename gives it a new inode) from the one read."""
    try:
        found = path.stat() if path is not None else None
    except OSError:
        found = None
    return (found.st_ino, found.st_mtime_ns, found.st_size) if found else (0, 0, 0)


def load_key(db_url: str | URL) -> CentralKey:
    """Central's key for the database at ``db_url``: from the environment, else (SQLite
    in a file) the key file beside it, made on first use. ``CentralKeyError`` otherwise."""
    url = make_url(db_url)
    beside: str | None = None
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            if not (os.environ.get(ENV_KEY) or os.environ.get(ENV_KEY_FILE)):
                return _memory_key()
        else:
            beside = str(key_file_beside(Path(str(url.database)).resolve()))
    value, file = os.environ.get(ENV_KEY), os.environ.get(ENV_KEY_FILE)
    path = None if value else Path(file) if file else Path(beside) if beside else None
    return _key_from(value, file, beside, _changed(path))
