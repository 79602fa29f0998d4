"""The HTTP face of central: settings, the engine's lifespan, error handlers, the routes.

Every body is compressed JSON in both directions (``sync.protocol``). The routes
(``central.routes``, one router per area) parse, call one service function and
return a wire model; services raise ``central.errors`` and the handlers here turn
them into an ErrorBody. No message carries a personal value, and nothing here
logs record contents.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from central.catalogue import refresh_catalogue
from central.daily import background_work
from central.db import make_engine
from central.errors import Busy, CentralError
from central.routes import api_router
from central.settings import CentralSettings
from central.wire import BodyBudget, compressed_json, from_validation_error
from sync.protocol import ErrorBody, encode

log = logging.getLogger("central")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def create_app(settings: CentralSettings) -> FastAPI:
    """The central service over ``settings.db_url`` (migrated beforehand: see central.admin)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.db_url, echo=settings.echo_sql)
        app.state.engine = engine
        with Session(engine) as session:
            refresh_catalogue(session)
        try:
            with background_work(engine, settings):
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
    app.state.body_budget = BodyBudget(max(settings.body_budget_bytes, settings.max_body_bytes))
    _add_error_handlers(app)
    app.include_router(api_router)
    return app


def _error(
    status: int, code: str, message: str, field: str | None = None, retry_after_s: int | None = None
) -> Response:
    """A refusal is gzip whatever the request accepts: every client reads it."""
    body = encode(ErrorBody(code=code, message=message, field=field), "gzip")
    response = compressed_json(body, encoding="gzip", status_code=status)
    if retry_after_s is not None:
        response.headers["Retry-After"] = str(retry_after_s)
    return response


def _add_error_handlers(app: FastAPI) -> None:
    async def central_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CentralError)
        log.info("refused %s (%d)", exc.code, exc.status_code)
        retry_after_s = exc.retry_after_s if isinstance(exc, Busy) else None
        return _error(exc.status_code, exc.code, exc.message, exc.field, retry_after_s)

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
