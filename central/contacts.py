"""Units' SMS contacts on central: one person and one mobile per unit, the phone sealed.

Loaded from the office's sheet (``sanwu central contacts import``, read by
``central.contacts_file``) in one transaction: by default a file with any bad row
changes nothing and every bad row is listed; with ``partial`` the good rows load and
the bad ones are listed. Loading a unit again replaces its contact. The phone is
sealed with central's key (``central.sealing``, bound to ``unit_contact.phone`` and
the unit's code) and only ever shown masked (``models.masking.mask_phone``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Field, Session, SQLModel, col, select

from central.contacts_file import ParsedContacts, Rejection, parse_contacts
from central.sealing import CentralKey, load_key
from central.spreadsheet import read_rows
from models.masking import mask_phone
from models.orgs import org_by_code

__all__ = [
    "ContactView",
    "ImportOutcome",
    "UnitContact",
    "contact_phone",
    "import_contacts",
    "key_of",
    "list_contacts",
]

TABLE = "unit_contact"
PHONE_COLUMN = "phone"


class UnitContact(SQLModel, table=True):
    """Who gets a unit's SMS reminders (revision 0006)."""

    __tablename__ = TABLE

    org_code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=50)
    phone: str
    """Sealed (``sc1:...``): the mobile's 11 digits, bound to this table, column and unit."""
    loaded_at: datetime


@dataclass(frozen=True)
class ImportOutcome:
    loaded: int
    """Units whose contact is new."""
    replaced: int
    """Units whose earlier contact this file replaced."""
    rejections: list[Rejection]
    written: bool
    """False when bad rows kept the whole file out (the default)."""


@dataclass(frozen=True)
class ContactView:
    """A contact fit to show: the phone masked."""

    org_code: str
    unit: str
    name: str
    phone: str
    loaded_at: datetime


def key_of(session: Session) -> CentralKey:
    """Central's key for the database this session works on."""
    return load_key(session.get_bind().engine.url)


def _store(session: Session, parsed: ParsedContacts, key: CentralKey, now: datetime) -> int:
    """Write every parsed contact (the caller commits); returns how many replaced one."""
    replaced = 0
    for row in parsed.contacts:
        sealed = key.seal(TABLE, PHONE_COLUMN, row.org_code, row.phone)
        existing = session.get(UnitContact, row.org_code)
        if existing is None:
            session.add(
                UnitContact(org_code=row.org_code, name=row.name, phone=sealed, loaded_at=now)
            )
            continue
        replaced += 1
        existing.name, existing.phone, existing.loaded_at = row.name, sealed, now
        session.add(existing)
    session.flush()
    return replaced


def import_contacts(
    session: Session, path: Path, *, now: datetime, partial: bool = False
) -> ImportOutcome:
    """Load the contacts in ``path`` in one transaction (committed here when written).

    Raises ``UnreadableFile`` when the file is no table of contacts at all."""
    parsed = parse_contacts(read_rows(path))
    if parsed.rejections and not partial:
        return ImportOutcome(0, 0, parsed.rejections, written=False)
    key = key_of(session)
    try:
        replaced = _store(session, parsed, key, now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    loaded = len(parsed.contacts) - replaced
    return ImportOutcome(loaded, replaced, parsed.rejections, written=True)


def contact_phone(session: Session, org_code: str, key: CentralKey | None = None) -> str | None:
    """The unit's contact's mobile in clear (for sealing into a message), or None."""
    contact = session.get(UnitContact, org_code)
    if contact is None:
        return None
    return (key or key_of(session)).open(TABLE, PHONE_COLUMN, org_code, contact.phone)


def list_contacts(session: Session) -> list[ContactView]:
    """Every contact in code order, phones masked."""
    contacts = list(session.exec(select(UnitContact).order_by(col(UnitContact.org_code))))
    if not contacts:
        return []
    key = key_of(session)
    units = org_by_code()
    return [
        ContactView(
            org_code=contact.org_code,
            unit=units[contact.org_code].name if contact.org_code in units else "",
            name=contact.name,
            phone=mask_phone(key.open(TABLE, PHONE_COLUMN, contact.org_code, contact.phone)),
            loaded_at=contact.loaded_at,
        )
        for contact in contacts
    ]
