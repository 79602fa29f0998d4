"""The one place an answer's encoding is chosen: every route that answers a wire model.

A route returns its model and FastAPI turns it into JSON (the model is the
route's ``response_model``, so the OpenAPI schema stays typed); this route
class then compresses that JSON as the request's Accept-Encoding takes it:
zstd when the client offers it and this build has it, else gzip, which every
client reads. Routes never read Accept-Encoding themselves. A route without a
response model (a ranged read of an attachment's raw bytes) answers as it is.
Error answers are the handlers' business (``central.app``) and stay gzip.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from central.wire import compressed_json
from sync.compression import compress, preferred


class CompressedRoute(APIRoute):
    """A route whose model answer travels compressed in the negotiated encoding."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.response_field is None:
            return handler

        async def compressed_handler(request: Request) -> Response:
            response = await handler(request)
            encoding = preferred(request.headers.get("accept-encoding"))
            # A pull page takes tens of milliseconds to compress: not on the event loop.
            body = await run_in_threadpool(compress, bytes(response.body), encoding)
            answer = compressed_json(body, encoding=encoding, status_code=response.status_code)
            answer.background = response.background
            return answer

        return compressed_handler
