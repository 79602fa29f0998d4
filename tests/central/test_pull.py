"""Serving changes: pages in change order, scope, no echo, a cursor that moves past everything."""

from __future__ import annotations

from collections.abc import Callable

from sync.protocol import PullResponse

from .conftest import (
    OTHER_TOWN_VILLAGE,
    OTHER_VILLAGE,
    TOWN,
    VILLAGE,
    Device,
    create_op,
    disclosure_fields,
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
    page: PullResponse = clerk.pull(after=-100, limit=5000)
    assert page.changes == []


def test_limit_is_capped(enroll: Enroll) -> None:
    town, clerk = enroll(TOWN, "town"), enroll(VILLAGE)
    town.push(*(create_op(**disclosure_fields(period=p)) for p in _periods(3)))
    assert len(clerk.pull(limit=10**9).changes) == 3
    assert len(clerk.pull(limit=0).changes) == 3  # 0 means the server's default page
