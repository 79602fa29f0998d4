"""Alibaba Cloud SMS ``SendSms`` (dysmsapi, API version 2017-05-25): RPC style, signature V2.

Implemented from Alibaba Cloud's documentation (no SDK):

- SendSms, request and answer fields: https://help.aliyun.com/document_detail/55284.html
  (``api-dysmsapi-2017-05-25-sendsms``): PhoneNumbers, SignName, TemplateCode,
  TemplateParam (JSON text), OutId; the answer's Code (``OK``), Message, BizId, RequestId.
- Common parameters and the signature: "Request syntax and signature method V2 for RPC
  APIs" (https://help.aliyun.com/document_detail/157269.html) and the SMS "Signature
  method" page (https://www.alibabacloud.com/help/en/sms/signature-method).
- Answer codes: "API错误码" (https://help.aliyun.com/document_detail/101346.html).

The signature, exactly:

1. Take every request parameter except ``Signature`` (common ones: AccessKeyId, Action,
   Format, SignatureMethod=HMAC-SHA1, SignatureNonce, SignatureVersion=1.0, Timestamp in
   UTC ``yyyy-MM-ddTHH:mm:ssZ``, Version; then the operation's own), sorted by name.
2. Percent-encode each name and value as UTF-8 by RFC 3986: ``A-Z a-z 0-9 - _ . ~`` stay,
   every other byte is ``%XY`` with upper-case hex (a space is ``%20``, ``*`` is ``%2A``).
3. Join ``name=value`` pairs with ``&``: the canonicalized query string.
4. StringToSign = HTTPMethod + "&" + percentEncode("/") + "&" + percentEncode(step 3).
5. Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", message = StringToSign)).

The tests check ``string_to_sign`` against the SMS page's worked example and
``signature`` against Alibaba Cloud's published example (``CT9X0VtwR86fNWSnsc6v8YGOjuE=``
for DescribeRegions with the secret ``testsecret``). Requests are POSTs with every
parameter, Signature included, in an ``application/x-www-form-urlencoded`` body: the
phone number never appears in a URL, and URLs are what HTTP libraries log.

SendSms sends templates only: the text goes into the approved template's one variable
(``${content}`` unless configured otherwise). Answer codes: ``OK`` is sent (BizId kept
as the provider's id); flow control and the provider's own errors are transient
(``TRANSIENT_CODES``); any other code (an invalid number, a refused signature or
template, the account, a wrong AccessKey or signature, a daily cap) is permanent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

from central.sms.http import LinkFailed, Poster
from central.sms.sender import OutgoingSms, SendResult

__all__ = [
    "API_VERSION",
    "DEFAULT_ENDPOINT",
    "TRANSIENT_CODES",
    "AliyunSender",
    "canonicalized_query",
    "percent_encode",
    "signature",
    "string_to_sign",
]

API_VERSION = "2017-05-25"
DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
TRANSIENT_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # flow control per number or account (触发业务流控)
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "ServiceUnavailable",
        "InternalError",
        "isp.SYSTEM_ERROR",
        "SignatureNonceUsed",  # a new nonce on the next try cures it
    }
)


def percent_encode(text: str) -> str:
    """RFC 3986 encoding of UTF-8: only ``A-Z a-z 0-9 - _ . ~`` are left as they are."""
    return quote(text, safe="~")


def canonicalized_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}"
        for name in sorted(params)
        if name != "Signature"
    )


def string_to_sign(params: Mapping[str, str], method: str = "POST") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    """Base64(HMAC-SHA1(secret + "&", StringToSign)): the ``Signature`` parameter."""
    message = string_to_sign(params, method).encode("utf-8")
    digest = hmac.new((secret + "&").encode("utf-8"), message, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class AliyunSender:
    """Sends each message with ``SendSms`` through ``endpoint`` (a loopback stub in tests)."""

    name = "aliyun"

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_code: str,
        template_param: str = "content",
        endpoint: str = DEFAULT_ENDPOINT,
        timeout_s: float = 10.0,
        ca_bundle: str | None = None,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        missing = [
            name
            for name, value in (
                ("AccessKeyId", access_key_id),
                ("AccessKeySecret", access_key_secret),
                ("SignName", sign_name),
                ("TemplateCode", template_code),
                ("the template's variable", template_param),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"Alibaba Cloud SMS needs {', '.join(missing)}")
        self._poster = Poster(endpoint, timeout_s=timeout_s, ca_bundle=ca_bundle)
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._template_code = template_code
        self._template_param = template_param
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:
        return f"AliyunSender(endpoint={self._poster.url!r}, sign_name={self._sign_name!r})"

    def _params(self, message: OutgoingSms) -> dict[str, str]:
        params = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": datetime.fromtimestamp(self._clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": message.to,
            "SignName": self._sign_name,
            "TemplateCode": self._template_code,
            "TemplateParam": json.dumps(
                {self._template_param: message.text}, ensure_ascii=False, separators=(",", ":")
            ),
            "OutId": message.id,
        }
        params["Signature"] = signature(params, self._secret)
        return params

    def send(self, message: OutgoingSms) -> SendResult:
        params = self._params(message)
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        try:
            answer = self._poster.post(body.encode("ascii"), headers)
        except LinkFailed as exc:
            return SendResult.transient(f"aliyun: {exc}")
        try:
            data = json.loads(answer.body)
        except ValueError:
            data = None
        code = data.get("Code") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not isinstance(code, str):
            error = f"aliyun: HTTP {answer.status} without an answer code"
            if answer.status >= 500 or answer.status == 429:
                return SendResult.transient(error, answer.retry_after_s())
            return SendResult.permanent(error)
        if code == "OK":
            biz_id = data.get("BizId")
            return SendResult.sent(str(biz_id)[:100] if biz_id else None)
        error = f"aliyun {code}: {data.get('Message', '')} (RequestId {data.get('RequestId', '-')})"
        if code in TRANSIENT_CODES:
            return SendResult.transient(error, answer.retry_after_s())
        return SendResult.permanent(error)

    def close(self) -> None:
        self._poster.close()
