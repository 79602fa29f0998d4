"""What a device reaches, as SQL: its scope's prefixes (a discipline body's device also
reaches the units assigned to it), the levels above it for handed-down kinds (the
catalogue), never the kinds its role does not read (clues, for a village).
``models.orgs`` says the same for one code; this module says it to the database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from central.tables import Device
from models.kinds import KINDS
from models.orgs import ancestors, scope_prefixes
from models.visibility import reads

__all__ = ["handed_down_kinds", "reaches", "unread_kinds", "within"]


def within(column: Any, scope: str) -> Any:
    """``column`` (an org code) falls in the scope: any of its prefixes."""
    prefixes = scope_prefixes(scope)
    if not prefixes:
        return sa.false()
    return sa.or_(*(column.startswith(prefix) for prefix in prefixes))


def handed_down_kinds() -> list[str]:
    return [spec.name for spec in KINDS.values() if spec.handed_down]


def unread_kinds(role: str) -> list[str]:
    """Kinds devices of ``role`` never receive."""
    return [spec.name for spec in KINDS.values() if not reads(spec, role)]


def reaches(org_column: Any, kind_column: Any, device: Device) -> Any:
    """A record of that unit and kind is served to the device: in its scope, or handed
    down from a level above it."""
    above = ancestors(device.scope)
    handed = handed_down_kinds()
    served = within(org_column, device.scope)
    if above and handed:
        served = sa.or_(served, sa.and_(kind_column.in_(handed), org_column.in_(above)))
    unread = unread_kinds(device.role)
    return sa.and_(served, kind_column.not_in(unread)) if unread else served
