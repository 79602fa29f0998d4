"""Attachment files (``sync.protocol_attachments``): status, chunked upload, ranged read.

Logs a digest's first 12 characters and sizes, never bytes. The services end
their transactions (a rollback expires the device row), so a route reads the
device's id before calling one.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response

from central import attachments
from central.clock import utcnow
from central.routes.deps import (
    AttachmentReadBody,
    AttachmentStatusBody,
    ChunkBody,
    CurrentDevice,
    Digest,
    SessionDep,
)
from central.routes.negotiation import CompressedRoute
from sync.protocol_attachments import HEADER_SIZE, AttachmentStatus, AttachmentStatusResponse

log = logging.getLogger("central")

router = APIRouter(prefix="/attachments", tags=["attachments"], route_class=CompressedRoute)


@router.post("/status")
def attachments_status(
    req: AttachmentStatusBody, device: CurrentDevice, session: SessionDep
) -> AttachmentStatusResponse:
    """Which of these files central has whole, and where each upload goes on from."""
    device_id = device.id
    result = attachments.status(session, device=device, refs=req.attachments)
    log.info("attachment status device=%s files=%d", device_id, len(req.attachments))
    return result


@router.post("/{digest}")
def attachment_chunk(
    chunk: ChunkBody, device: CurrentDevice, session: SessionDep
) -> AttachmentStatus:
    """One chunk of raw bytes at ``offset`` of the file of ``size`` bytes."""
    device_id = device.id
    result = attachments.append_chunk(
        session,
        device=device,
        digest=chunk.digest,
        offset=chunk.offset,
        size=chunk.size,
        data=chunk.data,
        now=utcnow(),
    )
    log.info(
        "attachment chunk %s device=%s offset=%d bytes=%d size=%d -> %s %d",
        chunk.digest[:12],
        device_id,
        chunk.offset,
        len(chunk.data),
        chunk.size,
        result.state,
        result.received,
    )
    return result


@router.post(
    "/{digest}/read",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def attachment_read(
    digest: Digest, req: AttachmentReadBody, device: CurrentDevice, session: SessionDep
) -> Response:
    """Raw bytes of a whole file from ``offset``; its size in X-Sanwu-Size."""
    # ``digest`` before ``req``: dependencies run in order, so a bad digest is named
    # before the body is parsed (and both after the signature).
    device_id = device.id
    data, size = attachments.read(
        session, device=device, digest=digest, offset=req.offset, length=req.length
    )
    log.info(
        "attachment read %s device=%s offset=%d bytes=%d",
        digest[:12],
        device_id,
        req.offset,
        len(data),
    )
    return Response(
        content=data,
        media_type="application/octet-stream",
        headers={HEADER_SIZE: str(size)},
    )
