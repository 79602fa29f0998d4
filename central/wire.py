"""Bodies in and out: bounded reading, bounded gunzip, protocol check, schema errors by field.

``sync.protocol.decode_json`` would inflate a gzip bomb without limit, so the
request side inflates here with a cap and hands plain bytes to it. Which
encoding a route's answer takes is decided in ``central.routes.negotiation``
alone; refusals (``central.app``) are always gzip.

Memory before identity: a body is read only as far as its sender has earned. A
request whose headers name an enrolled device inside the clock window
(``central.auth.claimed_device`` marks it) may send ``max_body_bytes``; any other
(unsigned, enrollment) at most ``unsigned_body_bytes``. Every body held counts
against one byte budget per process (``BodyBudget``): past it the request is 503
with Retry-After, not more memory. JSON nested deeper than ``MAX_JSON_DEPTH`` is
refused before anything recurses into it.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect

from central.errors import BadRequest, Busy, PayloadTooLarge, ProtocolMismatch
from central.settings import CentralSettings
from sync.compression import BodyError, BodyTooLarge, decompress
from sync.protocol import HEADER_PROTOCOL, PROTOCOL_VERSION, decode_json

Model = TypeVar("Model", bound=BaseModel)


def get_settings(request: Request) -> CentralSettings:
    settings: CentralSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[CentralSettings, Depends(get_settings)]


CLAIMED = "sanwu_claimed_device"
"""``request.state`` key set once the headers name an enrolled, unrevoked device
inside the clock window: only then may its body be read beyond the unsigned limit."""
BUSY_RETRY_AFTER_S = 5
MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects a body may have; the protocol needs under ten."""


class BodyBudget:
    """Bytes of request bodies held at once in this process, and the most it may hold.

    Reservations never wait: a request that would pass the budget is refused (503), so
    many large bodies at once cost a refusal each rather than memory.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self.peak = 0
        self._lock = threading.Lock()

    def reserve(self, size: int) -> bool:
        with self._lock:
            if self.held + size > self.limit:
                return False
            self.held += size
            self.peak = max(self.peak, self.held)
            return True

    def release(self, size: int) -> None:
        with self._lock:
            self.held -= size


def body_limit(request: Request) -> int:
    """How much body this request may send: signed by a known device, or not."""
    settings: CentralSettings = request.app.state.settings
    if getattr(request.state, CLAIMED, None) is not None:
        return settings.max_body_bytes
    return settings.unsigned_body_bytes


def _busy() -> Busy:
    return Busy(
        "busy",
        "central holds as many request bodies as it may at once: send again shortly",
        retry_after_s=BUSY_RETRY_AFTER_S,
    )


async def raw_body(request: Request) -> AsyncIterator[bytes]:
    """The body exactly as received (still compressed): what the signature covers.

    Read at most ``body_limit`` bytes, each counted against the process's BodyBudget
    until the request ends (a dependency with ``yield``: the release comes after).
    """
    limit = body_limit(request)
    budget: BodyBudget = request.app.state.body_budget
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared[:20]) > limit:
        raise PayloadTooLarge("too_large", f"the body is larger than {limit} bytes")
    held = 0
    try:
        body = bytearray()
        try:
            async for chunk in request.stream():
                if len(body) + len(chunk) > limit:
                    raise PayloadTooLarge("too_large", f"the body is larger than {limit} bytes")
                # Each byte counts twice: the body is held once as read and once as the
                # bytes handed on, for a moment both at once.
                if not budget.reserve(2 * len(chunk)):
                    raise _busy()
                held += 2 * len(chunk)
                body += chunk
        except ClientDisconnect:
            # A village line dropped mid-request: routine, nothing was applied; no traceback.
            raise BadRequest(
                "disconnected", "the device went away before its request ended"
            ) from None
        yield bytes(body)
    finally:
        budget.release(held)


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
    data = json_of(plain)
    if not isinstance(data, dict):
        raise BadRequest("invalid", "the body must be a JSON object", status=422)
    protocol = data.get("protocol", PROTOCOL_VERSION)
    if protocol != PROTOCOL_VERSION:
        raise _mismatch(protocol)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc) from None


def json_of(plain: bytes) -> Any:
    """Plain bytes as JSON, refusing nesting beyond MAX_JSON_DEPTH.

    ``json.loads`` guards its own recursion (RecursionError, refused here); what it
    parses is then measured without recursing, before any of our code walks it.
    """
    try:
        data: Any = decode_json(plain, None)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        if "integer string conversion" in str(exc):  # Python's own bound on digits
            raise BadRequest("bad_json", "the body holds a number of thousands of digits") from None
        raise BadRequest("bad_json", "the body is not JSON") from exc
    _check_depth(data)
    return data


def _too_deep() -> BadRequest:
    return BadRequest("too_deep", f"the body nests deeper than {MAX_JSON_DEPTH} levels")


def _check_depth(data: Any) -> None:
    """Iterative (never recursive): the value's nesting against MAX_JSON_DEPTH."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


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
