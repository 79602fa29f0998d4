"""What a route asks for, as named types: a route's signature reads as what it needs.

A body is read once (``central.wire.raw_body``, shared through FastAPI's
per-request dependency cache), because the signature covers the bytes as sent
and the parse needs them too. A signed body's dependency asks for the device
first, so a request is authenticated before its body is inflated or parsed:
an unsigned request with a bad body is 401, not 400.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from central import attachments
from central.auth import CurrentDevice
from central.db import SessionDep
from central.settings import CentralSettings
from central.tables import Device
from central.wire import Model, RawBody, SettingsDep, inflate, parse_body
from sync.protocol import HEADER_PROTOCOL, EnrollRequest, PullRequest, PushRequest
from sync.protocol_attachments import (
    CHUNK_MAX_BYTES,
    AttachmentReadRequest,
    AttachmentStatusRequest,
)

__all__ = [
    "AttachmentReadBody",
    "AttachmentStatusBody",
    "Chunk",
    "ChunkBody",
    "CurrentDevice",
    "Digest",
    "EnrollBody",
    "PullBody",
    "PushBody",
    "SessionDep",
    "SettingsDep",
    "body_of",
    "signed_body_of",
]


def body_of(model: type[Model]) -> Callable[[Request, bytes, CentralSettings], Model]:
    """The dependency that gives a route its request body as ``model`` (unsigned)."""

    def parse(request: Request, body: RawBody, settings: SettingsDep) -> Model:
        return parse_body(model, body, request.headers, limit=settings.max_body_bytes)

    return parse


def signed_body_of(
    model: type[Model],
) -> Callable[[Device, Request, bytes, CentralSettings], Model]:
    """``body_of`` for a signed request: the signature is checked before the body is parsed."""
    unsigned = body_of(model)

    def parse(
        _device: CurrentDevice, request: Request, body: RawBody, settings: SettingsDep
    ) -> Model:
        return unsigned(request, body, settings)

    return parse


EnrollBody = Annotated[EnrollRequest, Depends(body_of(EnrollRequest))]
PushBody = Annotated[PushRequest, Depends(signed_body_of(PushRequest))]
PullBody = Annotated[PullRequest, Depends(signed_body_of(PullRequest))]
AttachmentStatusBody = Annotated[
    AttachmentStatusRequest, Depends(signed_body_of(AttachmentStatusRequest))
]
AttachmentReadBody = Annotated[
    AttachmentReadRequest, Depends(signed_body_of(AttachmentReadRequest))
]


def checked_digest(_device: CurrentDevice, digest: str) -> str:
    """The path's attachment digest, checked after the signature and before the body."""
    return attachments.check_digest(digest)


Digest = Annotated[str, Depends(checked_digest)]


@dataclass(frozen=True)
class Chunk:
    """One chunk of an upload: raw bytes (no JSON), their place given in the query."""

    digest: str
    offset: int
    size: int
    data: bytes


def chunk_of(_device: CurrentDevice, digest: str, request: Request, body: RawBody) -> Chunk:
    """A raw-bytes body has no ``protocol`` field: the header alone says it (426)."""
    attachments.check_protocol_header(request.headers.get(HEADER_PROTOCOL))
    attachments.check_digest(digest)
    attachments.check_media_type(request.headers.get("content-type"))
    offset, size = attachments.parse_chunk_query(
        request.query_params.get("offset"), request.query_params.get("size")
    )
    data = inflate(body, request.headers.get("content-encoding"), limit=CHUNK_MAX_BYTES)
    return Chunk(digest=digest, offset=offset, size=size, data=data)


ChunkBody = Annotated[Chunk, Depends(chunk_of)]
