"""Findings for supervisors and town staff; ``central.findings`` decides who may see them."""

from __future__ import annotations

from fastapi import APIRouter

from central.findings import (
    AuditFindingsResponse,
    DuplicatePaymentsResponse,
    audit_findings,
    duplicate_payments,
)
from central.routes.deps import CurrentDevice, SessionDep
from central.routes.negotiation import CompressedRoute

router = APIRouter(prefix="/findings", tags=["findings"], route_class=CompressedRoute)


@router.get("/duplicate-payments")
def findings_duplicate_payments(
    device: CurrentDevice, session: SessionDep
) -> DuplicatePaymentsResponse:
    """Supervisors and town staff: the same person paid twice for one subsidy and
    period (matched by keyed hash, shown masked)."""
    return duplicate_payments(session, device=device)


@router.get("/audit")
def findings_audit(device: CurrentDevice, session: SessionDep) -> AuditFindingsResponse:
    """Supervisors and town staff: devices whose audit chain had a gap or an edit."""
    return audit_findings(session, device=device)
