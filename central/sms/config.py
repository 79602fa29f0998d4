"""Which SMS sender central uses, from the environment (README: "SMS reminders").

    SANWU_SMS_SENDER                    webhook | aliyun (unset: messages queue, none is sent)
    SANWU_SMS_WEBHOOK_URL               https://... (http:// only to loopback)
    SANWU_SMS_WEBHOOK_SECRET            the shared HMAC secret
    SANWU_SMS_ALIYUN_ACCESS_KEY_ID      a RAM user's AccessKey allowed dysms:SendSms
    SANWU_SMS_ALIYUN_ACCESS_KEY_SECRET
    SANWU_SMS_ALIYUN_SIGN_NAME          the approved signature (签名), e.g. 东河区纪委监委
    SANWU_SMS_ALIYUN_TEMPLATE_CODE      the approved template, e.g. SMS_123456789
    SANWU_SMS_ALIYUN_TEMPLATE_PARAM     the template's variable for the text (default content)
    SANWU_SMS_ALIYUN_ENDPOINT           default https://dysmsapi.aliyuncs.com/
    SANWU_SMS_CA_BUNDLE                 a PEM file of CAs to trust instead of the system's
    SANWU_SMS_PER_MINUTE                rate limit, tries a minute (default 60)
    SANWU_SMS_INTERVAL                  seconds between the worker's passes (default 5)

Secrets are read here and handed to the sender; no repr, log line or error shows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from central.errors import CentralError
from central.sms.sender import SmsSender
from sync.failures import ExitCode, Failure, Retry

__all__ = ["ENV_SENDER", "SENDERS", "SmsConfig", "SmsConfigError", "make_sender", "sms_config"]

ENV_SENDER = "SANWU_SMS_SENDER"
ENV_WEBHOOK_URL = "SANWU_SMS_WEBHOOK_URL"
ENV_WEBHOOK_SECRET = "SANWU_SMS_WEBHOOK_SECRET"
ENV_ALIYUN_KEY_ID = "SANWU_SMS_ALIYUN_ACCESS_KEY_ID"
ENV_ALIYUN_KEY_SECRET = "SANWU_SMS_ALIYUN_ACCESS_KEY_SECRET"
ENV_ALIYUN_SIGN_NAME = "SANWU_SMS_ALIYUN_SIGN_NAME"
ENV_ALIYUN_TEMPLATE = "SANWU_SMS_ALIYUN_TEMPLATE_CODE"
ENV_ALIYUN_TEMPLATE_PARAM = "SANWU_SMS_ALIYUN_TEMPLATE_PARAM"
ENV_ALIYUN_ENDPOINT = "SANWU_SMS_ALIYUN_ENDPOINT"
ENV_CA_BUNDLE = "SANWU_SMS_CA_BUNDLE"
ENV_PER_MINUTE = "SANWU_SMS_PER_MINUTE"
ENV_INTERVAL = "SANWU_SMS_INTERVAL"
SENDERS = ("webhook", "aliyun")
DEFAULT_PER_MINUTE = 60
DEFAULT_INTERVAL_S = 5.0


class SmsConfigError(CentralError):
    """The SMS settings in the environment do not make a sender; one line says which."""

    failure: ClassVar[Failure] = Failure(ExitCode.USAGE, Retry.NEVER)


@dataclass(frozen=True)
class SmsConfig:
    sender: str | None
    """``webhook``, ``aliyun``, or None: no sender configured."""
    per_minute: int = DEFAULT_PER_MINUTE
    interval_s: float = DEFAULT_INTERVAL_S
    env: Mapping[str, str] = field(default_factory=dict, repr=False)


def _number(env: Mapping[str, str], name: str, default: float, low: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SmsConfigError("sms_config", f"{name} must be a number, not {text!r}") from None
    if value < low:
        raise SmsConfigError("sms_config", f"{name} must be at least {low:g}")
    return value


def sms_config(env: Mapping[str, str] | None = None) -> SmsConfig:
    """The settings in ``env`` (default: the process's environment)."""
    env = dict(os.environ if env is None else env)
    sender = env.get(ENV_SENDER, "").strip().lower() or None
    if sender is not None and sender not in SENDERS:
        raise SmsConfigError(
            "sms_config", f"{ENV_SENDER} must be one of {', '.join(SENDERS)}, not {sender!r}"
        )
    per_minute = int(_number(env, ENV_PER_MINUTE, DEFAULT_PER_MINUTE, 1))
    interval = _number(env, ENV_INTERVAL, DEFAULT_INTERVAL_S, 0.1)
    return SmsConfig(sender=sender, per_minute=per_minute, interval_s=interval, env=env)


def _required(env: Mapping[str, str], *names: str) -> None:
    missing = [name for name in names if not env.get(name, "").strip()]
    if missing:
        raise SmsConfigError("sms_config", f"the SMS sender needs {', '.join(missing)}")


def make_sender(config: SmsConfig) -> SmsSender:
    """The configured sender (its module imported only now: httpx loads with it)."""
    env = config.env
    ca_bundle = env.get(ENV_CA_BUNDLE, "").strip() or None
    try:
        if config.sender == "webhook":
            from central.sms.webhook import WebhookSender

            _required(env, ENV_WEBHOOK_URL, ENV_WEBHOOK_SECRET)
            return WebhookSender(
                env[ENV_WEBHOOK_URL].strip(), env[ENV_WEBHOOK_SECRET], ca_bundle=ca_bundle
            )
        if config.sender == "aliyun":
            from central.sms.aliyun import DEFAULT_ENDPOINT, AliyunSender

            _required(
                env,
                ENV_ALIYUN_KEY_ID,
                ENV_ALIYUN_KEY_SECRET,
                ENV_ALIYUN_SIGN_NAME,
                ENV_ALIYUN_TEMPLATE,
            )
            return AliyunSender(
                access_key_id=env[ENV_ALIYUN_KEY_ID].strip(),
                access_key_secret=env[ENV_ALIYUN_KEY_SECRET].strip(),
                sign_name=env[ENV_ALIYUN_SIGN_NAME].strip(),
                template_code=env[ENV_ALIYUN_TEMPLATE].strip(),
                template_param=env.get(ENV_ALIYUN_TEMPLATE_PARAM, "").strip() or "content",
                endpoint=env.get(ENV_ALIYUN_ENDPOINT, "").strip() or DEFAULT_ENDPOINT,
                ca_bundle=ca_bundle,
            )
    except (ValueError, OSError) as exc:
        raise SmsConfigError("sms_config", str(exc)) from exc
    raise SmsConfigError(
        "sms_config", f"no SMS sender configured: set {ENV_SENDER} to {' or '.join(SENDERS)}"
    )
