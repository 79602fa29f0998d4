"""How bytes reach central. The engine sees only the ``Transport`` protocol, so tests
can run it against central in-process and benchmarks through a throttling proxy.
"""

from __future__ import annotations

import ipaddress
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

# httpx loads its own command line (click, rich and pygments, a tenth of a scheduled
# ``sanwu sync``'s start-up) whenever they are installed; Sanwu never runs it, and
# httpx falls back to a stub when it cannot be imported.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

import httpx  # noqa: E402

from models.i18n import _  # noqa: E402
from sync.errors import InsecureTransportError, LinkTimeout, TransportError  # noqa: E402


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    """Decoded (decompressed) body."""
    headers: Mapping[str, str]


@dataclass
class Traffic:
    """Bytes on the wire both ways (headers included, bodies as sent) and requests."""

    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0


class Transport(Protocol):
    @property
    def traffic(self) -> Traffic: ...

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Response: ...

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response: ...

    def close(self) -> None: ...


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_http: bool = False) -> None:
    """Refuse, before any connection, plain HTTP to a host that is not loopback (unless
    allowed explicitly) and any scheme but http and https."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme != "http":
        raise InsecureTransportError(
            _("central's address must start with https:// ({url!r})").format(url=url)
        )
    if not allow_http and not is_loopback(parts.hostname or ""):
        raise InsecureTransportError(
            _(
                "plain http:// is only used to this machine (loopback); use https://, or "
                "enroll with --insecure-http to accept an unencrypted link on purpose"
            )
        )


def _header_bytes(headers: httpx.Headers) -> int:
    return sum(len(k) + len(v) + 4 for k, v in headers.raw)


def _untrusted_certificate(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    for _depth in range(10):
        if cause is None:
            return False
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def tls_verify(ca_bundle: str = "") -> ssl.SSLContext | bool:
    """How to check central's certificate: the system's CAs, or an intranet CA bundle."""
    return ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True


@dataclass
class HttpxTransport:
    """A keep-alive httpx client; every failure of the link becomes a TransportError.

    ``verify`` is True (the system's CAs) or an SSL context trusting an intranet CA
    (see ``tls_verify``). Plain HTTP to a host that is not loopback is refused here, before any
    connection, unless ``allow_http`` (a caller that hands in its own ``client`` owns
    that connection, as tests over ASGI do).
    """

    base_url: str
    timeout: float = 30.0
    verify: ssl.SSLContext | bool = True
    client: httpx.Client | None = None
    traffic: Traffic = field(default_factory=Traffic)
    allow_http: bool = False

    def __post_init__(self) -> None:
        if self.client is None:
            check_url(self.base_url, allow_http=self.allow_http)
            # Plain HTTP (loopback) has no certificate to check: no SSL context to build
            # (loading the system's CAs is a tenth of a scheduled round's start-up).
            tls = self.base_url.lower().startswith("https:")
            self.client = httpx.Client(
                base_url=self.base_url, timeout=self.timeout, verify=self.verify if tls else False
            )

    def _send(self, request: httpx.Request) -> Response:
        assert self.client is not None
        try:
            response = self.client.send(request)
        except httpx.TimeoutException as exc:
            raise LinkTimeout(
                _("central did not answer in time ({reason})").format(reason=type(exc).__name__)
            ) from exc
        except httpx.TransportError as exc:
            if _untrusted_certificate(exc):
                raise TransportError(
                    _(
                        "central's certificate is not trusted (enroll with --ca-bundle FILE "
                        "for an intranet CA)"
                    )
                ) from exc
            raise TransportError(
                _("central unreachable ({reason})").format(reason=type(exc).__name__)
            ) from exc
        self.traffic.requests += 1
        line = len(request.method) + len(str(request.url.raw_path)) + 12
        self.traffic.bytes_sent += line + _header_bytes(request.headers) + len(request.content)
        self.traffic.bytes_received += (
            15 + _header_bytes(response.headers) + response.num_bytes_downloaded
        )
        return Response(response.status_code, response.content, response.headers)

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Response:
        assert self.client is not None
        return self._send(self.client.build_request("POST", path, content=body, headers=headers))

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        assert self.client is not None
        return self._send(self.client.build_request("GET", path, headers=headers))

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
