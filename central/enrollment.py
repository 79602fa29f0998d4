"""Enrollment: an admin makes a one-time code for a unit and role; a device trades it,
with its Ed25519 public key (and its X25519 one, for sealed bundles), for an identity
and central's public keys. Only the code's SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from central.assignments import scope_for
from central.bundles import central_encryption_key, central_key
from central.clock import utcnow
from central.errors import AuthFailed, BadRequest, NotFound
from central.tables import Device, EnrollCode, OrgUnitRow
from models.ids import new_id
from models.orgs import scope_prefix
from sync.bundle_sealing import public_from_b64
from sync.protocol import EnrollRequest, EnrollResponse, Role
from sync.signing import public_key_from_b64

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: codes are read aloud over the phone and typed by hand."""
GROUPS = 3
GROUP_LENGTH = 4


def _canonical(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def code_hash(code: str) -> str:
    """The stored form of a code: spaces, dashes and case do not matter."""
    return hashlib.sha256(_canonical(code).encode("ascii")).hexdigest()


def make_enroll_code(
    session: Session, *, unit: str, role: Role | str, ttl_s: int, now: datetime | None = None
) -> str:
    """A new one-time code like ``K7QH-MZ3R-XW2P`` for ``role`` at ``unit``; commits."""
    if session.get(OrgUnitRow, unit) is None:
        raise NotFound("unknown_unit", f"no org unit {unit} (run `central init` first?)")
    try:
        role = Role(role)
        scope_prefix(unit, role.value)
    except ValueError as exc:
        raise BadRequest("role_mismatch", str(exc), field="role", status=422) from None
    if ttl_s <= 0:
        raise BadRequest("invalid", "ttl_s must be positive", field="ttl_s", status=422)
    now = now or utcnow()
    code = "-".join(
        "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)
    )
    session.add(
        EnrollCode(
            code_hash=code_hash(code),
            org_code=unit,
            role=role.value,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_s),
        )
    )
    session.commit()
    return code


def enroll(
    session: Session, req: EnrollRequest, now: datetime, *, secret: str | None = None
) -> EnrollResponse:
    """Trade a valid, unused, unexpired code for a device identity; commits."""
    hashed = code_hash(req.code)
    row = session.get(EnrollCode, hashed)
    if row is None:
        raise AuthFailed("bad_code", "unknown enrollment code (check for typing mistakes)")
    if row.used_at is not None:
        raise AuthFailed("code_used", "this enrollment code was already used: ask for a new one")
    if row.expires_at <= now:
        raise AuthFailed("code_expired", "this enrollment code has expired: ask for a new one")
    try:
        public_key_from_b64(req.public_key)
    except ValueError as exc:
        raise BadRequest("invalid", str(exc), field="public_key", status=422) from None
    if req.encryption_key:
        try:
            public_from_b64(req.encryption_key)
        except ValueError as exc:
            raise BadRequest("invalid", str(exc), field="encryption_key", status=422) from None
    unit = session.get(OrgUnitRow, row.org_code)
    if unit is None:
        raise NotFound("unknown_unit", f"no org unit {row.org_code}")
    role = Role(row.role)
    device = Device(
        id=new_id(),
        public_key=req.public_key,
        encryption_key=req.encryption_key or None,
        org_code=unit.code,
        role=role.value,
        scope=scope_for(session, unit.code, role.value),
        name=req.device_name.strip()[:100],
        enrolled_at=now,
    )
    # Single use even when two devices race with the same code.
    claimed = session.execute(
        update(EnrollCode)
        .where(col(EnrollCode.code_hash) == hashed, col(EnrollCode.used_at).is_(None))
        .values(used_at=now, used_by_device=device.id)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        session.rollback()
        raise AuthFailed("code_used", "this enrollment code was already used: ask for a new one")
    session.add(device)
    bundle_key = central_key(session, secret)
    sealing_key = central_encryption_key(session)
    session.commit()
    return EnrollResponse(
        device_id=device.id,
        org_code=unit.code,
        org_name=unit.name,
        role=role,
        scope=device.scope,
        central_key=bundle_key,
        central_encryption_key=sealing_key,
    )


def revoke(session: Session, device_id: str, *, now: datetime | None = None) -> None:
    """Refuse every later request of the device; its past changes stay. Commits."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("unknown_device", f"no device {device_id}")
    if device.revoked_at is None:
        device.revoked_at = now or utcnow()
        session.commit()
