"""Bodies in and out: bounded reading, bounded gunzip, protocol check, schema errors by field.

``sync.protocol.decode_json`` would inflate a gzip bomb without limit, so the
request side inflates here with a cap and hands plain bytes to it. Which
encoding a route's answer takes is decided in ``central.routes.negotiation``
alone; refusals (``central.app``) are always gzip.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect

from central.errors import BadRequest, PayloadTooLarge, ProtocolMismatch
from central.settings import CentralSettings
from sync.compression import BodyError, BodyTooLarge, decompress
from sync.protocol import HEADER_PROTOCOL, PROTOCOL_VERSION, decode_json

Model = TypeVar("Model", bound=BaseModel)


def get_settings(request: Request) -> CentralSettings:
    settings: CentralSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[CentralSettings, Depends(get_settings)]


async def raw_body(request: Request) -> bytes:
    """The body exactly as received (still compressed): what the signature covers."""
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("too_large", f"the body is larger than {limit} bytes")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise PayloadTooLarge("too_large", f"the body is larger than {limit} bytes")
    except ClientDisconnect:
        # A village line dropped mid-request: routine, nothing was applied; no traceback.
        raise BadRequest("disconnected", "the device went away before its request ended") from None
    return bytes(body)


RawBody = Annotated[bytes, Depends(raw_body)]


def inflate(body: bytes, content_encoding: str | None, *, limit: int) -> bytes:
    """Undo Content-Encoding (gzip or zstd) without ever holding more than ``limit`` bytes."""
    try:
        return decompress(body, content_encoding, limit=limit)
    except LookupError:
        encoding = (content_encoding or "").strip().lower()
        raise BadRequest(
            "bad_encoding", f"unsupported Content-Encoding {encoding!r}", status=415
        ) from None
    except BodyTooLarge as exc:
        raise PayloadTooLarge("too_large", str(exc)) from None
    except BodyError as exc:
        raise BadRequest("bad_body", str(exc)) from None


def parse_body(model: type[Model], body: bytes, headers: Headers, *, limit: int) -> Model:
    """A request body as ``model``; 426 for another protocol version, 400/422 naming the field."""
    header = headers.get(HEADER_PROTOCOL)
    if header is not None and header.strip() != str(PROTOCOL_VERSION):
        raise _mismatch(header)
    plain = inflate(body, headers.get("content-encoding"), limit=limit)
    try:
        data: Any = decode_json(plain, None)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("bad_json", "the body is not JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("invalid", "the body must be a JSON object", status=422)
    protocol = data.get("protocol", PROTOCOL_VERSION)
    if protocol != PROTOCOL_VERSION:
        raise _mismatch(protocol)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc) from None


def _mismatch(got: object) -> ProtocolMismatch:
    return ProtocolMismatch(
        "protocol",
        f"central speaks protocol {PROTOCOL_VERSION}, the request says {str(got)[:20]}: "
        "update the client",
    )


def from_validation_error(exc: ValidationError | Any) -> BadRequest:
    """The first schema error, naming the field and never echoing the value."""
    errors = exc.errors(include_input=False) if isinstance(exc, ValidationError) else exc.errors()
    if not errors:
        return BadRequest("invalid", "the body does not match the schema", status=422)
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if part != "body"]
    inner = (first.get("ctx") or {}).get("path") if first.get("type") == "compact_rows" else None
    if inner:  # where in a batch of compact rows (sync.rows)
        loc.append(str(inner))
    field = ".".join(loc) or None
    message = f"{field or 'body'}: {first.get('msg', 'invalid')}"
    return BadRequest("invalid", message, field=field, status=422)


def compressed_json(body: bytes, *, encoding: str, status_code: int = 200) -> Response:
    """An already compressed JSON body with the headers a client decodes it by."""
    return Response(
        content=body,
        status_code=status_code,
        media_type="application/json",
        headers={"Content-Encoding": encoding},
    )
