"""How the supervision work reaches the SMS queue (``central.sms``): a reminder's SMS
step and a warning issued with ``sms`` each queue one message to the unit's contact,
keyed by what it is about so it is sent once."""

from __future__ import annotations

from sqlmodel import Session

from central.clock import utcnow

__all__ = ["queue_sms"]


def queue_sms(session: Session, key: str, org_code: str, text: str) -> object:
    """Queue one SMS (nothing when the unit has no contact on file)."""
    from central.sms.queue import enqueue

    return enqueue(session, key=key, org_code=org_code, text=text, now=utcnow())
