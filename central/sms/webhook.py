"""A generic HTTPS webhook sender: the district's own SMS gateway, or any relay.

Each message is one ``POST`` to the configured URL with a JSON body (UTF-8, no
spaces)::

    {"id":"<message id>","to":"13812345678","text":"【东河区纪委监委】..."}

and these headers:

    Content-Type:        application/json; charset=utf-8
    X-Sanwu-Message-Id:  the message id again; the same on every retry (deduplicate on it)
    X-Sanwu-Timestamp:   the send time, Unix seconds, decimal ASCII (``1767225600``)
    X-Sanwu-Signature:   ``sha256=`` + lower-case hex of
                         HMAC-SHA256(key = the shared secret as UTF-8 bytes,
                                     message = timestamp + "." + raw body bytes)

To verify, an integrator recomputes the HMAC over the exact bytes received (the
timestamp header's text, a full stop, then the body, before any JSON parsing),
compares it in constant time, and refuses a timestamp more than five minutes from its
own clock (a replayed request). ``signature`` below is that computation.

The answer decides what the queue does: any 2xx is sent (a JSON body may give
``{"id": "<gateway's id>", "status": "delivered"}``); 408, 425, 429 and 5xx, a
timeout or no connection are transient (tried again later, ``Retry-After`` honoured);
any other 4xx is permanent (the gateway refused this message: a bad number, say).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

from central.sms.http import HttpAnswer, LinkFailed, Poster
from central.sms.sender import OutgoingSms, SendResult

__all__ = [
    "HEADER_MESSAGE_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "WebhookSender",
    "signature",
]

HEADER_MESSAGE_ID = "X-Sanwu-Message-Id"
HEADER_TIMESTAMP = "X-Sanwu-Timestamp"
HEADER_SIGNATURE = "X-Sanwu-Signature"
SIGNATURE_PREFIX = "sha256="
_TRANSIENT_4XX = frozenset({408, 425, 429})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Sanwu-Signature`` value for this timestamp text and body."""
    digest = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    )
    return SIGNATURE_PREFIX + digest.hexdigest()


def _body_fields(answer: HttpAnswer) -> tuple[str | None, bool]:
    """The gateway's id and whether it says delivered, from a JSON body if there is one."""
    try:
        data = json.loads(answer.body) if answer.body else None
    except ValueError:
        return None, False
    if not isinstance(data, dict):
        return None, False
    given = data.get("id")
    provider_id = str(given)[:100] if isinstance(given, str | int) else None
    return provider_id, data.get("status") == "delivered"


class WebhookSender:
    """POSTs each message, signed, to ``url`` (https://, or http:// to loopback)."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout_s: float = 10.0,
        ca_bundle: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("the webhook needs a shared secret to sign with")
        self._poster = Poster(url, timeout_s=timeout_s, ca_bundle=ca_bundle)
        self._secret = secret
        self._clock = clock

    def __repr__(self) -> str:
        return f"WebhookSender(url={self._poster.url!r})"

    def send(self, message: OutgoingSms) -> SendResult:
        body = json.dumps(
            {"id": message.id, "to": message.to, "text": message.text},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            HEADER_MESSAGE_ID: message.id,
            HEADER_TIMESTAMP: timestamp,
            HEADER_SIGNATURE: signature(self._secret, timestamp, body),
        }
        try:
            answer = self._poster.post(body, headers)
        except LinkFailed as exc:
            return SendResult.transient(f"webhook: {exc}")
        if 200 <= answer.status < 300:
            provider_id, delivered = _body_fields(answer)
            return SendResult.sent(provider_id, delivered=delivered)
        words = answer.body[:120].decode("utf-8", "replace").strip()
        error = f"webhook: HTTP {answer.status}" + (f" {words}" if words else "")
        if answer.status >= 500 or answer.status in _TRANSIENT_4XX:
            return SendResult.transient(error, answer.retry_after_s())
        return SendResult.permanent(error)

    def close(self) -> None:
        self._poster.close()
