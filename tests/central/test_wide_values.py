"""Values past 32 bits, on SQLite and PostgreSQL: change numbers, money, cursors, ids,
and the whole numbers whose columns stay 32-bit (refused past 2^31-1, by name).

A PostgreSQL 15 run once answered 500 to a pull cursor above 2^31-1 and to an amount of
2^31 fen (¥21.47 million), and the home's queue stayed blocked for good. Now every such
column is 64-bit, and a value beyond what central keeps is one op's refusal naming the
field: never a 500, never a blocked queue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session

from central.tables import Counter
from models.ids import new_id
from models.kinds import KINDS, FieldType
from models.limits import INT_MAX
from models.records import SubsidyPayment, SubsidyProject
from sync.protocol import AuditLink, OpStatus, PullRequest, PushRequest

from .conftest import TOWN, VILLAGE, Device, create_op, disclosure_fields, gz, update_op

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


def _plain_int_fields() -> list[tuple[str, str]]:
    """Every whole-number field of every kind whose column is 32-bit on PostgreSQL."""
    return [
        (kind, field.name)
        for kind, spec in KINDS.items()
        for field in spec.specs.values()
        if field.type is FieldType.INT and not field.wide
    ]


def test_a_whole_number_past_its_32_bit_column_is_one_ops_refusal_naming_the_field(
    enroll: Enroll, session: Session
) -> None:
    fields = _plain_int_fields()
    assert fields
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    _before, cursor = town.pull_all()
    for month, beyond in enumerate((INT_MAX + 1, PAST_32_BITS), start=1):
        ops = [create_op(kind, org_code=VILLAGE, **{name: beyond}) for kind, name in fields]
        ops.append(create_op(**disclosure_fields(period=f"2026-0{month}")))  # the rest goes
        results = clerk.push(*ops).results
        assert results[-1].status is OpStatus.APPLIED
        for (kind, name), op, result in zip(fields, ops, results, strict=False):
            assert result.status is OpStatus.REJECTED, (kind, name)
            assert result.error is not None and result.error.field == name, (kind, name)
            assert "too_large" in result.error.message, (kind, name)
            assert session.get(KINDS[kind].table, op.record_id) is None, (kind, name)
    changes, _cursor = town.pull_all(after=cursor)
    assert [c.record["id"] for c in changes if c.kind != "disclosure"] == []
    assert len(changes) == 2  # the two disclosures, nothing of the refused ops


def test_2_pow_31_minus_1_passes_each_fields_own_rule_and_fits_its_column(
    enroll: Enroll, session: Session
) -> None:
    clerk = enroll(VILLAGE)
    by_kind: dict[str, list[str]] = {}
    for kind, name in _plain_int_fields():
        by_kind.setdefault(kind, []).append(name)
        op = create_op(kind, org_code=VILLAGE, **{name: INT_MAX})
        [result] = clerk.push(op).results
        # Refused it may be (a bare record misses its required fields, a clerk may not
        # write every kind), but never for this value.
        assert result.error is None or result.error.field != name, (kind, name, result.error)
    for kind, names in by_kind.items():
        table = KINDS[kind].table
        values = dict.fromkeys(names, INT_MAX)
        row = table(id=new_id(), org_code=VILLAGE, recorded_at=datetime.now(UTC), **values)
        session.add(row)
        session.commit()  # each column holds the largest value its rule lets through
        session.expire_all()
        stored = session.get(table, row.id)
        assert stored is not None, kind
        assert {name: getattr(stored, name) for name in names} == values, kind
