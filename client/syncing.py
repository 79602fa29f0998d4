"""Wiring of one sync round for a home: the store, central's API over httpx, the engine,
and the round's figures kept in the local history. Used by the CLI and the app."""

from __future__ import annotations

from collections.abc import Callable

from client.attachments import Attachments
from client.crypto import Locked
from client.errors import REVOKED_MESSAGE
from client.identity import Identity
from client.link import api_for_identity, transport_for
from client.record_history import keep
from client.store import Store, utcnow
from client.sync_lock import sync_lock
from sync.bundle_sealing import new_key as new_encryption_key
from sync.bundle_sealing import public_b64 as encryption_public_b64
from sync.central_api import CentralAPI
from sync.engine import SyncEngine
from sync.errors import DeviceRevoked, SyncError
from sync.progress import Progress, RoundReport
from sync.protocol import EnrollRequest, EnrollResponse
from sync.protocol_history import HistoryResponse
from sync.signing import new_private_key, public_key_b64
from sync.throttle import ThrottledTransport
from sync.transport import HttpxTransport, Transport, tls_verify

HISTORY_TIMEOUT = 10.0
"""Seconds a history fetch waits for central: a person is looking at the screen (the
kept copy is shown meanwhile)."""


def api_for(store: Store, transport: Transport | None = None) -> CentralAPI:
    return api_for_identity(store.require_identity(), transport)


def enroll(
    store: Store,
    server_url: str,
    code: str,
    *,
    device_name: str = "",
    transport: Transport | None = None,
    ca_bundle: str = "",
    insecure_http: bool = False,
) -> EnrollResponse:
    """Make the key pairs (Ed25519 signs, X25519 opens reply bundles), send their public
    halves with the one-time code, keep the identity (sealed: the store must be unlocked,
    checked before central spends the code)."""
    if store.locked:
        raise Locked()
    key = new_private_key()
    encryption_key = new_encryption_key()
    link = transport or HttpxTransport(
        server_url, verify=tls_verify(ca_bundle), allow_http=insecure_http
    )
    try:
        answer = CentralAPI(link).enroll(
            EnrollRequest(
                code=code,
                public_key=public_key_b64(key),
                encryption_key=encryption_public_b64(encryption_key),
                device_name=device_name,
            )
        )
    finally:
        if transport is None:
            link.close()
    store.save_identity(
        Identity(
            device_id=answer.device_id,
            private_key=key,
            server_url=server_url,
            org_code=answer.org_code,
            org_name=answer.org_name,
            role=answer.role.value,
            scope=answer.scope,
            ca_bundle=ca_bundle,
            insecure_http=insecure_http,
            central_key=answer.central_key,
            encryption_key=encryption_key,
            central_encryption_key=answer.central_encryption_key,
        )
    )
    return answer


def sync_round(
    store: Store,
    *,
    transport: Transport | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    max_kbps: float | None = None,
) -> RoundReport:
    """One full round, kept in the round history whether it succeeds or fails.

    Only one round runs per home at a time (SyncBusy otherwise): the app, a scheduled
    ``sanwu sync`` and ``--watch`` may all be running. ``max_kbps`` caps the average
    bandwidth for a shared line. A device central has revoked stops here, without
    touching the network, from the first refusal on (DeviceRevoked); its local data stays.
    """
    with sync_lock(store.home):
        return _sync_round(store, transport=transport, on_progress=on_progress, max_kbps=max_kbps)


def _sync_round(
    store: Store,
    *,
    transport: Transport | None,
    on_progress: Callable[[Progress], None] | None,
    max_kbps: float | None,
) -> RoundReport:
    if store.revoked_at() is not None:
        raise DeviceRevoked(REVOKED_MESSAGE)
    api = api_for(store, transport)
    if max_kbps:
        api.transport = ThrottledTransport(api.transport, max_kbps)
    engine = SyncEngine(store, api, on_progress=on_progress, attachments=Attachments(store))
    started = utcnow()
    report = RoundReport()
    error = ""
    try:
        report = engine.run_round()
        return report
    except Exception as exc:
        report = engine.report
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, DeviceRevoked):
            store.mark_revoked()
        raise
    finally:
        if transport is None:
            api.transport.close()
        store.record_round(
            {"started_at": started, "finished_at": utcnow(), **report.counts(), "error": error}
        )


def check_reachable(store: Store, *, transport: Transport | None = None) -> bool:
    """Whether central answers its health check now: cheap, unsigned, never raises."""
    identity = store.identity
    if identity is None:
        return False
    try:
        link = transport or transport_for(identity, timeout=5.0)
    except SyncError:
        return False
    try:
        CentralAPI(link, path_prefix=CentralAPI.prefix_of(identity.server_url)).health()
    except (SyncError, OSError):
        return False
    finally:
        if transport is None:
            link.close()
    return True


def fetch_history(
    store: Store, kind: str, record_id: str, *, transport: Transport | None = None
) -> HistoryResponse:
    """Ask central for every version of one record and keep the answer in the store
    (``client.record_history``), so the record's history shows them offline too.
    Raises the sync layer's errors (TransportError when central is unreachable)."""
    if store.revoked_at() is not None:
        raise DeviceRevoked(REVOKED_MESSAGE)
    link = transport or transport_for(store.require_identity(), timeout=HISTORY_TIMEOUT)
    try:
        answer = api_for(store, link).record_history(kind, record_id)
    finally:
        if transport is None:
            link.close()
    keep(store.engine, answer)
    return answer
