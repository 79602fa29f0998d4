"""A record moved out of this device's reach (issue 15, item 6), at the device: the
copy goes, and an edit still queued becomes a conflict the clerk sees and decides:
drop it, or keep it as a new record of the unit. Nothing is quarantined in silence."""

from __future__ import annotations

import pytest

from client.errors import ValidationFailed
from client.store import Store
from sync.protocol import (
    Action,
    Change,
    ConflictInfo,
    OpError,
    OpResult,
    OpStatus,
    PullResponse,
)
from sync.resolution import Choice
from tests.client.conftest import VILLAGE
from tests.stores import arrived

FIELDS = {
    "org_code": VILLAGE,
    "catalog_code": "FIN-01",
    "period": "2026-10",
    "title": "十月财务收支公开",
    "content": "本月收入合计1200元。",
    "status": "draft",
}


def _moved_out(store: Store, record_id: str) -> None:
    seq = store.cursor() + 1
    change = Change(kind="disclosure", seq=seq, record={"id": record_id}, moved_out=True)
    store.apply_pull(PullResponse(changes=[change], cursor=seq, more=False))


def _refused_out_of_scope(store: Store) -> None:
    """The push made before the pull: central refuses the edit as out of scope."""
    ops = [op for _seq, op in store.pending_ops(after_seq=0, limit=10)]
    error = OpError(code="out_of_scope", field="org_code", message="outside")
    store.apply_push_results(
        ops, [OpResult(op_id=op.op_id, status=OpStatus.REJECTED, error=error) for op in ops]
    )


def test_a_record_moved_away_without_edits_just_goes(enrolled: Store) -> None:
    record_id = arrived(enrolled, "disclosure", FIELDS)
    _moved_out(enrolled, record_id)
    assert enrolled.list_records("disclosure") == []
    assert enrolled.conflicts() == []
    assert enrolled.cursor() == 2


@pytest.mark.parametrize("pushed_first", [False, True])
def test_an_edit_of_a_record_moved_away_becomes_a_conflict(
    enrolled: Store, pushed_first: bool
) -> None:
    record_id = arrived(enrolled, "disclosure", FIELDS)
    enrolled.edit(record_id, {"title": "改过的标题"})
    if pushed_first:
        _refused_out_of_scope(enrolled)
    _moved_out(enrolled, record_id)
    assert enrolled.list_records("disclosure") == []
    assert enrolled.queue() == []  # nothing left to be quarantined in silence
    (conflict,) = enrolled.conflicts()
    assert (conflict.type, conflict.record_id, conflict.mine) == ("moved", record_id, ["title"])
    assert conflict.theirs is None  # the new unit is not named
    assert conflict.record is not None and conflict.record["title"] == "改过的标题"
    assert enrolled.status().conflicts == 1


def test_keeping_the_edit_makes_a_new_record_of_the_unit(enrolled: Store) -> None:
    record_id = arrived(enrolled, "disclosure", FIELDS)
    enrolled.edit(record_id, {"title": "改过的标题"})
    _moved_out(enrolled, record_id)
    (conflict,) = enrolled.conflicts()
    with pytest.raises(ValidationFailed):
        enrolled.resolve(conflict.id, Choice.VALUE, "x")
    enrolled.resolve(conflict.id, Choice.MINE)
    (copy,) = enrolled.list_records("disclosure")
    assert copy["id"] != record_id
    assert (copy["org_code"], copy["title"], copy["status"]) == (VILLAGE, "改过的标题", "draft")
    [(_seq, op)] = enrolled.pending_ops(after_seq=0, limit=10)
    assert (op.action, op.record_id) == (Action.CREATE, copy["id"])
    assert enrolled.conflicts() == []


def test_dropping_the_edit_leaves_nothing(enrolled: Store) -> None:
    record_id = arrived(enrolled, "disclosure", FIELDS)
    enrolled.edit(record_id, {"title": "改过的标题"})
    _moved_out(enrolled, record_id)
    (conflict,) = enrolled.conflicts()
    enrolled.resolve(conflict.id, Choice.THEIRS)
    assert enrolled.list_records("disclosure") == []
    assert enrolled.pending_ops(after_seq=0, limit=10) == []
    assert enrolled.conflicts() == []


def test_an_open_conflict_on_a_record_moved_away_becomes_the_moved_one(enrolled: Store) -> None:
    record_id = arrived(enrolled, "disclosure", FIELDS)
    enrolled.edit(record_id, {"title": "改过的标题"})
    ops = [op for _seq, op in enrolled.pending_ops(after_seq=0, limit=10)]
    info = ConflictInfo(field="title", base="x", mine="改过的标题", theirs="他们的", version=2)
    enrolled.apply_push_results(
        ops, [OpResult(op_id=op.op_id, status=OpStatus.CONFLICT, conflicts=[info]) for op in ops]
    )
    assert [c.type for c in enrolled.conflicts()] == ["field"]
    _moved_out(enrolled, record_id)
    (conflict,) = enrolled.conflicts()
    assert (conflict.type, conflict.mine) == ("moved", ["title"])
    resolved = [c for c in enrolled.conflicts(include_resolved=True) if c.type == "field"]
    assert [c.resolution for c in resolved] == ["moved"]
