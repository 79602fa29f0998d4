"""Audit-chain checks and keyed-hash duplicate payments, in-process."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from central.findings import id_hash
from central.tables import AuditFinding, PaymentFingerprint
from sync.protocol import AUDIT_GENESIS, AuditLink, PushRequest, audit_digest, audit_link_hash
from tests.central.conftest import VILLAGE, create_op, gz

OTHER = "150202101201"
ID_NUMBER = "11010519491231002X"


def _chain(n: int, start: int = 1, prev: str = AUDIT_GENESIS) -> list[AuditLink]:
    links = []
    for i in range(start, start + n):
        digest = audit_digest({"n": i})
        prev = audit_link_hash(prev, digest)
        links.append(AuditLink(id=i, digest=digest, hash=prev))
    return links


def _push_audit(device: Any, links: list[AuditLink]) -> None:
    response = device.send("/v1/push", gz(PushRequest(ops=[], audit=links)))
    assert response.status_code == 200, response.text


def test_a_continuous_chain_gives_no_finding(enroll: Any, session: Any) -> None:
    clerk = enroll(VILLAGE)
    links = _chain(5)
    _push_audit(clerk, links[:3])
    _push_audit(clerk, [links[2], *links[3:]])  # anchor first, then the new ones
    assert list(session.exec(select(AuditFinding))) == []


def test_edited_entry_and_gap_are_findings(enroll: Any, session: Any) -> None:
    clerk = enroll(VILLAGE)
    links = _chain(6)
    _push_audit(clerk, links[:2])
    edited = links[2].model_copy(update={"digest": audit_digest({"n": "changed"})})
    _push_audit(clerk, [links[1], edited])
    _push_audit(clerk, [links[4], links[5]])  # entry 4 never arrives
    kinds = [(f.kind, f.detail) for f in session.exec(select(AuditFinding))]
    assert kinds[0] == ("edited", "entry 3: an entry does not match its content or the chain")
    assert ("gap", "entries 4 to 4 are missing") in kinds
    supervisor = enroll("150202000000", "supervisor")
    served = supervisor.send("/v1/findings/audit", b"", method="GET").json()["findings"]
    assert {f["kind"] for f in served} >= {"edited", "gap"}
    assert clerk.send("/v1/findings/audit", b"", method="GET").status_code == 403


def test_an_edit_between_the_ends_of_a_segment_is_found(enroll: Any, session: Any) -> None:
    """Pushes carry hashes only at a segment's ends; the last one vouches for the rest."""
    clerk = enroll(VILLAGE)
    links = _chain(6)
    middle = [link.model_copy(update={"hash": None}) for link in links[1:5]]
    _push_audit(clerk, [links[0], *middle, links[5]])
    assert list(session.exec(select(AuditFinding))) == []
    clerk = enroll(OTHER)
    edited = middle[1].model_copy(update={"digest": audit_digest({"n": "changed"})})
    _push_audit(clerk, [links[0], middle[0], edited, *middle[2:], links[5]])
    kinds = [(f.kind, f.detail) for f in session.exec(select(AuditFinding))]
    assert kinds == [("edited", "entries 2-6: an entry does not match its content or the chain")]


def test_same_person_paid_twice_across_villages(enroll: Any, session: Any) -> None:
    a, b, town = enroll(VILLAGE), enroll(OTHER), enroll("150202101000", "town")
    for device, unit in ((a, VILLAGE), (b, OTHER)):
        project = create_op(
            "subsidy_project", org_code=unit, category="agriculture", name="地力补贴"
        )
        payment = create_op(
            "subsidy_payment",
            org_code=unit,
            project_id=project.record_id,
            recipient_name="王小二",
            id_number=ID_NUMBER,
            amount_fen=1000,
            paid_on="2026-04-01",
        )
        device.push(project, payment)
    prints = list(session.exec(select(PaymentFingerprint)))
    assert len({p.id_hash for p in prints}) == 1 and len(prints) == 2
    assert all(ID_NUMBER not in p.id_hash for p in prints)
    assert id_hash(b"k", ID_NUMBER) == id_hash(b"k", ID_NUMBER.lower())
    answer = town.send("/v1/findings/duplicate-payments", b"", method="GET")
    assert ID_NUMBER not in answer.text
    [group] = answer.json()["groups"]
    assert (group["category"], group["period"]) == ("agriculture", "2026")
    assert sorted(p["org_code"] for p in group["payments"]) == [VILLAGE, OTHER]
    assert {p["id_number"] for p in group["payments"]} == {"110105********002X"}
    assert a.send("/v1/findings/duplicate-payments", b"", method="GET").status_code == 403


def test_init_makes_the_secret_before_any_request(session: Any, monkeypatch: Any) -> None:
    """Central's first requests come at once (a city's devices enroll together): the secret
    they all need is made by ``central init``, not by whichever request comes first."""
    from central.findings import SECRET_KEY, central_secret
    from central.tables import CentralSetting

    monkeypatch.delenv("SANWU_CENTRAL_SECRET", raising=False)
    row = session.get(CentralSetting, SECRET_KEY)
    assert row is not None and len(row.value) == 64
    assert central_secret(session) == row.value.encode("utf-8")
