"""Loopback stand-ins for the SMS providers: a district webhook and Alibaba Cloud's SendSms.

Each is a real HTTP server on 127.0.0.1 (port 0) in a thread of its own, and checks a
request the way the other side would: the webhook verifies the HMAC as an integrator
does (written from central/sms/webhook.py's docstring, not from its code); the Aliyun
stub recomputes the V2 RPC signature from the form parameters and the secret with the
documented Java recipe (form-encode, then ``+`` ->
``%20``, ``*`` -> ``%2A``, ``%7E`` -> ``~``) and refuses a wrong one with
``SignatureDoesNotMatch``, a reused nonce with ``SignatureNonceUsed``. What each
answers after its checks comes from a script the test gives; every request is kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, quote_plus

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    refused: str | None = None
    """Why the stub's own checks refused it (None: they passed and the script answered)."""


def json_answer(status: int, data: dict[str, Any], **headers: str) -> Answer:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(data).encode()


class StubServer:
    """A threaded HTTP server on 127.0.0.1 answering POSTs through ``handle``."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with stub._lock:
                    status, headers, content = stub.handle(request)
                    stub.received.append(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the tests look at ``received``

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def handle(self, request: Received) -> Answer:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


class Script:
    """Answers in order; the last one repeats."""

    def __init__(self, *answers: Answer) -> None:
        self._answers: Iterator[Answer] = iter(answers)
        self._last = answers[-1]

    def next(self) -> Answer:
        self._last = next(self._answers, self._last)
        return self._last


class WebhookStub(StubServer):
    """The district's gateway: verifies ``X-Sanwu-Signature`` as an integrator would."""

    def __init__(self, secret: str, *answers: Answer, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.secret = secret
        self.script = Script(*(answers or (json_answer(200, {"id": "gw-1"}),)))
        self.now = now

    def handle(self, request: Received) -> Answer:
        timestamp = request.headers.get("x-sanwu-timestamp", "")
        given = request.headers.get("x-sanwu-signature", "")
        expected = (
            "sha256="
            + hmac.new(
                self.secret.encode("utf-8"),
                timestamp.encode("ascii") + b"." + request.body,
                "sha256",
            ).hexdigest()
        )
        if not hmac.compare_digest(given, expected):
            request.refused = "bad signature"
            return json_answer(401, {"error": "bad signature"})
        if not timestamp.isdigit() or abs(self.now() - int(timestamp)) > 300:
            request.refused = "stale"
            return json_answer(401, {"error": "stale timestamp"})
        payload = json.loads(request.body)
        if set(payload) != {"id", "to", "text"} or payload["id"] != request.headers.get(
            "x-sanwu-message-id"
        ):
            request.refused = "bad body"
            return json_answer(400, {"error": "bad body"})
        return self.script.next()


def java_percent_encode(text: str) -> str:
    """The documentation's recipe: form-encode, then fix the three characters it differs on."""
    return (
        quote_plus(text, encoding="utf-8")
        .replace("+", "%20")
        .replace("*", "%2A")
        .replace("%7E", "~")
    )


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(
        f"{java_percent_encode(k)}={java_percent_encode(params[k])}"
        for k in sorted(params)
        if k != "Signature"
    )
    to_sign = f"{method}&{java_percent_encode('/')}&{java_percent_encode(canonical)}"
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_answer(code: str = "OK", message: str = "OK", status: int = 200, **extra: Any) -> Answer:
    body = {"Code": code, "Message": message, "RequestId": "F655A8D5-B967-440B-8683", **extra}
    if code == "OK":
        body.setdefault("BizId", "900619746936498440^0")
    return json_answer(status, body)


class AliyunStub(StubServer):
    """dysmsapi's SendSms as the provider checks it, then the script's answer."""

    REQUIRED = (
        "AccessKeyId",
        "Action",
        "Format",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Timestamp",
        "Version",
        "PhoneNumbers",
        "SignName",
        "TemplateCode",
        "TemplateParam",
        "Signature",
    )

    def __init__(self, key_id: str, secret: str, *answers: Answer) -> None:
        super().__init__()
        self.key_id = key_id
        self.secret = secret
        self.script = Script(*(answers or (aliyun_answer(),)))
        self.nonces: set[str] = set()

    def _refuse(self, request: Received, code: str, status: int = 400) -> Answer:
        request.refused = code
        return aliyun_answer(code, f"Specified {code}", status=status)

    def handle(self, request: Received) -> Answer:
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return self._refuse(request, "UnsupportedContentType")
        params = dict(parse_qsl(request.body.decode("ascii"), keep_blank_values=True))
        request.params = params
        if missing := [name for name in self.REQUIRED if name not in params]:
            return self._refuse(request, f"MissingParameter.{missing[0]}")
        fixed = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "Format": "JSON",
        }
        if any(params[name] != value for name, value in fixed.items()):
            return self._refuse(request, "InvalidParameter")
        if params["AccessKeyId"] != self.key_id:
            return self._refuse(request, "InvalidAccessKeyId.NotFound", 404)
        if not hmac.compare_digest(params["Signature"], aliyun_signature(params, self.secret)):
            return self._refuse(request, "SignatureDoesNotMatch")
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - stamp).total_seconds()) > 15 * 60:
            return self._refuse(request, "InvalidTimeStamp.Expired")
        if params["SignatureNonce"] in self.nonces:
            return self._refuse(request, "SignatureNonceUsed")
        self.nonces.add(params["SignatureNonce"])
        if not re.fullmatch(r"1[3-9]\d{9}", params["PhoneNumbers"]):
            return aliyun_answer("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        json.loads(params["TemplateParam"])
        return self.script.next()


def add_contact(session: Any, org_code: str, phone: str, name: str = "张三") -> None:
    """A unit's contact stored as an import would store it (phone sealed); commits."""
    from central.clock import utcnow
    from central.contacts import PHONE_COLUMN, TABLE, UnitContact, key_of

    sealed = key_of(session).seal(TABLE, PHONE_COLUMN, org_code, phone)
    session.merge(UnitContact(org_code=org_code, name=name, phone=sealed, loaded_at=utcnow()))
    session.commit()
