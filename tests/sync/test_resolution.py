"""What a decision on a conflict means (``sync.resolution.plan``), alone: no store, no
network. The store carries the plan out; the engine and e2e tests show it arriving."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.protocol import Action, ConflictType
from sync.resolution import Choice, ConflictView, PlannedOp, ResolutionError, plan

RECORD = "0190b7c4-0000-7000-8000-000000000001"
OTHER = "0190b7c4-0000-7000-8000-000000000002"


def view(kind: ConflictType, **overrides: Any) -> ConflictView:
    values: dict[str, Any] = {
        "type": kind,
        "field": "title",
        "base": "十月公开",
        "mine": "十月财务公开",
        "theirs": "十月财务收支公开",
        "version": 4,
        "record_id": RECORD,
        "record": {"id": RECORD, "title": "十月财务收支公开", "org_code": "150202101200"},
    }
    values.update(overrides)
    return ConflictView(**values)


# ---- a field changed on both sides ------------------------------------------------------


def test_field_theirs_only_takes_their_value_locally() -> None:
    decided = plan(view(ConflictType.FIELD), Choice.THEIRS)
    assert decided.set_fields == {"title": "十月财务收支公开"}
    assert decided.op is None


def test_field_mine_goes_out_as_an_edit_from_their_value() -> None:
    decided = plan(view(ConflictType.FIELD), Choice.MINE)
    assert decided.set_fields == {"title": "十月财务公开"}
    assert decided.op == PlannedOp(
        Action.UPDATE, RECORD, {"title": ("十月财务收支公开", "十月财务公开")}, 4
    )


def test_field_an_edited_value_equal_to_theirs_sends_nothing() -> None:
    decided = plan(view(ConflictType.FIELD), Choice.VALUE, value="十月财务收支公开")
    assert decided.op is None and decided.set_fields == {"title": "十月财务收支公开"}


_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))


@given(
    mine=_values,
    theirs=_values,
    value=_values,
    choice=st.sampled_from(list(Choice)),
    version=st.integers(0, 10**6),
)
def test_field_plans_follow_one_rule(
    mine: Any, theirs: Any, value: Any, choice: Choice, version: int
) -> None:
    """Whatever is chosen is what the local record holds; it goes to central only when it
    differs from central's value, as an edit whose ``from`` is central's value and whose
    base is the version the conflict saw (a third edit meanwhile is caught again)."""
    conflict = view(ConflictType.FIELD, mine=mine, theirs=theirs, version=version)
    decided = plan(conflict, choice, value=value)
    chosen = {Choice.MINE: mine, Choice.THEIRS: theirs, Choice.VALUE: value}[choice]
    assert decided.set_fields == {"title": chosen}
    if chosen == theirs:
        assert decided.op is None
    else:
        assert decided.op == PlannedOp(Action.UPDATE, RECORD, {"title": (theirs, chosen)}, version)
    assert not decided.retire_local and not decided.recreate and decided.adopt is None


# ---- an edit against a delete -----------------------------------------------------------


def test_i_deleted_they_edited_keeping_my_delete_sends_it_again() -> None:
    conflict = view(ConflictType.DELETED, field="deleted", base=False, mine=True, theirs=False)
    decided = plan(conflict, Choice.MINE)
    assert decided.set_deleted is True
    assert decided.op == PlannedOp(Action.DELETE, RECORD, {"deleted": (False, True)}, 4)


def test_i_deleted_they_edited_taking_theirs_brings_their_record_back() -> None:
    conflict = view(ConflictType.DELETED, field="deleted", base=False, mine=True, theirs=False)
    decided = plan(conflict, Choice.THEIRS)
    assert decided.adopt == conflict.record and decided.op is None


def test_i_edited_they_deleted_keeping_mine_undeletes_with_my_fields() -> None:
    conflict = view(
        ConflictType.DELETED,
        field="deleted",
        base=False,
        mine={"title": "十月财务公开"},
        theirs=True,
    )
    decided = plan(conflict, Choice.MINE)
    assert decided.set_deleted is False
    assert decided.set_fields == {"title": "十月财务公开"}
    assert decided.op == PlannedOp(
        Action.UPDATE,
        RECORD,
        {"deleted": (True, False), "title": ("十月财务收支公开", "十月财务公开")},
        4,
    )


def test_i_edited_they_deleted_taking_theirs_deletes_locally() -> None:
    conflict = view(
        ConflictType.DELETED, field="deleted", mine={"title": "x"}, theirs=True, record=None
    )
    decided = plan(conflict, Choice.THEIRS)
    assert decided.set_deleted is True and decided.op is None


def test_a_delete_conflict_takes_no_typed_value() -> None:
    with pytest.raises(ResolutionError):
        plan(view(ConflictType.DELETED, mine=True), Choice.VALUE, value="x")


# ---- a create repeating a natural key ----------------------------------------------------


def duplicate(**overrides: Any) -> ConflictView:
    theirs = {
        "id": OTHER,
        "org_code": "150202101200",
        "catalog_code": "FIN-01",
        "period": "2026-10",
        "title": "他们的标题",
        "content": "",
        "version": 2,
    }
    values: dict[str, Any] = {
        "field": "org_code+catalog_code+period",
        "base": None,
        "mine": {"org_code": "150202101200", "catalog_code": "FIN-01", "period": "2026-10"},
        "theirs": OTHER,
        "version": 2,
        "record": theirs,
    }
    return view(ConflictType.DUPLICATE, **(values | overrides))


LOCAL = {
    "id": RECORD,
    "org_code": "150202101200",
    "catalog_code": "FIN-01",
    "period": "2026-10",
    "title": "我的标题",
    "content": "我的内容",
    "version": 0,
    "seq": 0,
}


def test_duplicate_theirs_retires_mine_and_keeps_theirs() -> None:
    decided = plan(duplicate(), Choice.THEIRS, local=LOCAL)
    assert decided.retire_local and decided.adopt == duplicate().record and decided.op is None


def test_duplicate_mine_copies_my_fields_onto_their_record() -> None:
    decided = plan(duplicate(), Choice.MINE, local=LOCAL)
    assert decided.retire_local
    assert decided.op == PlannedOp(
        Action.UPDATE,
        OTHER,
        {"title": ("他们的标题", "我的标题"), "content": ("", "我的内容")},
        2,
    )
    assert decided.adopt is not None
    assert decided.adopt["id"] == OTHER and decided.adopt["title"] == "我的标题"


def test_duplicate_mine_equal_to_theirs_sends_nothing() -> None:
    same = {**LOCAL, "title": "他们的标题", "content": ""}
    assert plan(duplicate(), Choice.MINE, local=same).op is None


def test_duplicate_with_a_new_key_is_sent_again_as_a_create() -> None:
    decided = plan(duplicate(), Choice.VALUE, value={"period": "2026-11"}, local=LOCAL)
    assert decided.recreate and decided.set_fields == {"period": "2026-11"}
    assert decided.op is None and not decided.retire_local


@pytest.mark.parametrize("value", [None, {}, "2026-11", ["period"]])
def test_duplicate_value_must_be_an_object_of_fields(value: Any) -> None:
    with pytest.raises(ResolutionError):
        plan(duplicate(), Choice.VALUE, value=value, local=LOCAL)
