"""Sync (``sync.protocol``): health and enrollment, unsigned; push and pull, signed."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from central.clock import utcnow
from central.enrollment import enroll
from central.findings import check_audit
from central.pull import pull
from central.push import push
from central.routes.deps import (
    CurrentDevice,
    EnrollBody,
    PullBody,
    PushBody,
    SessionDep,
    SettingsDep,
)
from central.routes.negotiation import CompressedRoute
from models.kinds import timestamp_to_wire
from sync.protocol import EnrollResponse, HealthResponse, PullResponse, PushResponse

log = logging.getLogger("central")

router = APIRouter(prefix="", tags=["sync"], route_class=CompressedRoute)


@router.get("/health")
def health() -> HealthResponse:
    """Unsigned: is central up, which protocol, what time it thinks it is."""
    return HealthResponse(server_time=timestamp_to_wire(utcnow()) or "")


@router.post("/enroll")
def enroll_device(req: EnrollBody, session: SessionDep, settings: SettingsDep) -> EnrollResponse:
    """Unsigned: the one-time code is the proof."""
    return enroll(session, req, utcnow(), secret=settings.central_secret)


@router.post("/push")
def push_ops(
    req: PushBody, device: CurrentDevice, session: SessionDep, settings: SettingsDep
) -> PushResponse:
    now = utcnow()
    results = push(session, device=device, ops=req.ops, now=now, secret=settings.central_secret)
    # The ops are applied whatever the audit chain shows; a break becomes a finding.
    found = check_audit(session, device=device, links=req.audit, now=now)
    log.info("push device=%s ops=%d audit=%d", device.id, len(req.ops), len(req.audit))
    if found:
        log.warning("audit chain of device %s: %d finding(s)", device.id, len(found))
    return PushResponse(results=results)


@router.post("/pull")
def pull_changes(
    req: PullBody, device: CurrentDevice, session: SessionDep, settings: SettingsDep
) -> PullResponse:
    limit = settings.pull_page_default if req.limit <= 0 else req.limit
    return pull(
        session,
        device=device,
        after=req.after,  # 0 to BIG_INT_MAX: bounded by the protocol (sync.protocol)
        limit=min(limit, settings.pull_page_max),
        after_check=req.after_check,
    )
