"""What a sender is: one message in, one verdict out (sent, worth retrying, or refused).

A sender never raises for a provider's answer or a broken line: the queue needs a
verdict to schedule the next try, not an exception. Its ``error`` text is stored and
printed, so it is made from codes and the provider's words with every long run of
digits masked (``scrub``): a provider that echoes the number leaks nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from models.masking import mask_phone

__all__ = ["Outcome", "OutgoingSms", "SendResult", "SmsSender", "scrub"]

MAX_ERROR_CHARS = 300
_DIGIT_RUN = re.compile(r"\+?\d[\d ]{5,}\d")


def scrub(text: str) -> str:
    """``text`` shortened, with anything that could be a phone number masked."""
    masked = _DIGIT_RUN.sub(lambda m: mask_phone(m.group().replace(" ", "")), text)
    return masked[:MAX_ERROR_CHARS]


class Outcome(StrEnum):
    SENT = "sent"
    TRANSIENT = "transient"
    """Worth another try later: throttled, the provider's own error, a timeout, no link."""
    PERMANENT = "permanent"
    """Will fail the same way again: a bad number, a refused signature or template."""


@dataclass(frozen=True)
class OutgoingSms:
    id: str
    """The queue's message id: the provider sees it (webhook ``id``, Aliyun ``OutId``)."""
    to: str = field(repr=False)
    """The mobile in clear, for this one call: never in a repr, a log or an error."""
    text: str


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    error: str | None = None
    """Scrubbed (``scrub``); None when sent."""
    delivered: bool = False
    """The provider says the handset has it (not only that it accepted it)."""
    retry_after_s: float | None = None
    """The provider asked to wait this long before the next try."""

    @classmethod
    def sent(cls, provider_id: str | None = None, *, delivered: bool = False) -> SendResult:
        return cls(Outcome.SENT, provider_id=provider_id, delivered=delivered)

    @classmethod
    def transient(cls, error: str, retry_after_s: float | None = None) -> SendResult:
        return cls(Outcome.TRANSIENT, error=scrub(error), retry_after_s=retry_after_s)

    @classmethod
    def permanent(cls, error: str) -> SendResult:
        return cls(Outcome.PERMANENT, error=scrub(error))


class SmsSender(Protocol):
    """Hands one message to a provider. ``name`` is shown by ``sanwu central sms send``."""

    name: str

    def send(self, message: OutgoingSms) -> SendResult: ...

    def close(self) -> None: ...
