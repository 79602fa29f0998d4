"""The two senders on the wire: the webhook's HMAC as an integrator checks it, and
Alibaba Cloud's SendSms signed as the provider checks it (documented examples, and a
loopback stub that recomputes the signature and refuses a wrong one)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from typing import Any

import httpx
import pytest

from central.sms import aliyun, config
from central.sms.aliyun import AliyunSender, percent_encode, signature, string_to_sign
from central.sms.http import check_endpoint
from central.sms.sender import Outcome, OutgoingSms, scrub
from central.sms.webhook import WebhookSender
from tests.central.sms_stubs import AliyunStub, WebhookStub, aliyun_answer, json_answer

PHONE = "13812345678"
MESSAGE = OutgoingSms(id="01a2-msg", to=PHONE, text="【东河区】请于 3 月 20 日前公开一季度财务")
KEY_ID, SECRET = "LTAI-test", "aliyun-secret"


def aliyun_sender(endpoint: str, secret: str = SECRET, **given: Any) -> AliyunSender:
    return AliyunSender(
        access_key_id=KEY_ID,
        access_key_secret=secret,
        sign_name="东河区纪委监委",
        template_code="SMS_123456789",
        endpoint=endpoint,
        **given,
    )


# ---- Alibaba Cloud: the documented examples -------------------------------------------


def test_string_to_sign_matches_the_sms_documentations_example() -> None:
    """The SMS "signature method" page's request (SendMessageToGlobe) and its StringToSign."""
    params = {
        "AccessKeyId": "testid",
        "Action": "SendMessageToGlobe",
        "Format": "XML",
        "From": "Alicloud",
        "Message": "Hello",
        "RegionId": "ap-southeast-1",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "57acef20-c1d8-11eb-8c08-db81fda24dcc",
        "SignatureVersion": "1.0",
        "Timestamp": "2021-05-31T06:20:49Z",
        "To": "861245567****",
        "Version": "2018-05-01",
    }
    assert string_to_sign(params, "GET") == (
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DSendMessageToGlobe%26Format%3DXML%26From%3D"
        "Alicloud%26Message%3DHello%26RegionId%3Dap-southeast-1%26SignatureMethod%3DHMAC-SHA1"
        "%26SignatureNonce%3D57acef20-c1d8-11eb-8c08-db81fda24dcc%26SignatureVersion%3D1.0"
        "%26Timestamp%3D2021-05-31T06%253A20%253A49Z%26To%3D861245567%252A%252A%252A%252A"
        "%26Version%3D2018-05-01"
    )


def test_signature_matches_the_published_example() -> None:
    """Alibaba Cloud's worked example (API 签名机制 示例): DescribeRegions, AccessKey
    testid / testsecret, key testsecret&, signature CT9X0VtwR86fNWSnsc6v8YGOjuE=."""
    params = {
        "TimeStamp": "2016-02-23T12:46:24Z",
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "Version": "2014-05-26",
        "SignatureVersion": "1.0",
    }
    assert signature(params, "testsecret", "GET") == "CT9X0VtwR86fNWSnsc6v8YGOjuE="
    assert signature({**params, "Signature": "ignored"}, "testsecret", "GET") == (
        "CT9X0VtwR86fNWSnsc6v8YGOjuE="
    )


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("a b", "a%20b"),
        ("a*b", "a%2Ab"),
        ("a~b-_.", "a~b-_."),
        ("+/=&", "%2B%2F%3D%26"),
        ("东", "%E4%B8%9C"),
        ('{"content":"x"}', "%7B%22content%22%3A%22x%22%7D"),
    ],
)
def test_percent_encoding_is_rfc_3986(text: str, encoded: str) -> None:
    assert percent_encode(text) == encoded


# ---- Alibaba Cloud: against the stub ---------------------------------------------------


def test_a_request_the_provider_accepts() -> None:
    with AliyunStub(KEY_ID, SECRET) as stub:
        sender = aliyun_sender(stub.url)
        results = [sender.send(MESSAGE), sender.send(MESSAGE)]
        sender.close()
    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    assert results[0].provider_id == "900619746936498440^0"
    first = stub.received[0]
    assert first.refused is None and first.path == "/"
    assert first.params["PhoneNumbers"] == PHONE and first.params["OutId"] == MESSAGE.id
    assert json.loads(first.params["TemplateParam"]) == {"content": MESSAGE.text}
    assert first.params["SignName"] == "东河区纪委监委"
    time.strptime(first.params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    assert stub.received[0].params["SignatureNonce"] != stub.received[1].params["SignatureNonce"]


def test_a_wrong_secret_is_refused_by_the_provider() -> None:
    with AliyunStub(KEY_ID, SECRET) as stub:
        sender = aliyun_sender(stub.url, secret="not-the-secret")
        result = sender.send(MESSAGE)
        sender.close()
    assert stub.received[0].refused == "SignatureDoesNotMatch"
    assert result.outcome is Outcome.PERMANENT and "SignatureDoesNotMatch" in (result.error or "")
    assert "not-the-secret" not in (result.error or "")


def test_a_parameter_changed_after_signing_is_refused() -> None:
    params = {
        "AccessKeyId": KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "n-1",
        "SignatureVersion": "1.0",
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "Version": "2017-05-25",
        "PhoneNumbers": PHONE,
        "SignName": "东河区纪委监委",
        "TemplateCode": "SMS_1",
        "TemplateParam": '{"content":"x"}',
    }
    params["Signature"] = signature(params, SECRET)
    with AliyunStub(KEY_ID, SECRET) as stub:
        for phone in (PHONE, "13900000000"):
            body = "&".join(
                f"{percent_encode(k)}={percent_encode(phone if k == 'PhoneNumbers' else v)}"
                for k, v in params.items()
            )
            httpx.post(
                stub.url,
                content=body.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
    assert [r.refused for r in stub.received] == [None, "SignatureDoesNotMatch"]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (aliyun_answer("OK"), Outcome.SENT),
        (aliyun_answer("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控"), Outcome.TRANSIENT),
        (aliyun_answer("Throttling.User", "Request was denied", status=400), Outcome.TRANSIENT),
        (aliyun_answer("isp.SYSTEM_ERROR", "系统错误", status=500), Outcome.TRANSIENT),
        (aliyun_answer("ServiceUnavailable", "busy", status=503), Outcome.TRANSIENT),
        (aliyun_answer("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"), Outcome.PERMANENT),
        (aliyun_answer("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法"), Outcome.PERMANENT),
        (aliyun_answer("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法"), Outcome.PERMANENT),
        (aliyun_answer("isv.AMOUNT_NOT_ENOUGH", "余额不足"), Outcome.PERMANENT),
        (aliyun_answer("isv.DAY_LIMIT_CONTROL", "触发日发送限额"), Outcome.PERMANENT),
        ((503, {}, b"Service Unavailable"), Outcome.TRANSIENT),
        ((404, {}, b"not here"), Outcome.PERMANENT),
    ],
)
def test_answer_codes_map_to_outcomes(answer: Any, outcome: Outcome) -> None:
    with AliyunStub(KEY_ID, SECRET, answer) as stub:
        sender = aliyun_sender(stub.url)
        result = sender.send(MESSAGE)
        sender.close()
    assert result.outcome is outcome
    assert set(aliyun.TRANSIENT_CODES) >= {"isv.BUSINESS_LIMIT_CONTROL", "Throttling"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_no_connection_is_transient() -> None:
    for sender in (
        aliyun_sender(f"http://127.0.0.1:{free_port()}/"),
        WebhookSender(f"http://127.0.0.1:{free_port()}/hook", "s"),
    ):
        result = sender.send(MESSAGE)
        sender.close()
        assert result.outcome is Outcome.TRANSIENT and "cannot reach" in (result.error or "")


class SlowStub(WebhookStub):
    def handle(self, request: Any) -> Any:
        time.sleep(0.5)
        return super().handle(request)


def test_a_timeout_is_transient() -> None:
    with SlowStub("s") as stub:
        sender = WebhookSender(stub.url, "s", timeout_s=0.1)
        result = sender.send(MESSAGE)
        sender.close()
    assert result.outcome is Outcome.TRANSIENT and "no answer in time" in (result.error or "")


# ---- the webhook ----------------------------------------------------------------------


def test_the_webhook_request_as_documented() -> None:
    with WebhookStub("shh", json_answer(202, {"id": 42})) as stub:
        sender = WebhookSender(stub.url + "sms?tenant=donghe", "shh", clock=lambda: 1767225600.7)
        stub.now = lambda: 1767225600.0
        result = sender.send(MESSAGE)
        sender.close()
    assert result.outcome is Outcome.SENT and result.provider_id == "42" and not result.delivered
    request = stub.received[0]
    assert request.refused is None and request.path == "/sms?tenant=donghe"
    assert request.body == json.dumps(
        {"id": MESSAGE.id, "to": PHONE, "text": MESSAGE.text},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    assert request.headers["x-sanwu-timestamp"] == "1767225600"
    assert request.headers["x-sanwu-message-id"] == MESSAGE.id
    expected = hmac.new(b"shh", b"1767225600." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-sanwu-signature"] == f"sha256={expected}"
    assert request.headers["content-type"] == "application/json; charset=utf-8"


def test_a_stale_timestamp_is_refused_by_the_gateway() -> None:
    with WebhookStub("shh") as stub:
        sender = WebhookSender(stub.url, "shh", clock=lambda: time.time() - 3600)
        result = sender.send(MESSAGE)
        sender.close()
    assert stub.received[0].refused == "stale" and result.outcome is Outcome.PERMANENT


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, Outcome.SENT), (204, Outcome.SENT), (408, Outcome.TRANSIENT),
     (429, Outcome.TRANSIENT), (500, Outcome.TRANSIENT), (502, Outcome.TRANSIENT),
     (400, Outcome.PERMANENT), (403, Outcome.PERMANENT), (404, Outcome.PERMANENT),
     (301, Outcome.PERMANENT)],
)  # fmt: skip
def test_webhook_statuses_map_to_outcomes(status: int, outcome: Outcome) -> None:
    with WebhookStub("shh", (status, {"Location": "https://elsewhere.example/"}, b"")) as stub:
        sender = WebhookSender(stub.url, "shh")
        assert sender.send(MESSAGE).outcome is outcome
        sender.close()


# ---- settings, endpoints, secrets -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://sms.example.cn/hook", "http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/"],
)
def test_endpoints_that_are_allowed(url: str) -> None:
    assert check_endpoint(url) == url


@pytest.mark.parametrize(
    "url", ["http://sms.example.cn/hook", "ftp://127.0.0.1/", "https:///nohost", "hook"]
)
def test_endpoints_that_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="https://"):
        check_endpoint(url)


def test_a_refused_endpoint_never_shows_its_credentials() -> None:
    with pytest.raises(ValueError) as refused:
        check_endpoint("http://user:hunter2@sms.example.cn/hook?token=abc")
    assert "hunter2" not in str(refused.value) and "abc" not in str(refused.value)


def test_senders_from_the_environment_keep_their_secrets() -> None:
    webhook = config.make_sender(
        config.sms_config(
            {
                "SANWU_SMS_SENDER": "webhook",
                "SANWU_SMS_WEBHOOK_URL": "https://sms.example.cn/hook",
                "SANWU_SMS_WEBHOOK_SECRET": "hunter2",
                "SANWU_SMS_PER_MINUTE": "20",
            }
        )
    )
    assert webhook.name == "webhook" and "hunter2" not in repr(webhook)
    webhook.close()
    env = {
        "SANWU_SMS_SENDER": "Aliyun",
        "SANWU_SMS_ALIYUN_ACCESS_KEY_ID": "LTAI",
        "SANWU_SMS_ALIYUN_ACCESS_KEY_SECRET": "hunter2",
        "SANWU_SMS_ALIYUN_SIGN_NAME": "东河区纪委监委",
        "SANWU_SMS_ALIYUN_TEMPLATE_CODE": "SMS_1",
    }
    settings = config.sms_config(env)
    assert "hunter2" not in repr(settings) and settings.per_minute == 60
    sender = config.make_sender(settings)
    assert sender.name == "aliyun" and "hunter2" not in repr(sender)
    sender.close()


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({}, "no SMS sender configured"),
        ({"SANWU_SMS_SENDER": "carrier-pigeon"}, "must be one of webhook, aliyun"),
        ({"SANWU_SMS_SENDER": "webhook"}, "SANWU_SMS_WEBHOOK_URL, SANWU_SMS_WEBHOOK_SECRET"),
        (
            {"SANWU_SMS_SENDER": "webhook", "SANWU_SMS_WEBHOOK_URL": "http://sms.example.cn/",
             "SANWU_SMS_WEBHOOK_SECRET": "hunter2"},
            "must be https://",
        ),
        ({"SANWU_SMS_SENDER": "aliyun"}, "SANWU_SMS_ALIYUN_ACCESS_KEY_ID"),
        ({"SANWU_SMS_PER_MINUTE": "lots"}, "SANWU_SMS_PER_MINUTE must be a number"),
        ({"SANWU_SMS_PER_MINUTE": "0"}, "at least 1"),
    ],
)  # fmt: skip
def test_a_misconfiguration_is_one_line(env: dict[str, str], words: str) -> None:
    with pytest.raises(config.SmsConfigError) as refused:
        config.make_sender(config.sms_config(env))
    assert words in str(refused.value) and "\n" not in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_scrub_masks_anything_like_a_number() -> None:
    assert scrub(f"bad number {PHONE}, +86 138 1234 5678") == (
        "bad number 138****5678, +86*******5678"
    )
    assert scrub("isv.BUSINESS_LIMIT_CONTROL Permits:1") == "isv.BUSINESS_LIMIT_CONTROL Permits:1"
    assert len(scrub("x" * 1000)) == 300
