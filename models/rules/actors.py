"""Who acts on a record: a device's role and units, and the side it takes on a unit's
record, the unit itself or one of the levels that supervise it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.orgs import in_scope

__all__ = ["SUPERVISING_ROLES", "Actor", "Side", "side_of"]

SUPERVISING_ROLES = frozenset({"supervisor", "town"})
"""Roles that supervise the units in their scope: the district's discipline commission
and the towns' (a town supervises its villages and communities)."""


class Side(StrEnum):
    UNIT = "unit"
    """The unit a record is about: it signs, reports, rectifies."""
    SUPERVISOR = "supervisor"
    """A level supervising that unit: it issues, accepts, returns."""


@dataclass(frozen=True)
class Actor:
    """A device as the rules see it."""

    role: str
    unit: str
    """The device's own unit (12 digits)."""
    scopes: tuple[str, ...]
    """Org-code prefixes the device reaches."""

    def reaches(self, org_code: str) -> bool:
        return any(in_scope(org_code, prefix) for prefix in self.scopes)


def side_of(actor: Actor, org_code: str) -> Side | None:
    """The side ``actor`` takes on a record of ``org_code``: the unit itself, a level
    that supervises it, or none (outside its reach, or a support device, which only
    reads)."""
    if actor.role == "support" or not actor.reaches(org_code):
        return None
    if org_code == actor.unit:
        return Side.UNIT
    if actor.role in SUPERVISING_ROLES:
        return Side.SUPERVISOR
    return None
