"""Findings for supervisors: the same person paid twice, and devices whose audit chain broke.

Duplicate payments without clear ID numbers in any index: beside each payment central
keeps ``HMAC-SHA256(secret, normalised ID number)`` (``payment_fingerprint``), its
unit, project, subsidy category and period (the year paid, else the project's year).
The same hash twice for one category and period is a finding. The secret comes from
``CentralSettings.central_secret`` (or SANWU_CENTRAL_SECRET), else one made at random
and kept in ``central_setting``. Changing it makes old fingerprints unmatchable until
``rebuild_fingerprints`` runs.

Audit chains: each push may carry the device's audit links since the last one central
checked (``sync.protocol.AuditLink``). Central recomputes every link from the
previous hash and the entry's digest; a link that does not match is ``edited``, ids
that do not follow on are a ``gap``. Findings are kept and served; the push itself
still applies (nothing a unit entered is lost over a broken log).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from central.at_rest import AtRest
from central.errors import Forbidden
from central.tables import (
    AuditFinding,
    CentralSetting,
    Device,
    DeviceAudit,
    PaymentFingerprint,
)
from models.kinds import kind_spec
from models.masking import mask_record
from models.orgs import in_scope
from models.records import SubsidyPayment, SubsidyProject
from models.rules.actors import SUPERVISING_ROLES
from sync.protocol import AUDIT_GENESIS, AuditLink, audit_link_hash

__all__ = [
    "ENV_SECRET",
    "AuditFindingOut",
    "AuditFindingsResponse",
    "DuplicateGroup",
    "DuplicatePaymentsResponse",
    "audit_findings",
    "central_secret",
    "check_audit",
    "duplicate_payments",
    "id_hash",
    "rebuild_fingerprints",
    "refresh_fingerprints",
]

ENV_SECRET = "SANWU_CENTRAL_SECRET"
SECRET_KEY = "secret"


# ---- the secret and fingerprints ---------------------------------------------------------


def central_secret(session: Session, configured: str | None = None) -> bytes:
    """The configured secret, else SANWU_CENTRAL_SECRET, else the one kept in the database
    (made at random the first time)."""
    given = configured or os.environ.get(ENV_SECRET)
    if given:
        return given.encode("utf-8")
    row = session.get(CentralSetting, SECRET_KEY)
    if row is None:
        try:
            with session.begin_nested():  # two first requests at once: one secret wins
                session.add(CentralSetting(key=SECRET_KEY, value=secrets.token_hex(32)))
        except IntegrityError:
            pass
        row = session.get_one(CentralSetting, SECRET_KEY)
    return row.value.encode("utf-8")


def id_hash(secret: bytes, id_number: str) -> str:
    normalised = "".join(id_number.split()).upper()
    return hmac.new(secret, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def _period(payment: SubsidyPayment, project: SubsidyProject | None) -> str:
    if payment.paid_on is not None:
        return str(payment.paid_on.year)
    if project is not None:
        for day in (project.disbursed_on, project.allocated_on, project.planned_on):
            if day is not None:
                return str(day.year)
    return ""


def refresh_fingerprints(
    session: Session,
    payment_ids: Iterable[str],
    *,
    secret: bytes | None = None,
    at_rest: AtRest | None = None,
) -> None:
    """Bring the fingerprints of these payments up to date (inside the caller's
    transaction): live payments with an ID number get one, others lose theirs."""
    ids = sorted(set(payment_ids))
    if not ids:
        return
    key = secret or central_secret(session)
    sealed = at_rest or AtRest.of(session, key)
    spec = kind_spec("subsidy_payment")
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.exec(
            delete(PaymentFingerprint).where(col(PaymentFingerprint.payment_id).in_(chunk))
        )
        payments = list(
            session.exec(select(SubsidyPayment).where(col(SubsidyPayment.id).in_(chunk)))
        )
        project_ids = sorted({p.project_id for p in payments})
        projects = {
            p.id: p
            for p in session.exec(
                select(SubsidyProject).where(col(SubsidyProject.id).in_(project_ids))
            )
        }
        for payment in payments:
            if payment.deleted or not payment.id_number:
                continue
            project = projects.get(payment.project_id)
            session.add(
                PaymentFingerprint(
                    payment_id=payment.id,
                    id_hash=id_hash(
                        key, sealed.open_value(spec, "id_number", payment.id, payment.id_number)
                    ),
                    org_code=payment.org_code,
                    project_id=payment.project_id,
                    category=(project.category if project else "")[:40],
                    period=_period(payment, project),
                )
            )
    session.flush()


def rebuild_fingerprints(session: Session, *, secret: bytes | None = None) -> int:
    """Every payment's fingerprint again (after the secret changed); commits."""
    ids = list(session.exec(select(SubsidyPayment.id)))
    refresh_fingerprints(session, ids, secret=secret)
    session.commit()
    return len(ids)


class DuplicatePayment(BaseModel):
    payment_id: str
    org_code: str
    project_id: str
    recipient: str
    """The recipient's name, masked (张*)."""
    id_number: str
    """Masked: 110105********002X."""
    amount_fen: int


class DuplicateGroup(BaseModel):
    category: str
    period: str
    payments: list[DuplicatePayment]
    """The group's lines in the asking device's scope."""
    outside: int = 0
    """Lines of the group outside its scope: counted, never named (no id, unit or value)."""


class DuplicatePaymentsResponse(BaseModel):
    groups: list[DuplicateGroup]


def _require_supervising(device: Device) -> None:
    if device.role not in SUPERVISING_ROLES:
        raise Forbidden("forbidden", "findings are for supervisors and town staff")


def duplicate_payments(session: Session, *, device: Device) -> DuplicatePaymentsResponse:
    """Groups of live payments to the same person (same keyed hash) for the same subsidy
    category and period, at least one of them in the device's scope; masked values only.
    Lines outside its scope are counted, not named: a town learns that the person was
    paid elsewhere too, not which record, unit or amount."""
    _require_supervising(device)
    rows = list(session.exec(select(PaymentFingerprint)))
    groups: dict[tuple[str, str, str], list[PaymentFingerprint]] = {}
    for row in rows:
        groups.setdefault((row.id_hash, row.category, row.period), []).append(row)
    found = [
        (key, members)
        for key, members in groups.items()
        if len(members) > 1 and any(in_scope(m.org_code, device.scope) for m in members)
    ]
    ids = [m.payment_id for _key, members in found for m in members]
    payments = {
        p.id: p for p in session.exec(select(SubsidyPayment).where(col(SubsidyPayment.id).in_(ids)))
    }
    at_rest = AtRest.of(session)
    spec = kind_spec("subsidy_payment")
    out: list[DuplicateGroup] = []
    for (_hash, category, period), members in sorted(found, key=lambda item: item[0][1:]):
        shown = []
        outside = 0
        for member in sorted(members, key=lambda m: (m.org_code, m.payment_id)):
            payment = payments.get(member.payment_id)
            if payment is None:
                continue
            if not in_scope(payment.org_code, device.scope):
                outside += 1
                continue
            masked = mask_record(
                "subsidy_payment",
                {
                    "recipient_name": payment.recipient_name,
                    "id_number": at_rest.open_value(
                        spec, "id_number", payment.id, payment.id_number
                    ),
                },
            )
            shown.append(
                DuplicatePayment(
                    payment_id=payment.id,
                    org_code=payment.org_code,
                    project_id=payment.project_id,
                    recipient=masked["recipient_name"],
                    id_number=masked["id_number"],
                    amount_fen=payment.amount_fen,
                )
            )
        out.append(
            DuplicateGroup(category=category, period=period, payments=shown, outside=outside)
        )
    return DuplicatePaymentsResponse(groups=out)


# ---- audit chains ---------------------------------------------------------------------------


def check_audit(
    session: Session, *, device: Device, links: Sequence[AuditLink], now: datetime
) -> list[AuditFinding]:
    """Check a pushed segment of the device's audit chain against the last link central
    saw; record (and return) findings; remember the new last link. Commits."""
    if not links:
        return []
    state = session.get(DeviceAudit, device.id)
    last_id, last_hash = (state.last_id, state.last_hash) if state else (0, AUDIT_GENESIS)
    findings: list[AuditFinding] = []

    def finding(kind: str, detail: str) -> None:
        findings.append(
            AuditFinding(
                device_id=device.id, org_code=device.org_code, at=now, kind=kind, detail=detail
            )
        )

    prev_hash = last_hash
    first_new = last_id + 1
    for link in sorted(links, key=lambda item: item.id):
        if link.id < last_id:
            continue
        if link.id == last_id:  # the anchor: the entry central checked last time
            if last_id and link.hash != last_hash:
                finding("edited", f"entry {link.id} was rewritten after central checked it")
            continue
        if link.id != last_id + 1:
            finding("gap", f"entries {last_id + 1} to {link.id - 1} are missing")
        expected = audit_link_hash(prev_hash, link.digest)
        if link.hash is None:  # between the ends of the segment: the last hash vouches for it
            prev_hash, last_id = expected, link.id
            continue
        if link.hash != expected:
            where = f"entry {link.id}" if link.id == first_new else f"entries {first_new}-{link.id}"
            finding("edited", f"{where}: an entry does not match its content or the chain")
        prev_hash, last_id = link.hash, link.id
        first_new = link.id + 1
    if state is None:
        state = DeviceAudit(device_id=device.id, last_id=last_id, last_hash=prev_hash)
    else:
        state.last_id, state.last_hash = last_id, prev_hash
    session.add(state)
    for item in findings:
        session.add(item)
    session.commit()
    return findings


class AuditFindingOut(BaseModel):
    id: int
    device_id: str
    org_code: str
    at: str
    kind: str
    detail: str


class AuditFindingsResponse(BaseModel):
    findings: list[AuditFindingOut]


def audit_findings(session: Session, *, device: Device) -> AuditFindingsResponse:
    """Findings about devices of units in the asking device's scope, oldest first."""
    from models.kinds import timestamp_to_wire

    _require_supervising(device)
    rows = session.exec(
        select(AuditFinding)
        .where(col(AuditFinding.org_code).startswith(device.scope))
        .order_by(col(AuditFinding.id))
    )
    return AuditFindingsResponse(
        findings=[
            AuditFindingOut(
                id=row.id or 0,
                device_id=row.device_id,
                org_code=row.org_code,
                at=timestamp_to_wire(row.at) or "",
                kind=row.kind,
                detail=row.detail,
            )
            for row in rows
        ]
    )
