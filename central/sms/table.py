"""The SMS queue's table: one row per message, its phone sealed (revision 0006)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

__all__ = ["PHONE_COLUMN", "TABLE", "SmsMessage", "SmsStatus"]

TABLE = "sms_message"
PHONE_COLUMN = "phone"


class SmsStatus(StrEnum):
    QUEUED = "queued"
    """Waiting for its turn (``next_try_at``), first try or a retry."""
    SENT = "sent"
    """The provider accepted it."""
    DELIVERED = "delivered"
    """The provider reported it delivered to the handset."""
    FAILED = "failed"
    """Refused for good, or still failing after the last attempt."""
    NO_CONTACT = "no_contact"
    """Not sent: the unit had no SMS contact when it was queued (no phone kept). Kept so
    the district's office sees which units could not be texted (``sms list``); queued
    again under its key once the unit has a contact."""


class SmsMessage(SQLModel, table=True):
    """A text for a unit's contact, and what became of it."""

    __tablename__ = TABLE
    __table_args__ = (Index("ix_sms_message_due", "status", "next_try_at"),)

    id: str = Field(primary_key=True, max_length=36)
    key: str = Field(unique=True, index=True, max_length=200)
    """The caller's idempotency key (``reminders:<unit>:<day>:sms``, ``warning:<id>:issued``):
    one message per key."""
    org_code: str = Field(index=True, max_length=12)
    phone: str
    """Sealed (``sc1:...``), bound to this table, column and message id; "" when
    ``no_contact``."""
    text: str
    status: str = Field(default=SmsStatus.QUEUED, max_length=20)
    attempts: int = 0
    next_try_at: datetime | None = None
    """When it is next due; None once it is sent or failed."""
    last_try_at: datetime | None = Field(default=None, index=True)
    """When it was last handed to the sender: the rate limit counts these."""
    last_error: str | None = None
    """The provider's code and words, never the phone."""
    provider_id: str | None = Field(default=None, max_length=100)
    created_at: datetime
    sent_at: datetime | None = None
