"""Sync by file: a signed, compressed bundle carried on a USB stick (pure, bytes only).

Layout::

    b"SANWU-BUNDLE 1\\n"                 the magic line
    b"<type> <encoding> <device_id>\\n"  the header line (ASCII)
    64 bytes                             Ed25519 signature
    the payload                          JSON, compressed with <encoding> (zstd or gzip)
                                         (ops, changes, results: compact rows, sync.rows)

Attachment files travel inside the payload, base64 (``BundleFile``): an ops bundle
carries the files its records name that central may lack, and the digests the
village asked for; the reply says which files central now holds and carries the
ones asked for.

The signature covers the magic line, the header line and the compressed payload, so
a flipped byte anywhere is refused. A device signs its ``ops`` bundle with its own
key; central signs the ``reply`` with a key derived from its secret. Nothing of a
bundle is decompressed or parsed before its signature is verified (``open_bundle``);
the header line only names the device whose key to verify with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.limits import BIG_INT_MAX
from sync.compression import BodyError, BodyTooLarge, compress, decompress, supported
from sync.protocol import (
    DECODE_LIMIT,
    PROTOCOL_VERSION,
    AuditRows,
    ChangeRows,
    OpRows,
    ResultRows,
)
from sync.protocol_attachments import DIGEST_PATTERN

MAGIC = b"SANWU-BUNDLE 1\n"
SIGNATURE_BYTES = 64
MAX_HEADER_LINE = 200
BundleType = Literal["ops", "reply"]
SIGNING_INFO = b"sanwu bundle signing"


class BundleError(ValueError):
    """Not a bundle, truncated, tampered with, or signed by another key."""


BUNDLE_FILE_BYTES = 128 * 1024 * 1024
"""The most attachment bytes one bundle carries (inside DECODE_LIMIT once in base64);
files beyond wait for the next bundle."""


class BundleFile(BaseModel):
    """One attachment, whole; the receiver checks its bytes against the digest."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    digest: str = Field(pattern=DIGEST_PATTERN)
    data: bytes


class OpsBundle(BaseModel):
    """A device's pending ops and unacknowledged audit links, for central."""

    type: Literal["ops"] = "ops"
    protocol: int = PROTOCOL_VERSION
    device_id: str
    created_at: str
    cursor: int = Field(ge=0, le=BIG_INT_MAX)
    """The device's pull cursor: the reply carries every change after it."""
    ops: OpRows = Field(default_factory=list)
    audit: AuditRows = Field(default_factory=list)
    files: list[BundleFile] = Field(default_factory=list)
    """Files the ops' records name that central may lack."""
    wanted: list[str] = Field(default_factory=list)
    """Digests of files the village asked for: the reply carries those central has."""


class ReplyBundle(BaseModel):
    """Central's answer to an ops bundle: the op results and the changes after its cursor."""

    type: Literal["reply"] = "reply"
    protocol: int = PROTOCOL_VERSION
    device_id: str
    created_at: str
    results: ResultRows = Field(default_factory=list)
    audit_last: int = 0
    """The last audit entry central checked (0: none): the device acknowledges up to it."""
    changes: ChangeRows = Field(default_factory=list)
    cursor: int
    files_stored: list[str] = Field(default_factory=list)
    """Digests of the bundle's files central now holds whole (the device stops sending them)."""
    files: list[BundleFile] = Field(default_factory=list)
    """Files the bundle asked for, as far as central has them and the device may see them."""


@dataclass(frozen=True)
class BundleHeader:
    type: BundleType
    encoding: str
    device_id: str


def derive_signing_key(secret: bytes) -> Ed25519PrivateKey:
    """Central's bundle key, derived from its secret (the same secret, the same key)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SIGNING_INFO).derive(secret)
    return Ed25519PrivateKey.from_private_bytes(raw)


def _write(
    key: Ed25519PrivateKey, kind: BundleType, device_id: str, model: BaseModel, encoding: str
) -> bytes:
    if not device_id.isascii() or not device_id or any(ch.isspace() for ch in device_id):
        raise ValueError("the device id must be non-empty ASCII without spaces")
    header = f"{kind} {encoding} {device_id}\n".encode("ascii")
    payload = compress(model.model_dump_json().encode("utf-8"), encoding)
    signature = key.sign(MAGIC + header + payload)
    return MAGIC + header + signature + payload


def write_ops_bundle(key: Ed25519PrivateKey, bundle: OpsBundle, *, encoding: str = "") -> bytes:
    return _write(key, "ops", bundle.device_id, bundle, encoding or supported()[0])


def write_reply_bundle(
    key: Ed25519PrivateKey, bundle: ReplyBundle, *, encoding: str = "gzip"
) -> bytes:
    """gzip by default: the device that reads it may lack zstd."""
    return _write(key, "reply", bundle.device_id, bundle, encoding)


def read_bundle(data: bytes) -> tuple[BundleHeader, bytes, bytes, bytes]:
    """Split a bundle: (header, signed bytes, signature, compressed payload). Checks the
    framing only; nothing here is to be trusted before ``verify``."""
    if not data.startswith(MAGIC):
        raise BundleError("not a Sanwu bundle (or of another version)")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER_LINE)
    if end < 0:
        raise BundleError("the bundle's header is missing or damaged")
    try:
        kind, encoding, device_id = data[len(MAGIC) : end].decode("ascii").split(" ")
    except (UnicodeDecodeError, ValueError):
        raise BundleError("the bundle's header is damaged") from None
    if kind not in ("ops", "reply") or encoding not in ("zstd", "gzip") or not device_id:
        raise BundleError("the bundle's header is damaged")
    start = end + 1
    signature = data[start : start + SIGNATURE_BYTES]
    payload = data[start + SIGNATURE_BYTES :]
    if len(signature) != SIGNATURE_BYTES or not payload:
        raise BundleError("the bundle is truncated")
    header = BundleHeader("ops" if kind == "ops" else "reply", encoding, device_id)
    return header, data[:start] + payload, signature, payload


def verify(public_key: Ed25519PublicKey, signed: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, signed)
    except InvalidSignature:
        return False
    return True


M = TypeVar("M", OpsBundle, ReplyBundle)


def _open(public_key: Ed25519PublicKey, data: bytes, kind: BundleType, model: type[M]) -> M:
    """Check the framing, then the signature, and only then decompress and parse."""
    header, signed, signature, payload = read_bundle(data)
    noun = "bundle" if kind == "ops" else "reply"
    if header.type != kind:
        raise BundleError(f"expected a bundle of {kind}, got one of {header.type}")
    if not verify(public_key, signed, signature):
        raise BundleError("the bundle's signature does not verify: tampered with or another key")
    try:
        raw = decompress(payload, header.encoding, limit=DECODE_LIMIT)
    except (BodyError, BodyTooLarge, LookupError) as exc:
        raise BundleError(f"the bundle's payload cannot be read: {exc}") from None
    try:
        bundle = model.model_validate_json(raw)
    except ValidationError as exc:
        raise BundleError(
            f"the {noun}'s content is malformed ({exc.error_count()} errors)"
        ) from None
    if bundle.device_id != header.device_id:
        raise BundleError(f"the {noun}'s header and content name different devices")
    return bundle


def open_ops_bundle(public_key: Ed25519PublicKey, data: bytes) -> OpsBundle:
    """Verify, then parse (BundleError when anything is wrong; ProtocolMismatch is the
    caller's check on ``protocol``)."""
    return _open(public_key, data, "ops", OpsBundle)


def open_reply_bundle(public_key: Ed25519PublicKey, data: bytes) -> ReplyBundle:
    return _open(public_key, data, "reply", ReplyBundle)
