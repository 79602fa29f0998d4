"""一体化监督: a discipline body (派驻纪检监察组, codes 950-999) supervises the departments
assigned to it. Its supervisors' devices then reach those units besides their own, and
see and supervise them exactly as the district's supervisors do within their scope:
the reach is the device's scope (several prefixes), which every check reads."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, delete, select

from central.errors import BadRequest, NotFound
from central.tables import BodyAssignment, Device, OrgUnitRow
from models.orgs import scope_prefix

__all__ = ["assign", "body_scope", "scope_for"]


def body_scope(session: Session, body: str) -> str:
    """The scope of a discipline body's supervisors: the body and its assigned units."""
    units = session.exec(
        select(BodyAssignment.unit)
        .where(col(BodyAssignment.body) == body)
        .order_by(col(BodyAssignment.unit))
    )
    return ",".join([body, *units])


def scope_for(session: Session, unit: str, role: str) -> str:
    """A new device's scope: its role's prefix, and for a body's supervisors its units."""
    scope = scope_prefix(unit, role)
    if role == "supervisor" and scope == unit:
        return body_scope(session, unit)
    return scope


def assign(session: Session, *, body: str, units: Sequence[str]) -> str:
    """Make ``units`` the departments ``body`` supervises (replacing its earlier ones) and
    widen its supervisors' devices to them; commits. Returns the body's scope."""
    found = session.get(OrgUnitRow, body)
    if found is None:
        raise NotFound("unknown_unit", f"no org unit {body}")
    if found.level != "discipline":
        raise BadRequest("not_a_body", f"{body} is not a discipline body (950-999)", field="body")
    for unit in units:
        row = session.get(OrgUnitRow, unit)
        if row is None:
            raise NotFound("unknown_unit", f"no org unit {unit}")
        if row.level not in ("department", "discipline"):
            raise BadRequest("not_a_department", f"{unit} is not a department", field="unit")
    session.exec(delete(BodyAssignment).where(col(BodyAssignment.body) == body))
    for unit in sorted(set(units)):
        session.add(BodyAssignment(body=body, unit=unit))
    session.flush()
    scope = body_scope(session, body)
    for device in session.exec(
        select(Device).where(col(Device.org_code) == body, col(Device.role) == "supervisor")
    ):
        device.scope = scope
        session.add(device)
    session.commit()
    return scope
