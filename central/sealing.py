"""Central's own data key, and personal values sealed at rest with it (AES-256-GCM).

Central holds the records in clear by design (SECURITY.md), but what it keeps beyond
them, such as the phones of units' contacts, need not be: a copied database file
should not hand out a district's phone book. The key is 32 random bytes:

    SANWU_CENTRAL_KEY        base64 of the 32 bytes, or
    SANWU_CENTRAL_KEY_FILE   a file holding that base64 text, or
    (SQLite only)            ``<database file>.key`` beside the database, made on
                             first use with mode 0600: back it up with the database

PostgreSQL without either is refused with one line: a server database has no
"beside" that is safe to guess. A sealed value is text,
``sc1:<key id>:<base64(nonce(12) || ciphertext || tag(16))>``: ``sc1:`` says it is
sealed, the key id (8 hex, derived from the key) says which key sealed it, so a later
key rotation can tell old values from new. The associated data is
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
from sync.failures import ExitCode, Failure, Retry

__all__ = [
    "ENV_KEY",
    "ENV_KEY_FILE",
    "PREFIX",
    "CentralKey",
    "CentralKeyError",
    "SealedValueError",
    "is_sealed",
    "key_file_beside",
    "load_key",
]

ENV_KEY = "SANWU_CENTRAL_KEY"
ENV_KEY_FILE = "SANWU_CENTRAL_KEY_FILE"
PREFIX = "sc1:"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID_INFO = b"sanwu central key id v1"

log = logging.getLogger("central.sealing")


class CentralKeyError(CentralError):
    """Central's data key is missing or malformed: an operator's setting to fix."""

    failure: ClassVar[Failure] = Failure(ExitCode.USAGE, Retry.NEVER)


class SealedValueError(CentralError):
    """A sealed value that does not open: another key, another row, or altered."""

    failure: ClassVar[Failure] = Failure(ExitCode.USAGE, Retry.NEVER)


def _does_not_open(where: str, *, other_key: bool = False) -> SealedValueError:
    why = "sealed with another key" if other_key else "altered, or moved from another row"
    return SealedValueError("sealed_value", f"an encrypted value does not open ({where}): {why}")


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


class CentralKey:
    """The data key in memory; ``seal``/``open`` are all its callers need."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise CentralKeyError("central_key", f"central's data key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(key)
        self.key_id = hmac.new(key, _KEY_ID_INFO, hashlib.sha256).hexdigest()[:8]

    def __repr__(self) -> str:
        return f"CentralKey(key_id={self.key_id!r})"

    @staticmethod
    def _ad(table: str, column: str, row_id: str) -> bytes:
        return f"{table}|{column}|{row_id}".encode()

    def seal(self, table: str, column: str, row_id: str, value: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), self._ad(table, column, row_id))
        return f"{PREFIX}{self.key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, table: str, column: str, row_id: str, token: str) -> str:
        where = f"{table}.{column} / {row_id}"
        key_id, _, body = token.removeprefix(PREFIX).partition(":")
        if not is_sealed(token) or not body:
            raise _does_not_open(where)
        if key_id != self.key_id:
            raise _does_not_open(where, other_key=True)
        try:
            raw = base64.b64decode(body.encode("ascii"), validate=True)
            clear = self._aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._ad(table, column, row_id)
            )
            return clear.decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise _does_not_open(where) from exc


# ---- where the key comes from ---------------------------------------------------------


def _decode(text: str, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip().encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != KEY_BYTES:
        raise CentralKeyError(
            "central_key", f"{source} must hold base64 of {KEY_BYTES} random bytes"
        )
    return key


def _read_key_file(path: Path, source: str) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise CentralKeyError(
            "central_key", f"cannot read central's key file {path} ({source})"
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
    text = base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii") + "\n"
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
def _key_from(value: str | None, file: str | None, beside: str | None) -> CentralKey:
    if value:
        return CentralKey(_decode(value, ENV_KEY))
    if file:
        return CentralKey(_read_key_file(Path(file), ENV_KEY_FILE))
    if beside is None:
        raise CentralKeyError(
            "central_key",
            f"central's data key is not set: give {ENV_KEY} (base64 of {KEY_BYTES} bytes) "
            f"or {ENV_KEY_FILE}",
        )
    path = Path(beside)
    if not path.exists():
        _make_key_file(path)
    return CentralKey(_read_key_file(path, "the key file beside the database"))


def load_key(db_url: str | URL) -> CentralKey:
    """Central's key for the database at ``db_url``: from the environment, else (SQLite
    in a file) the key file beside it, made on first use. ``CentralKeyError`` otherwise."""
    url = make_url(db_url)
    beside: str | None = None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        beside = str(key_file_beside(Path(str(url.database)).resolve()))
    return _key_from(os.environ.get(ENV_KEY), os.environ.get(ENV_KEY_FILE), beside)
