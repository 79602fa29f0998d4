"""How the supervision work reaches the SMS queue (``central.sms.queue``): the reminder
pass's digest (one a unit a day, ``central.reminders``) and a warning issued with ``sms``
each queue one message to the unit's contact, keyed by what it is about so it is sent
once however often it is pushed or passed. A unit without a contact gets a ``no_contact``
entry instead, which ``sanwu central sms list`` shows the district's office."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from central.at_rest import AtRest
from central.clock import utcnow
from central.sms.queue import enqueue
from central.sms.table import SmsStatus
from central.tables import OrgUnitRow
from models.kinds import kind_spec
from models.records import SupervisionWarning
from models.rules.warnings import Status, issued_sms_text

__all__ = ["queue_issued_warnings", "queue_sms"]


def queue_sms(session: Session, key: str, org_code: str, text: str) -> object:
    """Queue one SMS in the caller's transaction (a ``no_contact`` entry when the unit has
    no contact)."""
    return enqueue(session, key=key, org_code=org_code, text=text, now=utcnow())


def queue_issued_warnings(session: Session, record_ids: Iterable[str]) -> int:
    """Queue the SMS of each of these warnings that is issued with ``sms`` and not yet
    signed for; returns how many were queued or already were (not those of a unit with
    no contact)."""
    spec = kind_spec("warning")
    at_rest = AtRest.of(session)
    queued = 0
    for record_id in dict.fromkeys(record_ids):
        row = session.get(SupervisionWarning, record_id)
        if row is None or row.deleted or not row.sms or row.status != Status.ISSUED:
            continue
        warning = at_rest.wire(spec, row)
        unit = session.get(OrgUnitRow, row.org_code)
        doc = spec.choices("doc_type").get(row.doc_type, "预警")
        text = issued_sms_text(unit.name if unit else row.org_code, doc, warning)
        message = enqueue(
            session,
            key=f"warning:{record_id}:issued",
            org_code=row.org_code,
            text=text,
            now=utcnow(),
        )
        if message.status != SmsStatus.NO_CONTACT:
            queued += 1
    return queued
