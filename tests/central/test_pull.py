"""Serving changes: pages in change order, scope, no echo, a cursor that moves past everything."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, update
from sqlmodel import Session, col

from central.tables import Counter, OpResultRow, RecordVersion
from models.records import Disclosure
from sync.protocol import PullRequest, PullResponse

from .conftest import (
    OTHER_TOWN_VILLAGE,
    OTHER_VILLAGE,
    TOWN,
    VILLAGE,
    Device,
    create_op,
    disclosure_fields,
    gz,
    update_op,
)

Enroll = Callable[..., Device]


def _periods(n: int) -> list[str]:
    return [f"20{20 + i // 12:02d}-{i % 12 + 1:02d}" for i in range(n)]


def test_pages_follow_the_cursor(enroll: Enroll) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(VILLAGE)
    town.push(*(create_op(**disclosure_fields(period=p)) for p in _periods(7)))
    first = clerk.pull(after=0, limit=3)
    assert (len(first.changes), first.more, first.cursor) == (3, True, 3)
    assert [c.seq for c in first.changes] == [1, 2, 3]
    second = clerk.pull(after=first.cursor, limit=3)
    assert [c.seq for c in second.changes] == [4, 5, 6]
    third = clerk.pull(after=second.cursor, limit=3)
    assert ([c.seq for c in third.changes], third.more, third.cursor) == ([7], False, 7)
    empty = clerk.pull(after=third.cursor, limit=3)
    assert (empty.changes, empty.more, empty.cursor) == ([], False, 7)


def test_changes_carry_the_full_record_across_kinds(enroll: Enroll) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(VILLAGE)
    town.push(
        create_op(),
        create_op(
            "warning",
            org_code=VILLAGE,
            issued_by="150202950001",
            doc_type="warning",
            title="预警",
            reply_due="2026-02-01",
        ),
    )
    page = clerk.pull()
    assert [c.kind for c in page.changes] == ["disclosure", "warning"]
    record = page.changes[0].record
    assert record["version"] == 1 and record["updated_by"] == town.device_id
    assert record["catalog_code"] == "FIN-01" and record["channels"] == []


def test_a_village_never_sees_another_village(enroll: Enroll) -> None:
    town = enroll(TOWN, "town")
    clerk, neighbour = enroll(VILLAGE), enroll(OTHER_VILLAGE)
    town.push(create_op(), create_op(**disclosure_fields(OTHER_VILLAGE)))
    mine, cursor = clerk.pull_all()
    assert [c.record["org_code"] for c in mine] == [VILLAGE]
    assert cursor == 2  # moved past the change it may not see
    theirs, _ = neighbour.pull_all()
    assert [c.record["org_code"] for c in theirs] == [OTHER_VILLAGE]


def test_a_town_sees_its_villages_and_not_another_town(enroll: Enroll) -> None:
    supervisor = enroll("150202000000", "supervisor")
    town = enroll(TOWN, "town")
    supervisor.push(
        create_op(),
        create_op(**disclosure_fields(OTHER_VILLAGE)),
        create_op(**disclosure_fields(OTHER_TOWN_VILLAGE)),
    )
    seen, _ = town.pull_all()
    assert sorted(c.record["org_code"] for c in seen) == [VILLAGE, OTHER_VILLAGE]


def test_a_device_never_gets_its_own_changes_back(enroll: Enroll) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    op = create_op()
    clerk.push(op)
    page = clerk.pull()
    assert (page.changes, page.cursor, page.more) == ([], 1, False)
    town.push(update_op(op.record_id, {"title": ("财务计划公开", "镇改")}))
    page = clerk.pull(after=1)
    assert [c.record["title"] for c in page.changes] == ["镇改"]
    assert page.changes[0].seq == 2


def test_only_the_latest_version_is_served(enroll: Enroll) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    op = create_op()
    town.push(op)
    town.push(update_op(op.record_id, {"title": ("财务计划公开", "二")}))
    town.push(update_op(op.record_id, {"title": ("二", "三")}, base=2))
    changes, cursor = clerk.pull_all()
    assert [(c.seq, c.record["version"], c.record["title"]) for c in changes] == [(3, 3, "三")]
    assert cursor == 3


def test_a_forged_cursor_cannot_widen_scope(enroll: Enroll) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(VILLAGE)
    town.push(create_op(**disclosure_fields(OTHER_VILLAGE)))
    response = clerk.send("/v1/pull", gz({"after": -100, "limit": 5000}))
    assert (response.status_code, response.json()["field"]) == (422, "after")
    page: PullResponse = clerk.pull(after=0, limit=5000)
    assert page.changes == []


def test_limit_is_capped(enroll: Enroll) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(VILLAGE)
    town.push(*(create_op(**disclosure_fields(period=p)) for p in _periods(3)))
    assert len(clerk.pull(limit=10**9).changes) == 3
    assert len(clerk.pull(limit=0).changes) == 3  # 0 means the server's default page


def _checked_pull(device: Device, after: int, check: str | None) -> PullResponse:
    response = device.send("/v1/pull", gz(PullRequest(after=after, after_check=check)))
    assert response.status_code == 200, response.text
    return PullResponse.model_validate(response.json())


def test_a_page_names_its_cursor_and_a_cursor_central_lacks_is_behind(
    enroll: Enroll, session: Session
) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(VILLAGE)
    ops = [create_op(**disclosure_fields(period=p)) for p in _periods(3)]
    town.push(*ops)
    first = _checked_pull(clerk, 0, None)
    assert (first.cursor, first.behind, len(first.changes)) == (3, False, 3)
    assert first.cursor_check is not None
    again = _checked_pull(clerk, 3, first.cursor_check)
    assert (again.changes, again.cursor, again.behind) == ([], 3, False)
    assert again.cursor_check == first.cursor_check
    for after, check in ((3, "0" * 16), (9, None), (9, first.cursor_check)):
        behind = _checked_pull(clerk, after, check)
        assert (behind.changes, behind.cursor, behind.behind) == ([], 3, True)

    # Central restored from a backup taken before change 3; then change 3 is another one.
    lost = ops[2].record_id
    session.exec(delete(RecordVersion).where(col(RecordVersion.seq) == 3))
    session.exec(delete(Disclosure).where(col(Disclosure.id) == lost))
    session.exec(delete(OpResultRow).where(col(OpResultRow.op_id) == ops[2].op_id))
    session.exec(update(Counter).values(seq=2))
    session.commit()
    [result] = town.push(create_op(**disclosure_fields(period="1999-01"))).results
    assert result.seq == 3
    restored = _checked_pull(clerk, 3, first.cursor_check)
    assert (restored.changes, restored.cursor, restored.behind) == ([], 3, True)
    assert restored.cursor_check != first.cursor_check
    held = _checked_pull(clerk, 2, _checked_pull(clerk, 0, None).cursor_check)
    assert held.behind  # a check is of its own cursor: 3's check does not name 2
    rewound = clerk.pull(after=2)
    assert [c.seq for c in rewound.changes] == [3]
