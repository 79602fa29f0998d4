"""The SMS queue: ``enqueue`` a unit's text once per key, ``deliver_due`` what is due.

Queueing copies the unit's contact's phone, sealed anew for the message (so a later
re-import of the contacts does not change where a queued text goes). Delivery:

- the rate limit counts tries handed to the sender in the last 60 s, for every process
  sharing the database; what is due beyond it waits for a later pass;
- a message is claimed before it is sent (a conditional UPDATE committed at once), so
  two workers never send the same one; a claim holds it for ``LEASE_S``, after which a
  process that died mid-send leaves it due again;
- each verdict is committed as soon as it is known: a sent message is never sent again;
- transient failures wait ``BACKOFF_BASE_S * 2**(attempts - 1)`` (capped at
  ``BACKOFF_CAP_S``, longer when the provider asks with Retry-After) and give up after
  ``MAX_ATTEMPTS``; permanent failures are failed at once.

Time is whatever ``now`` the caller passes (aware UTC): the tests freeze it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from central.contacts import contact_phone, key_of
from central.sealing import SealedValueError
from central.sms.sender import Outcome, OutgoingSms, SendResult, SmsSender
from central.sms.table import PHONE_COLUMN, TABLE, SmsMessage, SmsStatus
from models.ids import new_id

__all__ = [
    "BACKOFF_BASE_S",
    "BACKOFF_CAP_S",
    "LEASE_S",
    "MAX_ATTEMPTS",
    "MAX_KEY",
    "MAX_TEXT",
    "Attempt",
    "DeliveryReport",
    "backoff_s",
    "deliver_due",
    "enqueue",
]

MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 60.0
BACKOFF_CAP_S = 3600.0
LEASE_S = 300.0
MAX_TEXT = 500
"""Long enough for any reminder; SMS gateways split beyond 70 Chinese characters."""
MAX_KEY = 200
WINDOW = timedelta(seconds=60)

log = logging.getLogger("central.sms")


def backoff_s(attempts: int) -> float:
    """The wait after the ``attempts``-th try failed transiently: 60 s, 2 min, 4 min, ..."""
    return float(min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


def _by_key(session: Session, key: str) -> SmsMessage | None:
    return session.exec(select(SmsMessage).where(col(SmsMessage.key) == key)).first()


def enqueue(session: Session, *, key: str, org_code: str, text: str, now: datetime) -> SmsMessage:
    """Queue ``text`` for the contact of unit ``org_code``, due at ``now``, in the caller's
    transaction (the caller commits). The same ``key`` again returns the message already
    queued and queues nothing. A unit without a contact gets a message that is never sent
    (``no_contact``, no phone), so the office sees it; the same key once the unit has a
    contact queues it after all."""
    text = text.strip()
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"an SMS key is 1 to {MAX_KEY} characters")
    if not text or len(text) > MAX_TEXT:
        raise ValueError(f"an SMS text is 1 to {MAX_TEXT} characters")
    existing = _by_key(session, key)
    if existing is not None and existing.status != SmsStatus.NO_CONTACT:
        return existing
    central_key = key_of(session)
    phone = contact_phone(session, org_code, central_key)
    if existing is not None:
        if phone is not None:  # the unit has a contact now: the message goes after all
            existing.phone = central_key.seal(TABLE, PHONE_COLUMN, existing.id, phone)
            existing.status, existing.next_try_at = SmsStatus.QUEUED, now
            session.add(existing)
            log.info(
                "SMS %s queued for unit %s now it has a contact (%s)", existing.id, org_code, key
            )
        return existing
    message_id = new_id()
    message = SmsMessage(
        id=message_id,
        key=key,
        org_code=org_code,
        phone="" if phone is None else central_key.seal(TABLE, PHONE_COLUMN, message_id, phone),
        text=text,
        status=SmsStatus.QUEUED if phone is not None else SmsStatus.NO_CONTACT,
        next_try_at=now if phone is not None else None,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        # Another transaction queued the same key between the look-up and this insert.
        raced = _by_key(session, key)
        assert raced is not None
        return raced
    if phone is None:
        log.warning("no SMS contact for unit %s: %s not sent (%s)", org_code, message_id, key)
    else:
        log.info("SMS %s queued for unit %s (%s)", message_id, org_code, key)
    return message


@dataclass(frozen=True)
class Attempt:
    """One message handed to the sender in a pass, and what became of it."""

    id: str
    org_code: str
    status: str
    attempts: int
    next_try_at: datetime | None
    error: str | None


@dataclass
class DeliveryReport:
    attempts: list[Attempt] = field(default_factory=list)
    held: int = 0
    """Due, but beyond this minute's rate limit: left for a later pass."""

    def count(self, status: SmsStatus) -> int:
        return sum(1 for attempt in self.attempts if attempt.status == status)


def _claim(session: Session, message: SmsMessage, now: datetime) -> bool:
    """Take ``message`` for one try (committed): False when another worker took it first."""
    claimed = session.execute(
        update(SmsMessage)
        .where(
            col(SmsMessage.id) == message.id,
            col(SmsMessage.status) == SmsStatus.QUEUED,
            col(SmsMessage.attempts) == message.attempts,
        )
        .values(
            attempts=SmsMessage.attempts + 1,
            last_try_at=now,
            next_try_at=now + timedelta(seconds=LEASE_S),
        )
    )
    session.commit()
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    session.refresh(message)
    return True


def _record(session: Session, message: SmsMessage, result: SendResult, now: datetime) -> None:
    message.last_error = result.error
    if result.outcome is Outcome.SENT:
        message.status = SmsStatus.DELIVERED if result.delivered else SmsStatus.SENT
        message.provider_id, message.sent_at, message.next_try_at = result.provider_id, now, None
    elif result.outcome is Outcome.TRANSIENT and message.attempts < MAX_ATTEMPTS:
        wait = max(backoff_s(message.attempts), min(result.retry_after_s or 0.0, BACKOFF_CAP_S))
        message.status, message.next_try_at = SmsStatus.QUEUED, now + timedelta(seconds=wait)
    else:
        if result.outcome is Outcome.TRANSIENT:
            message.last_error = f"{result.error} (gave up after {message.attempts} tries)"
        message.status, message.next_try_at = SmsStatus.FAILED, None
    session.add(message)
    session.commit()


def _try(session: Session, sender: SmsSender, message: SmsMessage, now: datetime) -> None:
    try:
        phone = key_of(session).open(TABLE, PHONE_COLUMN, message.id, message.phone)
    except SealedValueError as exc:
        result = SendResult.permanent(f"the phone does not open: {exc.message}")
    else:
        result = sender.send(OutgoingSms(id=message.id, to=phone, text=message.text))
    _record(session, message, result, now)
    level = logging.INFO if result.outcome is Outcome.SENT else logging.WARNING
    log.log(
        level,
        "SMS %s for unit %s via %s: %s after %d tries%s",
        message.id,
        message.org_code,
        sender.name,
        message.status,
        message.attempts,
        f" ({message.last_error})" if message.last_error else "",
    )


def deliver_due(
    session: Session,
    sender: SmsSender,
    *,
    now: datetime,
    per_minute: int,
    keep_going: Callable[[], bool] = lambda: True,
) -> DeliveryReport:
    """Send what is due at ``now``, at most ``per_minute`` tries in any 60 s. Commits as it
    goes: give it a session of its own, not one inside another unit of work.
    ``keep_going`` is asked before each message (a stopping worker says no)."""
    if per_minute < 1:
        raise ValueError("the SMS rate limit is at least 1 a minute")
    counted = select(func.count()).select_from(SmsMessage)
    used = session.exec(counted.where(col(SmsMessage.last_try_at) > now - WINDOW)).one()
    due = (col(SmsMessage.status) == SmsStatus.QUEUED, col(SmsMessage.next_try_at) <= now)
    waiting = session.exec(counted.where(*due)).one()
    budget = max(0, per_minute - used)
    report = DeliveryReport()
    if budget:
        order = (col(SmsMessage.next_try_at), col(SmsMessage.created_at), col(SmsMessage.id))
        batch = list(session.exec(select(SmsMessage).where(*due).order_by(*order).limit(budget)))
        session.commit()  # end the read before the claims write
        for message in batch:
            if not keep_going():
                break
            if _claim(session, message, now):
                _try(session, sender, message, now)
                report.attempts.append(
                    Attempt(
                        message.id,
                        message.org_code,
                        message.status,
                        message.attempts,
                        message.next_try_at,
                        message.last_error,
                    )
                )
    report.held = max(0, waiting - len(report.attempts))
    return report
