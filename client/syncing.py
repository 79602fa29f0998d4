"""Wiring of one sync round for a home: the store, central's API over httpx, the engine,
and the round's figures kept in the local history. Used by the CLI and the app."""

from __future__ import annotations

from collections.abc import Callable

from client.identity import Identity
from client.store import Store, utcnow
from sync.central_api import CentralAPI
from sync.engine import Progress, RoundReport, SyncEngine
from sync.protocol import EnrollRequest, EnrollResponse
from sync.signing import new_private_key, public_key_b64
from sync.transport import HttpxTransport, Transport


def api_for(store: Store, transport: Transport | None = None) -> CentralAPI:
    identity = store.require_identity()
    return CentralAPI(
        transport or HttpxTransport(identity.server_url),
        device_id=identity.device_id,
        private_key=identity.private_key,
        path_prefix=CentralAPI.prefix_of(identity.server_url),
    )


def enroll(
    store: Store,
    server_url: str,
    code: str,
    *,
    device_name: str = "",
    transport: Transport | None = None,
) -> EnrollResponse:
    """Make a key pair, send its public half with the one-time code, keep the identity."""
    key = new_private_key()
    link = transport or HttpxTransport(server_url)
    try:
        answer = CentralAPI(link).enroll(
            EnrollRequest(code=code, public_key=public_key_b64(key), device_name=device_name)
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
        )
    )
    return answer


def sync_round(
    store: Store,
    *,
    transport: Transport | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> RoundReport:
    """One full round, kept in the round history whether it succeeds or fails."""
    api = api_for(store, transport)
    engine = SyncEngine(store, api, on_progress=on_progress)
    started = utcnow()
    report = RoundReport()
    error = ""
    try:
        report = engine.run_round()
        return report
    except Exception as exc:
        report = engine.report
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if transport is None:
            api.transport.close()
        store.record_round(
            {"started_at": started, "finished_at": utcnow(), **report.counts(), "error": error}
        )
