"""The queue as an operator sees it (``sanwu central sms list``): newest first, phones masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from central.contacts import UnitContact, key_of
from central.sealing import SealedValueError
from central.sms.table import PHONE_COLUMN, TABLE, SmsMessage, SmsStatus
from models.masking import mask_phone
from models.orgs import org_by_code

__all__ = ["MessageView", "list_messages", "not_texted"]


@dataclass(frozen=True)
class MessageView:
    id: str
    key: str
    org_code: str
    unit: str
    phone: str
    """Masked: ``138****5678`` (all stars when it does not open with this key; "" when
    the unit had no contact)."""
    text: str
    status: str
    attempts: int
    next_try_at: datetime | None
    last_error: str | None
    provider_id: str | None
    created_at: datetime
    sent_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "key": self.key,
            "org_code": self.org_code,
            "unit": self.unit,
            "phone": self.phone,
            "text": self.text,
            "status": self.status,
            "attempts": self.attempts,
            "next_try_at": when(self.next_try_at),
            "last_error": self.last_error,
            "provider_id": self.provider_id,
            "created_at": when(self.created_at),
            "sent_at": when(self.sent_at),
        }


def list_messages(
    session: Session, *, status: str | None = None, limit: int = 200
) -> list[MessageView]:
    """The latest ``limit`` messages (of one status when given), newest first."""
    query = select(SmsMessage)
    if status:
        query = query.where(col(SmsMessage.status) == status)
    order = (col(SmsMessage.created_at).desc(), col(SmsMessage.id).desc())
    messages = list(session.exec(query.order_by(*order).limit(limit)))
    key = key_of(session) if messages else None
    units = org_by_code()
    views = []
    for message in messages:
        assert key is not None
        try:
            phone = (
                mask_phone(key.open(TABLE, PHONE_COLUMN, message.id, message.phone))
                if message.phone
                else ""
            )
        except SealedValueError:
            phone = "*" * 11
        views.append(
            MessageView(
                id=message.id,
                key=message.key,
                org_code=message.org_code,
                unit=units[message.org_code].name if message.org_code in units else "",
                phone=phone,
                text=message.text,
                status=message.status,
                attempts=message.attempts,
                next_try_at=message.next_try_at,
                last_error=message.last_error,
                provider_id=message.provider_id,
                created_at=message.created_at,
                sent_at=message.sent_at,
            )
        )
    return views


def not_texted(session: Session) -> list[str]:
    """The units that still have no contact and whose texts were not sent for the lack
    of one (``no_contact``), in code order: whom the office should find a contact for."""
    rows = session.exec(
        select(SmsMessage.org_code)
        .where(col(SmsMessage.status) == SmsStatus.NO_CONTACT)
        .where(col(SmsMessage.org_code).not_in(select(UnitContact.org_code)))
        .distinct()
        .order_by(col(SmsMessage.org_code))
    )
    return list(rows)
