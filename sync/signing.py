"""Request signing with the device's Ed25519 key, shared by the client and central.

The signed text is, one per line: method, path, query string, timestamp
(Unix seconds), nonce, and the hex SHA-256 of the body exactly as sent
(compressed bytes). Central recomputes it from what it received, so a body,
path or query changed on the way breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

HEADER_DEVICE = "X-Sanwu-Device"
HEADER_TIME = "X-Sanwu-Time"
HEADER_NONCE = "X-Sanwu-Nonce"
HEADER_SIGNATURE = "X-Sanwu-Signature"


def signed_text(
    method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes
) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((method.upper(), path, query, timestamp, nonce, digest)).encode("utf-8")


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def private_key_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """Raises ValueError when the text is not a raw Ed25519 public key."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise ValueError("public key is not base64") from exc
    if len(raw) != 32:
        raise ValueError("public key is not 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def sign_headers(
    key: Ed25519PrivateKey,
    device_id: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    *,
    now: float | None = None,
) -> dict[str, str]:
    """The headers that make a request signed."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    signature = key.sign(signed_text(method, path, query, timestamp, nonce, body))
    return {
        HEADER_DEVICE: device_id,
        HEADER_TIME: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }


def verify(
    public_key: Ed25519PublicKey,
    signature_b64: str,
    method: str,
    path: str,
    query: str,
    timestamp: str,
    nonce: str,
    body: bytes,
) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, signed_text(method, path, query, timestamp, nonce, body))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
