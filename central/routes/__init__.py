"""Central's HTTP routes, one router per area, gathered under the protocol's ``/v1``.

Each router's routes are ``CompressedRoute``s (``central.routes.negotiation``):
they return their wire model and the route class answers it compressed.
"""

from __future__ import annotations

from fastapi import APIRouter

from central.routes import attachments, findings, history, sync

api_router = APIRouter(prefix="/v1")
api_router.include_router(sync.router)
api_router.include_router(findings.router)
api_router.include_router(history.router)
api_router.include_router(attachments.router)
