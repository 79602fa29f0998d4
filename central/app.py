"""The HTTP face of central: thin typed routes over the services, one error handler.

Every body is gzip JSON in both directions (``sync.protocol``). Routes parse,
call one service function and answer; services raise ``central.errors`` and
``_central_error`` turns them into an ErrorBody. No message carries a
personal value, and nothing here logs record contents.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from central import attachments
from central.auth import CurrentDevice
from central.clock import utcnow
from central.db import SessionDep, make_engine
from central.enrollment import enroll
from central.errors import CentralError
from central.findings import (
    AuditFindingsResponse,
    DuplicatePaymentsResponse,
    audit_findings,
    check_audit,
    duplicate_payments,
)
from central.history import HistoryResponse, history
from central.pull import pull
from central.push import push
from central.settings import CentralSettings
from central.wire import (
    RawBody,
    SettingsDep,
    answer,
    from_validation_error,
    inflate,
    parse_body,
)
from models.kinds import timestamp_to_wire
from sync.protocol import (
    HEADER_PROTOCOL,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    HealthResponse,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync.protocol_attachments import (
    CHUNK_MAX_BYTES,
    HEADER_SIZE,
    AttachmentReadRequest,
    AttachmentStatus,
    AttachmentStatusRequest,
    AttachmentStatusResponse,
)

log = logging.getLogger("central")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def create_app(settings: CentralSettings) -> FastAPI:
    """The central service over ``settings.db_url`` (migrated beforehand: see central.admin)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.db_url, echo=settings.echo_sql)
        app.state.engine = engine
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Sanwu central",
        version="1",
        lifespan=lifespan,
        responses={
            "4XX": {"model": ErrorBody, "description": "refused (see ErrorBody.code)"},
        },
    )
    app.state.settings = settings
    _add_error_handlers(app)
    _add_routes(app)
    return app


def _error(status: int, code: str, message: str, field: str | None = None) -> Response:
    return answer(ErrorBody(code=code, message=message, field=field), status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    async def central_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CentralError)
        log.info("refused %s (%d)", exc.code, exc.status_code)
        return _error(exc.status_code, exc.code, exc.message, exc.field)

    async def validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        error = from_validation_error(exc)
        return _error(error.status_code, error.code, error.message, error.field)

    async def http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    app.add_exception_handler(CentralError, central_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _add_routes(app: FastAPI) -> None:
    @app.get("/v1/health", response_model=HealthResponse)
    def health() -> Response:
        """Unsigned: is central up, which protocol, what time it thinks it is."""
        return answer(HealthResponse(server_time=timestamp_to_wire(utcnow()) or ""))

    @app.post("/v1/enroll", response_model=EnrollResponse)
    def enroll_device(
        request: Request, session: SessionDep, body: RawBody, settings: SettingsDep
    ) -> Response:
        """Unsigned: the one-time code is the proof."""
        req = parse_body(EnrollRequest, body, request, settings)
        return answer(enroll(session, req, utcnow(), secret=settings.central_secret))

    @app.post("/v1/push", response_model=PushResponse)
    def push_ops(
        device: CurrentDevice,
        request: Request,
        session: SessionDep,
        body: RawBody,
        settings: SettingsDep,
    ) -> Response:
        req = parse_body(PushRequest, body, request, settings)
        now = utcnow()
        results = push(session, device=device, ops=req.ops, now=now, secret=settings.central_secret)
        # The ops are applied whatever the audit chain shows; a break becomes a finding.
        found = check_audit(session, device=device, links=req.audit, now=now)
        log.info("push device=%s ops=%d audit=%d", device.id, len(req.ops), len(req.audit))
        if found:
            log.warning("audit chain of device %s: %d finding(s)", device.id, len(found))
        return answer(PushResponse(results=results), accept=request.headers.get("accept-encoding"))

    @app.post("/v1/pull", response_model=PullResponse)
    def pull_changes(
        device: CurrentDevice,
        request: Request,
        session: SessionDep,
        body: RawBody,
        settings: SettingsDep,
    ) -> Response:
        req = parse_body(PullRequest, body, request, settings)
        limit = settings.pull_page_default if req.limit <= 0 else req.limit
        page = pull(
            session,
            device=device,
            after=max(0, req.after),
            limit=min(limit, settings.pull_page_max),
        )
        return answer(page, accept=request.headers.get("accept-encoding"))

    @app.get("/v1/findings/duplicate-payments", response_model=DuplicatePaymentsResponse)
    def findings_duplicate_payments(device: CurrentDevice, session: SessionDep) -> Response:
        """Supervisors and town staff: the same person paid twice for one subsidy and
        period (matched by keyed hash, shown masked)."""
        return answer(duplicate_payments(session, device=device))

    @app.get("/v1/findings/audit", response_model=AuditFindingsResponse)
    def findings_audit(device: CurrentDevice, session: SessionDep) -> Response:
        """Supervisors and town staff: devices whose audit chain had a gap or an edit."""
        return answer(audit_findings(session, device=device))

    @app.get("/v1/records/{kind}/{record_id}/history", response_model=HistoryResponse)
    def record_history(
        kind: str, record_id: str, device: CurrentDevice, session: SessionDep
    ) -> Response:
        """Every version of a record (who, when, what), personal values masked."""
        return answer(history(session, device=device, kind=kind, record_id=record_id))

    _add_attachment_routes(app)


def _add_attachment_routes(app: FastAPI) -> None:
    """sync.protocol_attachments: logs digests' first 12 characters and sizes, never bytes."""

    @app.post("/v1/attachments/status", response_model=AttachmentStatusResponse)
    def attachments_status(
        device: CurrentDevice,
        request: Request,
        session: SessionDep,
        body: RawBody,
        settings: SettingsDep,
    ) -> Response:
        """Which of these files central has whole, and where each upload goes on from."""
        device_id = device.id  # the services end their transactions: read it first
        req = parse_body(AttachmentStatusRequest, body, request, settings)
        result = attachments.status(session, device=device, refs=req.attachments)
        log.info("attachment status device=%s files=%d", device_id, len(req.attachments))
        return answer(result, accept=request.headers.get("accept-encoding"))

    @app.post("/v1/attachments/{digest}", response_model=AttachmentStatus)
    def attachment_chunk(
        digest: str,
        device: CurrentDevice,
        request: Request,
        session: SessionDep,
        body: RawBody,
    ) -> Response:
        """One chunk of raw bytes at ``offset`` of the file of ``size`` bytes."""
        device_id = device.id
        attachments.check_protocol_header(request.headers.get(HEADER_PROTOCOL))
        attachments.check_digest(digest)
        attachments.check_media_type(request.headers.get("content-type"))
        offset, size = attachments.parse_chunk_query(
            request.query_params.get("offset"), request.query_params.get("size")
        )
        data = inflate(body, request.headers.get("content-encoding"), limit=CHUNK_MAX_BYTES)
        result = attachments.append_chunk(
            session,
            device=device,
            digest=digest,
            offset=offset,
            size=size,
            data=data,
            now=utcnow(),
        )
        log.info(
            "attachment chunk %s device=%s offset=%d bytes=%d size=%d -> %s %d",
            digest[:12],
            device_id,
            offset,
            len(data),
            size,
            result.state,
            result.received,
        )
        return answer(result, accept=request.headers.get("accept-encoding"))

    @app.post(
        "/v1/attachments/{digest}/read",
        response_class=Response,
        responses={200: {"content": {"application/octet-stream": {}}}},
    )
    def attachment_read(
        digest: str,
        device: CurrentDevice,
        request: Request,
        session: SessionDep,
        body: RawBody,
        settings: SettingsDep,
    ) -> Response:
        """Raw bytes of a whole file from ``offset``; its size in X-Sanwu-Size."""
        device_id = device.id
        attachments.check_digest(digest)
        req = parse_body(AttachmentReadRequest, body, request, settings)
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
