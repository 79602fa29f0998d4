"""The link to central of an enrolled device: the transport its identity allows and the
API that signs with its key. Needs only the identity, not the store."""

from __future__ import annotations

from client.crypto import Locked
from client.identity import Identity
from sync.central_api import CentralAPI
from sync.transport import HttpxTransport, Transport, tls_verify

__all__ = ["api_for_identity", "transport_for"]


def transport_for(identity: Identity, *, timeout: float = 30.0) -> HttpxTransport:
    """HTTPS with the identity's CA bundle; plain HTTP only to loopback or when enrolled
    with --insecure-http (refused before connecting otherwise)."""
    return HttpxTransport(
        identity.server_url,
        timeout=timeout,
        verify=tls_verify(identity.ca_bundle),
        allow_http=identity.insecure_http,
    )


def api_for_identity(identity: Identity, transport: Transport | None = None) -> CentralAPI:
    """Central's API for this device: its requests signed with the device's key."""
    if identity.private_key is None:
        raise Locked()
    return CentralAPI(
        transport or transport_for(identity),
        device_id=identity.device_id,
        private_key=identity.private_key,
        path_prefix=CentralAPI.prefix_of(identity.server_url),
    )
