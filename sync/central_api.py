"""Central's HTTP API as the client sees it: signs, compresses and maps failures.

Status mapping: 401 -> AuthError (code ``stale`` -> ClockSkewError, ``revoked`` ->
DeviceRevoked), 403 -> ScopeError, 426 -> ProtocolError,
5xx and 413 -> TransportError (retry later), any other non-2xx -> ProtocolError.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ValidationError

from sync.compression import compress, supported
from sync.errors import (
    AuthError,
    ClockSkewError,
    DeviceRevoked,
    LinkTimeout,
    PayloadTooLarge,
    ProtocolError,
    ScopeError,
    SyncError,
    TransportError,
)
from sync.protocol import (
    HEADER_PROTOCOL,
    PROTOCOL_VERSION,
    AuditLink,
    EnrollRequest,
    EnrollResponse,
    HealthResponse,
    Op,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    answering,
    encode,
)
from sync.protocol_attachments import (
    HEADER_SIZE,
    AttachmentReadRequest,
    AttachmentRef,
    AttachmentStatus,
    AttachmentStatusRequest,
    AttachmentStatusResponse,
)
from sync.protocol_history import HistoryResponse
from sync.signing import sign_headers
from sync.transport import Response, Transport

M = TypeVar("M", bound=BaseModel)

_BASE_HEADERS = {
    "Content-Type": "application/json",
    "Content-Encoding": "gzip",
    "Accept-Encoding": ", ".join(supported()),
    HEADER_PROTOCOL: str(PROTOCOL_VERSION),
}


def _error_text(response: Response) -> tuple[str, str]:
    try:
        body = json.loads(response.body)
        return str(body.get("code", "")), str(body.get("message", ""))
    except (ValueError, AttributeError):
        return "", ""


def _check(response: Response) -> None:
    if 200 <= response.status < 300:
        return
    code, message = _error_text(response)
    detail = f"HTTP {response.status} {code}: {message}".strip()
    error: SyncError
    if response.status == 401:
        if code == "stale":
            error = ClockSkewError(detail)
        elif code == "revoked":
            error = DeviceRevoked(detail)
        else:
            error = AuthError(detail)
    elif response.status == 403:
        error = ScopeError(detail)
    elif response.status == 413:
        error = PayloadTooLarge(detail)
    elif response.status == 408:
        error = LinkTimeout(detail)
    elif response.status >= 500 or response.status == 429:
        error = TransportError(detail)
    else:
        error = ProtocolError(detail)
    error.code = code
    raise error


def _parse(response: Response, model: type[M], context: dict[str, Any] | None = None) -> M:
    _check(response)
    try:
        return model.model_validate_json(response.body, context=context)
    except ValidationError as exc:
        raise ProtocolError(f"central's answer is not a {model.__name__}") from exc


class CentralAPI:
    """One device talking to one central."""

    def __init__(
        self,
        transport: Transport,
        *,
        device_id: str = "",
        private_key: Ed25519PrivateKey | None = None,
        path_prefix: str = "",
    ) -> None:
        self.transport = transport
        self.device_id = device_id
        self.private_key = private_key
        self.path_prefix = path_prefix.rstrip("/")
        self.encoding = supported()[0]
        """How request bodies are compressed; falls back to gzip once central says 415."""

    @classmethod
    def prefix_of(cls, server_url: str) -> str:
        """The path part of a server URL, which every signed path must include."""
        return urlsplit(server_url).path.rstrip("/")

    def _signed_post(self, path: str, model: BaseModel) -> Response:
        """Send ``model`` signed, in the best encoding central takes: zstd first, and
        gzip from then on when central answers 415 (a build without zstd)."""
        if self.private_key is None or not self.device_id:
            raise AuthError("this device is not enrolled")
        full_path = f"{self.path_prefix}{path}"
        raw = model.model_dump_json().encode("utf-8")
        while True:
            body = compress(raw, self.encoding)
            headers = {**_BASE_HEADERS, "Content-Encoding": self.encoding}
            headers.update(
                sign_headers(self.private_key, self.device_id, "POST", full_path, "", body)
            )
            response = self.transport.post(path, body, headers)
            if response.status != 415 or self.encoding == "gzip":
                return response
            self.encoding = "gzip"

    def health(self) -> HealthResponse:
        return _parse(self.transport.get("/v1/health"), HealthResponse)

    def enroll(self, request: EnrollRequest) -> EnrollResponse:
        return _parse(
            self.transport.post("/v1/enroll", encode(request), _BASE_HEADERS), EnrollResponse
        )

    def push(self, ops: list[Op], *, audit: list[AuditLink] | None = None) -> PushResponse:
        request = PushRequest(ops=ops, audit=audit or [])
        # The answer's results follow the ops one for one (their op ids left out).
        answer = _parse(self._signed_post("/v1/push", request), PushResponse, answering(ops))
        if {r.op_id for r in answer.results} != {op.op_id for op in ops}:
            raise ProtocolError("central answered for other ops than those pushed")
        return answer

    def pull(self, after: int, limit: int, check: str | None = None) -> PullResponse:
        request = PullRequest(after=after, limit=limit, after_check=check)
        return _parse(self._signed_post("/v1/pull", request), PullResponse)

    def record_history(self, kind: str, record_id: str) -> HistoryResponse:
        """Every version central holds of one record in this device's reach (signed GET;
        a record out of reach is answered as missing: ProtocolError, HTTP 404)."""
        if self.private_key is None or not self.device_id:
            raise AuthError("this device is not enrolled")
        path = f"/v1/records/{quote(kind, safe='')}/{quote(record_id, safe='')}/history"
        headers = {
            "Accept-Encoding": ", ".join(supported()),
            HEADER_PROTOCOL: str(PROTOCOL_VERSION),
            **sign_headers(
                self.private_key, self.device_id, "GET", f"{self.path_prefix}{path}", "", b""
            ),
        }
        answer = _parse(self.transport.get(path, headers), HistoryResponse)
        if answer.kind != kind or answer.record_id != record_id:
            raise ProtocolError("central answered for another record than the one asked")
        return answer

    # ---- attachments (sync.protocol_attachments) ---------------------------------------

    def _signed_raw(self, path: str, query: str, body: bytes, content_type: str) -> Response:
        """A signed POST of bytes sent as they are (photos do not compress)."""
        if self.private_key is None or not self.device_id:
            raise AuthError("this device is not enrolled")
        full_path = f"{self.path_prefix}{path}"
        headers = {
            "Content-Type": content_type,
            "Accept-Encoding": ", ".join(supported()),
            HEADER_PROTOCOL: str(PROTOCOL_VERSION),
        }
        headers.update(
            sign_headers(self.private_key, self.device_id, "POST", full_path, query, body)
        )
        return self.transport.post(f"{path}?{query}" if query else path, body, headers)

    def attachment_status(self, refs: list[AttachmentRef]) -> list[AttachmentStatus]:
        """Which of these files central has whole, and from where to go on with the others."""
        request = AttachmentStatusRequest(attachments=refs)
        answer = _parse(
            self._signed_post("/v1/attachments/status", request), AttachmentStatusResponse
        )
        if {s.digest for s in answer.attachments} != {r.digest for r in refs}:
            raise ProtocolError("central answered for other attachments than those asked")
        return answer.attachments

    def upload_chunk(self, digest: str, offset: int, size: int, data: bytes) -> AttachmentStatus:
        """Send ``data`` as the bytes of the file from ``offset``; central answers how much
        of it it now holds (possibly not what was sent, after a cut: go on from there)."""
        response = self._signed_raw(
            f"/v1/attachments/{digest}",
            f"offset={offset}&size={size}",
            data,
            "application/octet-stream",
        )
        status = _parse(response, AttachmentStatus)
        if status.digest != digest:
            raise ProtocolError("central answered for another attachment")
        return status

    def read_attachment(self, digest: str, offset: int, length: int) -> tuple[bytes, int]:
        """Up to ``length`` bytes of the file from ``offset``, and the file's whole size."""
        request = AttachmentReadRequest(offset=offset, length=length)
        response = self._signed_post(f"/v1/attachments/{digest}/read", request)
        _check(response)
        try:
            size = int(response.headers.get(HEADER_SIZE, ""))
        except ValueError:
            raise ProtocolError(f"central's answer has no {HEADER_SIZE}") from None
        if len(response.body) > length or offset + len(response.body) > size:
            raise ProtocolError("central sent more of the attachment than asked")
        return response.body, size
