"""Signed requests: who is asking, checked before any route runs.

The device signs method, path, raw query, its clock, a nonce and the SHA-256
of the body exactly as sent (compressed). Central refuses with 401 and one of:
``unsigned``, ``unknown_device``, ``revoked``, ``stale`` (clock skew beyond the
window), ``replayed`` (nonce seen before) or ``bad_signature``. Nonces are
kept for twice the window: long enough that a replay is also inside it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from central.clock import utcnow
from central.db import SessionDep
from central.errors import AuthFailed
from central.settings import CentralSettings
from central.tables import Device, Nonce
from central.wire import RawBody, SettingsDep
from sync.protocol import HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME
from sync.signing import public_key_from_b64, verify

MAX_NONCE_LENGTH = 64


def authenticate(
    session: Session,
    *,
    settings: CentralSettings,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
) -> Device:
    """The device that signed this request; records its nonce and when it was seen."""
    device_id = headers.get(HEADER_DEVICE.lower())
    timestamp = headers.get(HEADER_TIME.lower())
    nonce = headers.get(HEADER_NONCE.lower())
    signature = headers.get(HEADER_SIGNATURE.lower())
    if not (device_id and timestamp and nonce and signature):
        raise AuthFailed("unsigned", "the request is not signed (X-Sanwu-* headers missing)")
    device = session.get(Device, device_id)
    if device is None:
        raise AuthFailed("unknown_device", "this device is not enrolled here: enroll again")
    if device.revoked_at is not None:
        raise AuthFailed("revoked", "this device was revoked: ask the administrator")
    now = utcnow()
    try:
        sent = int(timestamp)
    except ValueError:
        raise AuthFailed("bad_signature", "X-Sanwu-Time must be Unix seconds") from None
    skew = int(now.timestamp()) - sent
    window = settings.signature_window_s
    if abs(skew) > window:
        raise AuthFailed(
            "stale",
            f"the request's time is {skew:+d} s off central's clock (at most {window} s "
            "allowed): check the device's clock",
        )
    if len(nonce) > MAX_NONCE_LENGTH:
        raise AuthFailed("bad_signature", "the nonce is too long")
    try:
        public_key = public_key_from_b64(device.public_key)
    except ValueError:
        raise AuthFailed("bad_signature", "the device's key is unusable: enroll again") from None
    if not verify(public_key, signature, method, path, query, timestamp, nonce, body):
        raise AuthFailed("bad_signature", "the signature does not match the request")
    session.exec(delete(Nonce).where(col(Nonce.seen_at) < now - timedelta(seconds=2 * window)))
    if session.get(Nonce, (device.id, nonce)) is not None:
        session.rollback()
        raise AuthFailed("replayed", "this request was already received (nonce reused)")
    session.add(Nonce(device_id=device.id, nonce=nonce, seen_at=now))
    device.last_seen_at = now
    try:
        session.commit()
    except IntegrityError:  # the same request twice at the same moment
        session.rollback()
        raise AuthFailed("replayed", "this request was already received (nonce reused)") from None
    return device


def current_device(
    request: Request, session: SessionDep, body: RawBody, settings: SettingsDep
) -> Device:
    """FastAPI dependency: the signed request's device, or a 401 ErrorBody."""
    return authenticate(
        session,
        settings=settings,
        method=request.method,
        path=request.url.path,
        query=request.scope.get("query_string", b"").decode("latin-1"),
        headers=dict(request.headers),
        body=body,
    )


CurrentDevice = Annotated[Device, Depends(current_device)]
