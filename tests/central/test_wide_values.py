"""Values past 32 bits, on SQLite and PostgreSQL: change numbers, money, cursors, ids.

A PostgreSQL 15 run once answered 500 to a pull cursor above 2^31-1 and to an amount of
2^31 fen (¥21.47 million), and the home's queue stayed blocked for good. Now every such
column is 64-bit, and a value beyond what central keeps is one op's refusal naming the
field: never a 500, never a blocked queue.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlmodel import Session

from central.tables import Counter
from models.records import SubsidyPayment, SubsidyProject
from sync.protocol import AuditLink, OpStatus, PullRequest, PushRequest

from .conftest import TOWN, VILLAGE, Device, create_op, gz, update_op

Enroll = Callable[..., Device]

PAST_32_BITS = 2**31 + 5
YUAN_21_MILLION = 2**31  # fen


def _project(**overrides: object) -> dict[str, object]:
    return {
        "org_code": VILLAGE,
        "category": "construction",
        "name": "村村通道路硬化工程",
        "total_fen": YUAN_21_MILLION,
    } | overrides


def test_change_numbers_past_32_bits_are_pushed_and_pulled(
    enroll: Enroll, session: Session
) -> None:
    session.exec(update(Counter).values(seq=PAST_32_BITS))  # a city's log, years on
    session.commit()
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    op = create_op()
    [result] = clerk.push(op).results
    assert (result.status, result.seq) == (OpStatus.APPLIED, PAST_32_BITS + 1)
    page = town.pull(after=2**31 - 1)
    assert [c.seq for c in page.changes] == [PAST_32_BITS + 1]
    assert page.cursor == PAST_32_BITS + 1
    [edit] = town.push(update_op(op.record_id, {"title": ("财务计划公开", "改")})).results
    assert (edit.version, edit.seq) == (2, PAST_32_BITS + 2)
    assert clerk.pull(after=page.cursor).changes[0].seq == PAST_32_BITS + 2


def test_an_amount_past_2_pow_31_fen_is_kept_to_the_fen(enroll: Enroll, session: Session) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    project = create_op("subsidy_project", **_project())
    payment = create_op(
        "subsidy_payment",
        org_code=VILLAGE,
        project_id=project.record_id,
        recipient_name="张三",
        id_number="11010519491231002X",
        standard=YUAN_21_MILLION + 1,
        amount_fen=YUAN_21_MILLION + 2,
    )
    results = clerk.push(project, payment).results
    assert [r.status for r in results] == [OpStatus.APPLIED] * 2
    stored = session.get(SubsidyProject, project.record_id)
    assert stored is not None and stored.total_fen == YUAN_21_MILLION
    paid = session.get(SubsidyPayment, payment.record_id)
    assert paid is not None and (paid.standard, paid.amount_fen) == (
        YUAN_21_MILLION + 1,
        YUAN_21_MILLION + 2,
    )
    pulled = {c.record["id"]: c.record for c in town.pull().changes}
    assert pulled[project.record_id]["total_fen"] == YUAN_21_MILLION
    assert pulled[payment.record_id]["amount_fen"] == YUAN_21_MILLION + 2


def test_an_amount_beyond_range_is_one_ops_refusal_naming_the_field(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    ops = [
        create_op("subsidy_project", **_project(name="超出", total_fen=2**63)),
        create_op("subsidy_project", **_project(name="再超出", total_fen=2**70)),
        create_op("subsidy_project", **_project(name="正常")),
    ]
    results = clerk.push(*ops).results
    assert [r.status for r in results] == [OpStatus.REJECTED, OpStatus.REJECTED, OpStatus.APPLIED]
    for refused in results[:2]:
        assert refused.error is not None and refused.error.field == "total_fen"


def test_numbers_beyond_64_bits_in_requests_are_never_a_500(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    [created] = clerk.push(op := create_op()).results
    response = clerk.send("/v1/pull", gz(PullRequest(after=2**63 - 1)))
    assert response.status_code == 200, response.text
    for after in (2**63, 2**80):  # bounded at the protocol's edge: refused by name
        response = clerk.send("/v1/pull", gz({"after": after}))
        assert (response.status_code, response.json()["field"]) == (422, "after")
    edit = update_op(op.record_id, {"title": ("财务计划公开", "改")})
    sent = PushRequest(ops=[edit]).model_dump(mode="json")
    sent["ops"]["rows"][0][4] = 2**80  # base_version's place in a compact op row
    response = clerk.send("/v1/push", gz(sent))
    assert (response.status_code, response.json()["field"]) == (422, "ops.0.base_version")
    assert clerk.push(edit).results[0].status is OpStatus.APPLIED
    huge = AuditLink.model_construct(id=2**80, digest="0" * 32, hash="0" * 64)
    response = clerk.send("/v1/push", gz(PushRequest.model_construct(ops=[], audit=[huge])))
    assert response.status_code == 422, response.text
    assert response.json()["field"].startswith("audit")
    assert created.status is OpStatus.APPLIED
