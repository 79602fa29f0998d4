"""The one place central makes outgoing HTTP requests: a provider's endpoint, by POST.

Central otherwise never imports httpx (tests/test_layering.py allows this module
alone). The address must be https://, or plain http:// to this machine (loopback:
the test stubs, a local relay); that is checked before any connection. Proxies from
the environment apply to remote hosts only, so a loopback stub is never proxied.
Redirects are not followed: a provider does not move its endpoint per request.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

__all__ = ["HttpAnswer", "LinkFailed", "Poster", "check_endpoint"]


class LinkFailed(Exception):
    """No answer: the connection failed or timed out. Worth another try later."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def retry_after_s(self) -> float | None:
        """The Retry-After header in seconds, when it is a number."""
        value = self.headers.get("retry-after", "")
        try:
            return max(0.0, float(value)) if value else None
        except ValueError:
            return None


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost (as ``sync.transport``, which central does not import:
    it is the device's transport)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str) -> str:
    """``url`` when it is https://, or http:// to a loopback host; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and is_loopback(parts.hostname or ""):
        return url
    where = f"{parts.scheme}://{parts.hostname or ''}"  # never the userinfo or the query
    raise ValueError(f"an SMS endpoint must be https:// (plain http only to loopback): {where}")


class Poster:
    """A kept-alive client for one endpoint."""

    def __init__(self, url: str, *, timeout_s: float = 10.0, ca_bundle: str | None = None) -> None:
        self.url = check_endpoint(url)
        host = urlsplit(url).hostname or ""
        self._client = httpx.Client(
            timeout=timeout_s,
            verify=ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True,
            follow_redirects=False,
            trust_env=not is_loopback(host),
        )

    def post(self, content: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        try:
            response = self._client.post(self.url, content=content, headers=dict(headers))
        except httpx.TimeoutException as exc:
            raise LinkFailed(f"no answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise LinkFailed(f"cannot reach the endpoint ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:  # anything else httpx raises is no answer either
            raise LinkFailed(f"the request failed ({type(exc).__name__})") from None
        return HttpAnswer(
            response.status_code,
            response.content,
            {name.lower(): value for name, value in response.headers.items()},
        )

    def close(self) -> None:
        self._client.close()
