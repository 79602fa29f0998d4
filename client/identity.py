"""The device identity and the names of the small sync state kept beside it (the local
``setting`` table, read and written by ``client.store.settings``). The private key
is sealed with the home's data key (``client.crypto``): an identity read without the
key has ``private_key=None``. Plain data: the quick paths read it without the store.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from client.crypto import DataKey, Locked, is_sealed
from models.rules.actors import Actor
from sync.bundle_sealing import private_b64, private_from_b64
from sync.signing import private_key_bytes, private_key_from_bytes

CURSOR = "cursor"
PRIVATE_KEY = "private_key"
REVOKED_AT = "revoked_at"
"""Set when central answered that this device is revoked: sync stops for good."""
CENTRAL_KEY = "central_key"
"""Central's bundle public key, from enrollment (sync by file)."""
ENCRYPTION_KEY = "encryption_key"
"""This device's X25519 private key (sealed like PRIVATE_KEY): opens the personal values
of central's reply bundles (``sync.bundle_sealing``)."""
CENTRAL_ENCRYPTION_KEY = "central_encryption_key"
"""Central's X25519 public key, from enrollment: a bundle's personal values are sealed to it."""
AUDIT_SENT = "audit_sent_id"
"""The last local audit entry central acknowledged (its chain is checked from there)."""
CURSOR_CHECK = "cursor_check"
"""What central said names the change the cursor stands on (``PullResponse.cursor_check``),
sent back with the cursor: a central restored from an older backup is found out by it."""
CURSOR_JOURNAL = "cursor_journal"
"""Where earlier rounds' pulls ended, with their checks: JSON ``[[cursor, check], ...]``,
oldest first. After a restore, the newest one central still holds is where to rewind to."""
JOURNAL_LENGTH = 64


def journal_of(text: str | None) -> list[tuple[int, str]]:
    """The journal kept under CURSOR_JOURNAL (empty when there is none)."""
    return [(int(cursor), str(check)) for cursor, check in json.loads(text or "[]")]


def pulled_settings(
    journal: str | None, cursor: int, check: str | None, *, last_page: bool
) -> dict[str, str]:
    """The settings to write with a pulled page: its cursor, its check ("" for none), and
    when the round's pulls end there, the journal with that point added."""
    out = {CURSOR: str(cursor), CURSOR_CHECK: check or ""}
    points = journal_of(journal)
    if last_page and check and (not points or points[-1][0] < cursor):
        out[CURSOR_JOURNAL] = json.dumps([*points, (cursor, check)][-JOURNAL_LENGTH:])
    return out


@dataclass(frozen=True)
class Identity:
    device_id: str
    private_key: Ed25519PrivateKey | None
    """None while the store is locked."""
    server_url: str
    org_code: str
    org_name: str
    role: str
    scope: str
    ca_bundle: str = ""
    """A CA bundle file for an intranet server's certificate ("" = the system's)."""
    insecure_http: bool = False
    """Plain HTTP to a host that is not loopback, allowed explicitly at enrollment."""
    central_key: str = ""
    """Central's bundle public key (base64): verifies reply bundles ("" = enrolled before)."""
    encryption_key: X25519PrivateKey | None = None
    """This device's bundle encryption key; None while locked, or enrolled before bundles
    were sealed."""
    central_encryption_key: str = ""
    """Central's X25519 public key (base64) a bundle is sealed to ("" = enrolled before)."""

    @property
    def scopes(self) -> tuple[str, ...]:
        """The org-code prefixes this device reaches (a discipline body reaches the units
        assigned to it besides its own: several, comma-separated)."""
        return tuple(prefix for prefix in self.scope.split(",") if prefix)

    def actor(self) -> Actor:
        """This device as the rules both ends apply see it."""
        return Actor(self.role, self.org_code, self.scopes)


def seal_private_key(key: DataKey, raw_b64: str) -> str:
    return key.seal("setting", PRIVATE_KEY, PRIVATE_KEY, raw_b64)


def _encryption_key(stored: str, key: DataKey | None) -> X25519PrivateKey | None:
    if not stored or key is None:
        return None
    return private_from_b64(key.open("setting", ENCRYPTION_KEY, ENCRYPTION_KEY, stored))


def _private_key(stored: str, key: DataKey | None) -> Ed25519PrivateKey | None:
    if is_sealed(stored):
        if key is None:
            return None
        stored = key.open("setting", PRIVATE_KEY, PRIVATE_KEY, stored)
    return private_key_from_bytes(base64.b64decode(stored))


def identity_from_settings(rows: Mapping[str, str], key: DataKey | None) -> Identity | None:
    """The identity the setting rows hold (None: this home is not enrolled)."""
    if "device_id" not in rows:
        return None
    return Identity(
        device_id=rows["device_id"],
        private_key=_private_key(rows[PRIVATE_KEY], key),
        server_url=rows["server_url"],
        org_code=rows["org_code"],
        org_name=rows.get("org_name", ""),
        role=rows["role"],
        scope=rows["scope"],
        ca_bundle=rows.get("ca_bundle", ""),
        insecure_http=rows.get("insecure_http", "") == "1",
        central_key=rows.get(CENTRAL_KEY, ""),
        encryption_key=_encryption_key(rows.get(ENCRYPTION_KEY, ""), key),
        central_encryption_key=rows.get(CENTRAL_ENCRYPTION_KEY, ""),
    )


def identity_settings(identity: Identity, key: DataKey | None) -> dict[str, str]:
    """The setting rows that keep an identity; the private key sealed (the store must be
    unlocked)."""
    if identity.private_key is None or key is None:
        raise Locked()
    raw = base64.b64encode(private_key_bytes(identity.private_key)).decode()
    return {
        "device_id": identity.device_id,
        PRIVATE_KEY: seal_private_key(key, raw),
        "server_url": identity.server_url,
        "org_code": identity.org_code,
        "org_name": identity.org_name,
        "role": identity.role,
        "scope": identity.scope,
        "ca_bundle": identity.ca_bundle,
        "insecure_http": "1" if identity.insecure_http else "",
        CENTRAL_KEY: identity.central_key,
        ENCRYPTION_KEY: (
            ""
            if identity.encryption_key is None
            else key.seal(
                "setting", ENCRYPTION_KEY, ENCRYPTION_KEY, private_b64(identity.encryption_key)
            )
        ),
        CENTRAL_ENCRYPTION_KEY: identity.central_encryption_key,
    }
