"""Errors of the sync engine.

    SyncError
     ├── TransportError     central unreachable, timed out, 5xx: retry later (CLI exit 3)
     │    ├── LinkTimeout       no answer in time: the next round sends smaller batches
     │    └── PayloadTooLarge   413: the next round sends smaller batches
     ├── AuthError          unsigned, bad signature, revoked, not enrolled: stop (CLI exit 4)
     │    ├── ScopeError    a write or read outside the device's scope: stop (CLI exit 4)
     │    ├── ClockSkewError    the device's clock is outside central's window (401 stale)
     │    └── DeviceRevoked     central revoked this device (401 revoked): sync stops for good
     ├── SyncBusy           another sync of this home is running: skip this turn (CLI exit 6)
     ├── ProtocolError      central speaks another protocol version or sent garbage: stop
     └── InsecureTransportError  plain HTTP to a host that is not loopback: refused before
                                 connecting (CLI exit 2)

Conflicts are data (see sync.protocol.ConflictInfo), never exceptions. No
message here carries personal data: they name fields and ids only.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every sync failure."""


class TransportError(SyncError):
    """The link failed; the same round can be tried again."""


class LinkTimeout(TransportError):
    """Central (or the line) did not answer in time."""


class PayloadTooLarge(TransportError):
    """Central or a proxy on the way refused the body as too large (413)."""


class AuthError(SyncError):
    """Central refused who we are; retrying will not help."""


class ScopeError(AuthError):
    """Central refused what we asked for as outside our scope."""


class ClockSkewError(AuthError):
    """The request's time is outside central's window: the device's clock is wrong."""


class DeviceRevoked(AuthError):
    """Central revoked this device; local data stays, syncing stops."""


class InsecureTransportError(SyncError):
    """Plain HTTP to a host that is not loopback, without the explicit flag."""


class SyncBusy(SyncError):
    """Another sync of the same home holds its lock."""


class ProtocolError(SyncError):
    """Central's answer does not follow the protocol we speak."""


class NotEnrolledError(AuthError):
    """This home has no device identity yet: run ``sanwu enroll``."""
