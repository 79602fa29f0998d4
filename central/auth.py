"""Signed requests: who is asking, checked before any route runs.

The device signs method, path, raw query, its clock, a nonce and the SHA-256
of the body exactly as sent (compressed). Central refuses with 401 and one of:
``unsigned``, ``unknown_device``, ``revoked``, ``stale`` (clock skew beyond the
window), ``replayed`` (nonce seen before) or ``bad_signature``. Nonces are
kept for twice the window: long enough that a replay is also inside it.

Everything but the signature is checked from the headers before the body is read
(``claim``): a stranger's request costs central no more than its headers.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from central.wire import CLAIMED, RawBody, SettingsDep
from sync.signing import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIME,
    public_key_from_b64,
    verify,
)

MAX_NONCE_LENGTH = 64
MAX_DEVICE_ID_LENGTH = 64


def _plain(text: str, limit: int) -> bool:
    """Printable ASCII of at most ``limit`` characters: safe as a key in either database."""
    return len(text) <= limit and text.isascii() and text.isprintable()


def claim(session: Session, *, settings: CentralSettings, headers: Mapping[str, str]) -> Device:
    """What the headers alone can tell, before a byte of the body is read: they name an
    enrolled, unrevoked device, a time inside the window and a fresh nonce of sane length.
    The signature (over the body's digest) is ``authenticate``'s, once the body is in."""
    device_id = headers.get(HEADER_DEVICE.lower())
    timestamp = headers.get(HEADER_TIME.lower())
    nonce = headers.get(HEADER_NONCE.lower())
    signature = headers.get(HEADER_SIGNATURE.lower())
    if not (device_id and timestamp and nonce and signature):
        raise AuthFailed("unsigned", "the request is not signed (X-Sanwu-* headers missing)")
    if not _plain(device_id, MAX_DEVICE_ID_LENGTH):
        raise AuthFailed("unknown_device", "this device is not enrolled here: enroll again")
    device = session.get(Device, device_id)
    if device is None:
        raise AuthFailed("unknown_device", "this device is not enrolled here: enroll again")
    if device.revoked_at is not None:
        raise AuthFailed("revoked", "this device was revoked: ask the administrator")
    if not (timestamp.isascii() and timestamp.lstrip("-").isdigit() and len(timestamp) <= 20):
        raise AuthFailed("bad_signature", "X-Sanwu-Time must be Unix seconds")
    skew = int(utcnow().timestamp()) - int(timestamp)
    window = settings.signature_window_s
    if abs(skew) > window:
        raise AuthFailed(
            "stale",
            f"the request's time is {skew:+d} s off central's clock (at most {window} s "
            "allowed): check the device's clock",
        )
    if not _plain(nonce, MAX_NONCE_LENGTH):
        raise AuthFailed("bad_signature", "the nonce is too long or not printable ASCII")
    if session.get(Nonce, (device.id, nonce)) is not None:
        raise AuthFailed("replayed", "this request was already received (nonce reused)")
    return device


def authenticate(
    session: Session,
    *,
    settings: CentralSettings,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    device: Device | None = None,
) -> Device:
    """The device that signed this request; records its nonce and when it was seen.
    ``device`` is what ``claim`` found from the same headers (else it is claimed here)."""
    if device is None:
        device = claim(session, settings=settings, headers=headers)
    timestamp = headers[HEADER_TIME.lower()]
    nonce = headers[HEADER_NONCE.lower()]
    signature = headers[HEADER_SIGNATURE.lower()]
    now = utcnow()
    window = settings.signature_window_s
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


def claimed_device(request: Request, session: SessionDep, settings: SettingsDep) -> Device:
    """FastAPI dependency: the device the headers claim, checked before the body is read
    (``central.wire.raw_body`` then reads up to ``max_body_bytes``, not the unsigned limit)."""
    device = claim(session, settings=settings, headers=request.headers)
    setattr(request.state, CLAIMED, device.id)
    return device


ClaimedDevice = Annotated[Device, Depends(claimed_device)]


def current_device(
    request: Request,
    session: SessionDep,
    claimed: ClaimedDevice,
    body: RawBody,
    settings: SettingsDep,
) -> Device:
    """FastAPI dependency: the signed request's device, or a 401 ErrorBody. ``claimed``
    comes before ``body``: FastAPI resolves them in this order."""
    return authenticate(
        session,
        settings=settings,
        method=request.method,
        path=request.url.path,
        query=request.scope.get("query_string", b"").decode("latin-1"),
        headers=request.headers,
        body=body,
        device=claimed,
    )


CurrentDevice = Annotated[Device, Depends(current_device)]
