"""Errors of the sync engine, each with its entry in the failure table (sync.failures).

    SyncError              (exit 3, back off)   base; never raised itself
     ├── TransportError    (exit 3, back off)   central unreachable, timed out, 5xx
     │    ├── LinkTimeout      (exit 3, back off)   no answer in time: smaller batches next
     │    └── PayloadTooLarge  (exit 3, back off)   413: smaller batches next
     ├── AuthError         (exit 4, stop)       unsigned, bad signature, not enrolled
     │    ├── ScopeError       (exit 4, stop)   a write or read outside the device's scope
     │    ├── ClockSkewError   (exit 4, stop)   the device's clock is outside central's window
     │    └── DeviceRevoked    (exit 4, stop)   central revoked this device: sync stops for good
     ├── SyncBusy          (exit 6, next turn)  another sync of this home is running
     ├── ProtocolError     (exit 5, stop)       central speaks another protocol or sent garbage
     └── InsecureTransportError (exit 2, stop)  plain HTTP to a host that is not loopback:
                                                refused before connecting

Conflicts are data (see sync.protocol.ConflictInfo), never exceptions. No
message here carries personal data: they name fields and ids only.
"""

from __future__ import annotations

from typing import ClassVar

from sync.failures import ExitCode, Failure, Retry

_LINK = Failure(ExitCode.OFFLINE, Retry.BACK_OFF)
_REFUSED = Failure(ExitCode.REFUSED, Retry.NEVER)


class SyncError(Exception):
    """Base of every sync failure."""

    failure: ClassVar[Failure] = _LINK
    code: str = ""
    """Central's error code when central answered with one (``bad_code``, ``revoked``...),
    so a device words it in the person's language; empty otherwise."""


class TransportError(SyncError):
    """The link failed; the same round can be tried again."""

    failure: ClassVar[Failure] = _LINK


class LinkTimeout(TransportError):
    """Central (or the line) did not answer in time."""

    failure: ClassVar[Failure] = _LINK


class PayloadTooLarge(TransportError):
    """Central or a proxy on the way refused the body as too large (413)."""

    failure: ClassVar[Failure] = _LINK


class AuthError(SyncError):
    """Central refused who we are; retrying will not help."""

    failure: ClassVar[Failure] = _REFUSED


class ScopeError(AuthError):
    """Central refused what we asked for as outside our scope."""

    failure: ClassVar[Failure] = _REFUSED


class ClockSkewError(AuthError):
    """The request's time is outside central's window: the device's clock is wrong."""

    failure: ClassVar[Failure] = _REFUSED


class DeviceRevoked(AuthError):
    """Central revoked this device; local data stays, syncing stops."""

    failure: ClassVar[Failure] = _REFUSED


class InsecureTransportError(SyncError):
    """Plain HTTP to a host that is not loopback, without the explicit flag."""

    failure: ClassVar[Failure] = Failure(ExitCode.USAGE, Retry.NEVER)


class SyncBusy(SyncError):
    """Another sync of the same home holds its lock."""

    failure: ClassVar[Failure] = Failure(ExitCode.BUSY, Retry.NEXT_TURN)


class ProtocolError(SyncError):
    """Central's answer does not follow the protocol we speak."""

    failure: ClassVar[Failure] = Failure(ExitCode.PROTOCOL, Retry.NEVER)
