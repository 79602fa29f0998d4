"""一体化监督: a discipline body (派驻纪检监察组, codes 950-999) supervises the departments
assigned to it. Its supervisors' devices then reach those units besides their own, and
see and supervise them exactly as the district's supervisors do within their scope:
the reach is the device's scope (several prefixes), which every check reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from sqlmodel import Session, col, delete, select

from central.errors import BadRequest, NotFound
from central.tables import BodyAssignment, Device, OrgUnitRow
from models.i18n import N_, _
from models.orgs import scope_prefix
from sync.failures import Failure

__all__ = ["AssignmentRefused", "assign", "body_scope", "scope_for"]


REFUSALS = {
    "unknown_unit": N_("{flag}: no org unit {unit}"),
    "not_a_body": N_("{flag}: {unit} is not a discipline body (950-999)"),
    "not_a_department": N_("{flag}: {unit} is not a department"),
}
"""Why an assignment is refused (the error's code), as msgids: the flag (``--body`` or
``--unit``) and the unit fill them in."""


class AssignmentRefused(BadRequest):
    """A refused assignment, naming the unit (``unit``) and the flag (``field``) it is
    about, so the operator's command says it in their language (``said``)."""

    failure: ClassVar[Failure] = BadRequest.failure
    """The operator's to fix, as any refused request (``sync.failures``)."""

    def __init__(self, code: str, unit: str, field: str) -> None:
        status = NotFound.status if code == "unknown_unit" else BadRequest.status
        message = REFUSALS[code].format(flag=f"--{field}", unit=unit)
        super().__init__(code, message, field=field, status=status)
        self.unit = unit

    def said(self) -> str:
        return _(REFUSALS[self.code]).format(flag=f"--{self.field}", unit=self.unit)


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
        raise AssignmentRefused("unknown_unit", body, "body")
    if found.level != "discipline":
        raise AssignmentRefused("not_a_body", body, "body")
    for unit in units:
        row = session.get(OrgUnitRow, unit)
        if row is None:
            raise AssignmentRefused("unknown_unit", unit, "unit")
        if row.level not in ("department", "discipline"):
            raise AssignmentRefused("not_a_department", unit, "unit")
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
