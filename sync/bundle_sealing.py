"""Personal values in a bundle, sealed to the one who reads it (pure, both ends).

A USB stick gets lost. The bundle on it is signed (``sync.bundle``), which says who
wrote it; sealing says who may read its personal values (ID numbers, accounts,
contacts: the fields declared ``Personal``). A device seals its ops' values to
central's X25519 public key, given at enrollment; central seals its reply's values
(the changes, and the records and values a result hands back) to the device's
X25519 public key, sent at enrollment. Everything else of a bundle stays as it was:
kinds, record ids, the other fields, op results' statuses.

A sealed value is text, ``sb1:<key id>:<base64(ephemeral public key(32) || nonce(12)
|| ciphertext || tag(16))>``: the ephemeral X25519 key of the bundle and the
recipient's key give, through HKDF-SHA256, an AES-256-GCM key; the plaintext is the
value as JSON; the associated data is ``kind|record id|field|slot`` (``slot``: where in
the bundle the value stands: ``from``, ``to``, ``record``, ``base``, ``mine``,
``theirs``), so a value moved to another record, field or place does not open. The key
id (8 hex of the recipient's key's SHA-256) tells a value sealed for another central
or device from an altered one. One ephemeral key per bundle (``Sealer``), a random
nonce per value. No value, clear or sealed, ever appears in an error's message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

if TYPE_CHECKING:  # the walks only copy the models they are given: the quick paths that
    # read a device's keys (client.identity) load no pydantic for them
    from sync.protocol import Change, ConflictInfo, Op, OpResult

__all__ = [
    "PREFIX",
    "Opener",
    "PersonalFields",
    "Place",
    "SealError",
    "Sealer",
    "declared_personal",
    "is_sealed",
    "key_id",
    "new_key",
    "open_changes",
    "open_ops",
    "open_results",
    "private_b64",
    "private_from_b64",
    "public_b64",
    "public_from_b64",
    "seal_changes",
    "seal_ops",
    "seal_results",
]

PREFIX = "sb1:"
KEY_BYTES = 32
NONCE_BYTES = 12
_INFO = b"sanwu bundle sealing v1"
_AD = "sanwu bundle v1"

PersonalFields = Mapping[str, Collection[str]]
"""kind -> its personal fields (``declared_personal()``; tests give their own)."""


def declared_personal() -> dict[str, frozenset[str]]:
    """The personal fields as ``models.records`` declares them, kind by kind."""
    import models.records  # noqa: F401  (registers the kinds)
    from models.kinds import KINDS

    return {kind: spec.personal for kind, spec in KINDS.items() if spec.personal}


# ---- keys ------------------------------------------------------------------------------


def new_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_b64(key: X25519PrivateKey | X25519PublicKey) -> str:
    """A public key as devices and central keep and send it: raw, base64."""
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return base64.b64encode(_raw_public(public)).decode("ascii")


def _raw(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ValueError(f"{what} must be base64 of {KEY_BYTES} bytes (a raw X25519 key)")
    return raw


def public_from_b64(text: str) -> X25519PublicKey:
    """ValueError when ``text`` is not a raw X25519 public key in base64."""
    return X25519PublicKey.from_public_bytes(_raw(text, "an encryption public key"))


def private_b64(key: X25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode("ascii")


def private_from_b64(text: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_raw(text, "an encryption private key"))


def key_id(key: X25519PrivateKey | X25519PublicKey) -> str:
    """8 hex naming a recipient's key (not secret: derived from the public half)."""
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return hashlib.sha256(_raw_public(public)).hexdigest()[:8]


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


# ---- one value --------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a value stands in a bundle: what its seal is bound to, and what an error names."""

    kind: str
    record_id: str
    field: str
    slot: str

    def associated_data(self) -> bytes:
        return f"{_AD}|{self.kind}|{self.record_id}|{self.field}|{self.slot}".encode()

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}, field {self.field} ({self.slot})"


class SealError(ValueError):
    """A personal value of a bundle that does not open: in clear, sealed for another
    key, or altered. The message names its place, never the value."""

    def __init__(self, place: Place, why: str) -> None:
        self.place = place
        self.why = why
        super().__init__(f"{place}: {why}")


NOT_SEALED = "a personal value in clear (the bundle was written without sealing)"
OTHER_KEY = "sealed for another recipient (another central or device)"
ALTERED = "does not open: altered, or moved from another record or field"


def _aes_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO)
    return AESGCM(hkdf.derive(shared))


class Sealer:
    """Seals one bundle's values to a recipient: one ephemeral key for the bundle."""

    def __init__(self, recipient: X25519PublicKey) -> None:
        ephemeral = X25519PrivateKey.generate()
        self._ephemeral = _raw_public(ephemeral.public_key())
        self._aead = _aes_key(
            ephemeral.exchange(recipient), self._ephemeral, _raw_public(recipient)
        )
        self.key_id = key_id(recipient)

    def seal(self, place: Place, value: Any) -> Any:
        """``value`` sealed; None stays None (nothing to hide)."""
        if value is None:
            return None
        nonce = secrets.token_bytes(NONCE_BYTES)
        clear = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        body = self._ephemeral + nonce + self._aead.encrypt(nonce, clear, place.associated_data())
        return f"{PREFIX}{self.key_id}:{base64.b64encode(body).decode('ascii')}"


class Opener:
    """Opens values sealed to its private key (one AES key per ephemeral key seen)."""

    def __init__(self, key: X25519PrivateKey) -> None:
        self._key = key
        self._public = _raw_public(key.public_key())
        self.key_id = key_id(key)
        self._aeads: dict[bytes, AESGCM] = {}

    def _aead(self, ephemeral: bytes) -> AESGCM:
        aead = self._aeads.get(ephemeral)
        if aead is None:
            shared = self._key.exchange(X25519PublicKey.from_public_bytes(ephemeral))
            aead = self._aeads[ephemeral] = _aes_key(shared, ephemeral, self._public)
        return aead

    def open(self, place: Place, token: Any) -> Any:
        """The value sealed in ``token`` (None stays None); SealError otherwise."""
        if token is None:
            return None
        if not is_sealed(token):
            raise SealError(place, NOT_SEALED)
        sealed_for, _, body = str(token).removeprefix(PREFIX).partition(":")
        if sealed_for != self.key_id:
            raise SealError(place, OTHER_KEY)
        try:
            raw = base64.b64decode(body.encode("ascii"), validate=True)
            ephemeral, nonce = raw[:KEY_BYTES], raw[KEY_BYTES : KEY_BYTES + NONCE_BYTES]
            ciphertext = raw[KEY_BYTES + NONCE_BYTES :]
            clear = self._aead(ephemeral).decrypt(nonce, ciphertext, place.associated_data())
            return json.loads(clear.decode("utf-8"))
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise SealError(place, ALTERED) from None


# ---- a bundle's parts -------------------------------------------------------------------

Step = Callable[[Place, Any], Any]
"""``Sealer.seal`` or ``Opener.open``: the walks below do either."""


def _record(step: Step, kind: str, record: dict[str, Any] | None, personal: PersonalFields) -> Any:
    if record is None:
        return None
    fields = personal.get(kind, ())
    record_id = str(record.get("id", ""))
    return {
        key: step(Place(kind, record_id, key, "record"), value) if key in fields else value
        for key, value in record.items()
    }


def _op(step: Step, op: Op, personal: PersonalFields) -> Op:
    fields = personal.get(op.kind, ())
    if not any(name in fields for name in op.changes):
        return op
    changes = {
        name: (
            step(Place(op.kind, op.record_id, name, "from"), pair[0]),
            step(Place(op.kind, op.record_id, name, "to"), pair[1]),
        )
        if name in fields
        else pair
        for name, pair in op.changes.items()
    }
    return op.model_copy(update={"changes": changes})


def _conflict(step: Step, op: Op, conflict: ConflictInfo, personal: PersonalFields) -> Any:
    fields = personal.get(op.kind, ())
    update: dict[str, Any] = {"record": _record(step, op.kind, conflict.record, personal)}
    for slot in ("base", "mine", "theirs"):
        value = getattr(conflict, slot)
        if isinstance(value, dict):  # a duplicate's natural key, field by field
            update[slot] = {
                key: step(Place(op.kind, op.record_id, key, slot), item) if key in fields else item
                for key, item in value.items()
            }
        elif conflict.field in fields:
            update[slot] = step(Place(op.kind, op.record_id, conflict.field, slot), value)
    return conflict.model_copy(update=update)


def _result(step: Step, op: Op | None, result: OpResult, personal: PersonalFields) -> OpResult:
    if op is None or op.kind not in personal:
        return result
    update: dict[str, Any] = {
        "conflicts": [_conflict(step, op, c, personal) for c in result.conflicts]
    }
    if result.error is not None and result.error.record is not None:
        record = _record(step, op.kind, result.error.record, personal)
        update["error"] = result.error.model_copy(update={"record": record})
    return result.model_copy(update=update)


def _change(step: Step, change: Change, personal: PersonalFields) -> Change:
    if change.kind not in personal:
        return change
    return change.model_copy(update={"record": _record(step, change.kind, change.record, personal)})


def seal_ops(sealer: Sealer, ops: Sequence[Op], personal: PersonalFields) -> list[Op]:
    return [_op(sealer.seal, op, personal) for op in ops]


def open_ops(opener: Opener, ops: Sequence[Op], personal: PersonalFields) -> list[Op]:
    """The ops with their personal values opened; SealError at the first that does not."""
    return [_op(opener.open, op, personal) for op in ops]


def seal_changes(
    sealer: Sealer, changes: Sequence[Change], personal: PersonalFields
) -> list[Change]:
    return [_change(sealer.seal, change, personal) for change in changes]


def open_changes(
    opener: Opener, changes: Sequence[Change], personal: PersonalFields
) -> list[Change]:
    return [_change(opener.open, change, personal) for change in changes]


def seal_results(
    sealer: Sealer,
    results: Sequence[OpResult],
    ops: Mapping[str, Op],
    personal: PersonalFields,
) -> list[OpResult]:
    """``ops``: the answered ops by op id (a result's kind and record are its op's)."""
    return [_result(sealer.seal, ops.get(r.op_id), r, personal) for r in results]


def open_results(
    opener: Opener,
    results: Sequence[OpResult],
    ops: Mapping[str, Op],
    personal: PersonalFields,
) -> list[OpResult]:
    """Results whose op is not in ``ops`` are left as they are (their caller drops them)."""
    return [_result(opener.open, ops.get(r.op_id), r, personal) for r in results]
