"""Personal data at rest: AES-GCM under a random data key, the key wrapped by the passphrase.

    passphrase --scrypt(salt, n, r, p)--> KEK --AES-GCM unwrap--> DEK (32 random bytes)
    DEK --AES-GCM--> every personal value and the device's private key
    HMAC(DEK, "blind-index") --HMAC-SHA256--> blind index of natural-key values

The wrapped DEK, the salt and the scrypt parameters live in the local ``setting``
table under ``data_key`` (JSON). Changing the passphrase re-wraps the DEK only:
no row is re-encrypted. scrypt runs once per unlock, never per save.

A sealed value is text: ``sw1:`` + base64(nonce(12) || ciphertext || tag(16)); a
value that natural-key look-ups need carries its blind index as well:
``sw1:`` + 32 hex + ``:`` + base64(...). The associated data is
``table|column|row id``, so a ciphertext moved to another row or column does
not open. Nothing here ever puts a clear value in an exception message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from client.errors import PERSONS_TO_FIX, StoreError
from client.i18n import N_, _
from sync.failures import Failure

__all__ = [
    "DATA_KEY_SETTING",
    "DEFAULT_PARAMS",
    "BadPassphrase",
    "DataKey",
    "KdfParams",
    "Locked",
    "SealedValueError",
    "blind_prefix_bounds",
    "is_sealed",
    "new_data_key",
    "rewrap",
    "unlock",
]

DATA_KEY_SETTING = "data_key"
PREFIX = "sw1:"
NONCE_BYTES = 12
KEY_BYTES = 32
BLIND_HEX = 32
"""128 bits of HMAC-SHA256: no collisions among a district's ID numbers."""
_WRAP_AD = b"sanwu data key v1"


class Locked(StoreError):
    """Personal data or the device key was needed, but no passphrase unlocked the store."""

    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self) -> None:
        super().__init__(
            "the local data is locked: give the passphrase (prompt, --passphrase-file "
            "or SANWU_PASSPHRASE)"
        )


class BadPassphrase(StoreError):
    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self) -> None:
        super().__init__("wrong passphrase for this home's data")


MIN_PASSPHRASE = 8
"""The shortest passphrase accepted for a home's data, from any source (scrypt slows a
guesser down, but not enough for a few characters)."""
DEMO_PASSPHRASE = "sanwu-demo"
"""The demo home's published passphrase (``client.demo``): accepted by ``sanwu demo`` only,
refused from the command line's file and SANWU_PASSPHRASE for any real home."""


class WeakPassphrase(StoreError):
    """A passphrase shorter than ``MIN_PASSPHRASE``; ``source`` (a msgid, ``{path}`` filled
    in when shown) names where it came from, so the person knows what to fix."""

    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self, source: str, path: str = "", *, published: bool = False) -> None:
        self.source = source
        self.path = path
        self.published = published
        super().__init__(source)

    def __str__(self) -> str:
        source = _(self.source).format(path=self.path)
        if self.published:
            return _(
                "the passphrase from {source} is the demo's published one: choose your own"
            ).format(source=source)
        return _(
            "the passphrase from {source} is shorter than {count} characters: choose a longer one"
        ).format(source=source, count=MIN_PASSPHRASE)


def check_passphrase(passphrase: str, source: str, path: str = "") -> str:
    """``passphrase`` when it is long enough, else WeakPassphrase naming ``source``."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(source, path)
    return passphrase


class SealedValueError(StoreError):
    """A sealed value that does not open: edited, moved to another row, or another key."""

    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self, where: str) -> None:
        super().__init__(f"an encrypted value does not open ({where}): the file was altered")


@dataclass(frozen=True)
class KdfParams:
    n: int = 2**15
    r: int = 8
    p: int = 1


DEFAULT_PARAMS = KdfParams()
"""About 0.15 s and 32 MiB on a village PC: once per start, and slow for a guesser."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    kdf = Scrypt(salt=salt, length=KEY_BYTES, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase.encode("utf-8"))


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def blind_prefix_bounds(blind: str) -> tuple[str, str]:
    """The text range holding every sealed value with this blind index (index-friendly)."""
    return f"{PREFIX}{blind}:", f"{PREFIX}{blind};"


class DataKey:
    """The unwrapped data key of one home, in memory while the store is open."""

    def __init__(self, dek: bytes) -> None:
        if len(dek) != KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        self._aead = AESGCM(dek)
        self._blind_key = hmac.new(dek, b"sanwu blind index v1", hashlib.sha256).digest()

    @staticmethod
    def _ad(table: str, column: str, row_id: str) -> bytes:
        return f"{table}|{column}|{row_id}".encode()

    def blind_index(self, column: str, value: str) -> str:
        """Deterministic, keyed: equal normalised values give equal indexes, nothing else."""
        normalised = "".join(value.split()).upper()
        message = f"{column}|{normalised}".encode()
        return hmac.new(self._blind_key, message, hashlib.sha256).hexdigest()[:BLIND_HEX]

    def seal(
        self, table: str, column: str, row_id: str, value: str, *, indexed: bool = False
    ) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), self._ad(table, column, row_id))
        body = _b64(nonce + sealed)
        if indexed:
            return f"{PREFIX}{self.blind_index(column, value)}:{body}"
        return PREFIX + body

    def seal_bytes(self, context: str, data: bytes) -> bytes:
        """Sealed bytes (nonce first) bound to ``context``: a file moved to another name
        does not open."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data, context.encode("utf-8"))

    def open_bytes(self, context: str, sealed: bytes) -> bytes:
        try:
            return self._aead.decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode("utf-8")
            )
        except (InvalidTag, ValueError) as exc:
            raise SealedValueError(context) from exc

    def open(self, table: str, column: str, row_id: str, token: str) -> str:
        parts = token[len(PREFIX) :].split(":")
        try:
            raw = _unb64(parts[-1])
            nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
            clear = self._aead.decrypt(nonce, sealed, self._ad(table, column, row_id))
        except (InvalidTag, ValueError) as exc:
            raise SealedValueError(f"{table}.{column} of {row_id}") from exc
        text = clear.decode("utf-8")
        if len(parts) == 2 and parts[0] != self.blind_index(column, text):
            raise SealedValueError(f"{table}.{column} of {row_id}")
        return text


def _wrap(dek: bytes, passphrase: str, params: KdfParams) -> str:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = AESGCM(_kek(passphrase, salt, params)).encrypt(nonce, dek, _WRAP_AD)
    return json.dumps(
        {
            "v": 1,
            "kdf": "scrypt",
            "n": params.n,
            "r": params.r,
            "p": params.p,
            "salt": _b64(salt),
            "wrapped": _b64(nonce + wrapped),
        },
        sort_keys=True,
    )


def new_data_key(passphrase: str, params: KdfParams | None = None) -> tuple[DataKey, str]:
    """A fresh random data key and its wrapped form (the setting's value); a passphrase
    under the floor is refused whichever screen or flag it came from."""
    if not passphrase:
        raise BadPassphrase()
    check_passphrase(passphrase, N_("the new passphrase"))
    dek = os.urandom(KEY_BYTES)
    return DataKey(dek), _wrap(dek, passphrase, params or DEFAULT_PARAMS)


def _unwrap(passphrase: str, setting: str) -> tuple[bytes, KdfParams]:
    try:
        stored = json.loads(setting)
        params = KdfParams(n=int(stored["n"]), r=int(stored["r"]), p=int(stored["p"]))
        salt = _unb64(stored["salt"])
        raw = _unb64(stored["wrapped"])
        if stored.get("v") != 1 or stored.get("kdf") != "scrypt":
            raise ValueError("unknown key format")
    except (ValueError, KeyError, TypeError) as exc:
        raise SealedValueError("setting data_key") from exc
    try:
        dek = AESGCM(_kek(passphrase, salt, params)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _WRAP_AD
        )
    except InvalidTag:
        raise BadPassphrase() from None
    return dek, params


def unlock(passphrase: str, setting: str) -> DataKey:
    """The data key wrapped in ``setting``; BadPassphrase when the passphrase is wrong."""
    return DataKey(_unwrap(passphrase, setting)[0])


class Unlocking:
    """``unlock`` on another thread, started before a caller's imports: scrypt releases
    the GIL, so a scheduled ``sanwu sync`` loads its modules while the key derives."""

    def __init__(self, passphrase: str, setting: str) -> None:
        self._made_for = (passphrase, setting)
        self._result: DataKey | Exception | None = None
        self._thread = threading.Thread(
            target=self._derive, args=(passphrase, setting), name="sanwu-unlock", daemon=True
        )
        self._thread.start()

    def _derive(self, passphrase: str, setting: str) -> None:
        try:
            self._result = unlock(passphrase, setting)
        except Exception as exc:  # handed to the caller's thread by key()
            self._result = exc

    def made_for(self, passphrase: str, setting: str) -> bool:
        """Whether this derives the key ``unlock(passphrase, setting)`` would."""
        given, wrapped = self._made_for
        return wrapped == setting and hmac.compare_digest(given.encode(), passphrase.encode())

    def key(self) -> DataKey:
        """The data key, or what ``unlock`` raised (BadPassphrase), in the caller's thread."""
        self._thread.join()
        if isinstance(self._result, Exception):
            raise self._result
        if self._result is None:  # the thread died without an answer (interpreter exit)
            raise BadPassphrase()
        return self._result


def rewrap(old: str, new: str, setting: str, params: KdfParams | None = None) -> str:
    """The same data key wrapped by a new passphrase (fresh salt); rows stay as they are."""
    if not new:
        raise BadPassphrase()
    dek, _old_params = _unwrap(old, setting)
    check_passphrase(new, N_("the new passphrase"))
    return _wrap(dek, new, params or DEFAULT_PARAMS)
