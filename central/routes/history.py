"""A record's history, read within the device's scope."""

from __future__ import annotations

from fastapi import APIRouter

from central.history import HistoryResponse, history
from central.routes.deps import CurrentDevice, SessionDep
from central.routes.negotiation import CompressedRoute

router = APIRouter(prefix="/records", tags=["history"], route_class=CompressedRoute)


@router.get("/{kind}/{record_id}/history")
def record_history(
    kind: str, record_id: str, device: CurrentDevice, session: SessionDep
) -> HistoryResponse:
    """Every version of a record (who, when, what), personal values masked."""
    return history(session, device=device, kind=kind, record_id=record_id)
