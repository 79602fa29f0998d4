"""Personal values sealed in bundles (sync.bundle_sealing): they open only for their
recipient, at their place, and nothing else of a bundle changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.bundle_sealing import (
    ALTERED,
    NOT_SEALED,
    OTHER_KEY,
    Opener,
    Place,
    Sealer,
    SealError,
    declared_personal,
    is_sealed,
    key_id,
    new_key,
    open_changes,
    open_ops,
    open_results,
    private_b64,
    private_from_b64,
    public_b64,
    public_from_b64,
    seal_changes,
    seal_ops,
    seal_results,
)
from sync.protocol import (
    Action,
    Change,
    ConflictInfo,
    ConflictType,
    Op,
    OpError,
    OpResult,
    OpStatus,
)

ID_NUMBER = "11010519491231002X"
ACCOUNT = "6217000012345678"
PERSONAL = {"subsidy_payment": frozenset({"id_number", "account"})}
KEY = new_key()
PLACE = Place("subsidy_payment", "rec-1", "id_number", "to")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
names = st.text(min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(value=json_values, kind=names, record=names, field=names, slot=names)
def test_a_value_opens_for_its_recipient_at_its_place(
    value: Any, kind: str, record: str, field: str, slot: str
) -> None:
    place = Place(kind, record, field, slot)
    token = Sealer(KEY.public_key()).seal(place, value)
    if value is None:
        assert token is None  # nothing to hide
        return
    assert is_sealed(token) and token.split(":")[1] == key_id(KEY)
    assert Opener(KEY).open(place, token) == value
    # Anywhere else it does not open, and the error names the place, never the value.
    for elsewhere in (
        Place(kind + "x", record, field, slot),
        Place(kind, record + "x", field, slot),
        Place(kind, record, field + "x", slot),
        Place(kind, record, field, slot + "x"),
    ):
        with pytest.raises(SealError) as caught:
            Opener(KEY).open(elsewhere, token)
        assert caught.value.why == ALTERED
        assert str(elsewhere) in str(caught.value)


def test_another_key_a_flipped_byte_or_a_clear_value_is_refused() -> None:
    token = Sealer(KEY.public_key()).seal(PLACE, ID_NUMBER)
    assert ID_NUMBER not in token
    with pytest.raises(SealError) as other:
        Opener(new_key()).open(PLACE, token)
    assert other.value.why == OTHER_KEY
    head, _, body = token.rpartition(":")
    for index in range(0, len(body) - 2, 7):  # every part: ephemeral key, nonce, text, tag
        flipped = body[:index] + ("A" if body[index] != "A" else "B") + body[index + 1 :]
        with pytest.raises(SealError) as altered:
            Opener(KEY).open(PLACE, f"{head}:{flipped}")
        assert altered.value.why == ALTERED
    for clear in (ID_NUMBER, "", 5, ["sb1"]):
        with pytest.raises(SealError) as caught:
            Opener(KEY).open(PLACE, clear)
        assert caught.value.why == NOT_SEALED and ID_NUMBER not in str(caught.value)


def test_each_bundle_has_its_own_ephemeral_key_and_each_value_its_nonce() -> None:
    one, two = Sealer(KEY.public_key()), Sealer(KEY.public_key())
    tokens = {one.seal(PLACE, ID_NUMBER), one.seal(PLACE, ID_NUMBER), two.seal(PLACE, ID_NUMBER)}
    assert len(tokens) == 3
    opener = Opener(KEY)
    assert {opener.open(PLACE, token) for token in tokens} == {ID_NUMBER}


def test_keys_travel_as_raw_base64() -> None:
    assert public_b64(public_from_b64(public_b64(KEY))) == public_b64(KEY.public_key())
    assert private_b64(private_from_b64(private_b64(KEY))) == private_b64(KEY)
    for bad in ("", "not base64!", "QUJD"):
        with pytest.raises(ValueError, match="32 bytes"):
            public_from_b64(bad)


def test_the_declared_personal_fields_are_the_models() -> None:
    assert declared_personal() == {
        "subsidy_payment": frozenset({"id_number", "account"}),
        "clue": frozenset({"reporter_contact"}),
    }


def _op(**changes: tuple[Any, Any]) -> Op:
    return Op(
        op_id="op-1",
        kind="subsidy_payment",
        record_id="rec-1",
        action=Action.UPDATE,
        changes=changes,
        base_version=2,
        recorded_at="2031-10-01T00:00:00Z",
    )


def test_ops_seal_their_personal_values_only() -> None:
    ops = [
        _op(id_number=(None, ID_NUMBER), account=("6217000099998888", ACCOUNT), amount_fen=(1, 2)),
        Op(
            op_id="op-2",
            kind="disclosure",
            record_id="rec-2",
            action=Action.CREATE,
            changes={"title": (None, "十月公开")},
            recorded_at="2031-10-01T00:00:00Z",
        ),
    ]
    sealed = seal_ops(Sealer(KEY.public_key()), ops, PERSONAL)
    text = json.dumps([op.model_dump(mode="json") for op in sealed], ensure_ascii=False)
    for clear in (ID_NUMBER, ACCOUNT, "6217000099998888"):
        assert clear not in text
    assert sealed[0].changes["amount_fen"] == (1, 2) and sealed[0].changes["id_number"][0] is None
    assert sealed[1] == ops[1]
    assert open_ops(Opener(KEY), sealed, PERSONAL) == ops
    # A from value swapped with a to value does not open: each is bound to its slot.
    was, now = sealed[0].changes["account"]
    swapped = sealed[0].model_copy(update={"changes": {"account": (now, was)}})
    with pytest.raises(SealError, match=r"account \(from\)"):
        open_ops(Opener(KEY), [swapped], PERSONAL)
    # A bundle written without sealing is refused, naming the op's record and field.
    with pytest.raises(SealError, match="rec-1, field id_number"):
        open_ops(Opener(KEY), ops, PERSONAL)


def test_results_and_changes_seal_the_records_and_values_they_hand_back() -> None:
    op = _op(id_number=("110105194912310000", ID_NUMBER))
    record = {"id": "rec-1", "id_number": ID_NUMBER, "account": ACCOUNT, "amount_fen": 5}
    other = {"id": "rec-9", "id_number": ID_NUMBER, "account": "", "amount_fen": 7}
    results = [
        OpResult(
            op_id="op-1",
            status=OpStatus.PARTIAL,
            conflicts=[
                ConflictInfo(field="id_number", base="1", mine=ID_NUMBER, theirs=ACCOUNT),
                ConflictInfo(
                    field="project_id+id_number",
                    type=ConflictType.DUPLICATE,
                    mine={"project_id": "p-1", "id_number": ID_NUMBER},
                    theirs="rec-9",
                    record=other,
                ),
                ConflictInfo(field="deleted", type=ConflictType.DELETED, mine=True, record=record),
            ],
        ),
        OpResult(
            op_id="op-1",
            status=OpStatus.REJECTED,
            error=OpError(code="forbidden", message="no", record=record),
        ),
        OpResult(op_id="op-unknown", status=OpStatus.APPLIED),
    ]
    changes = [
        Change(kind="subsidy_payment", seq=3, record=record),
        Change(kind="subsidy_payment", seq=4, record={"id": "rec-3"}, moved_out=True),
        Change(kind="disclosure", seq=5, record={"id": "rec-4", "title": "公开"}),
    ]
    ops = {"op-1": op}
    sealer = Sealer(KEY.public_key())
    sealed_results = seal_results(sealer, results, ops, PERSONAL)
    sealed_changes = seal_changes(sealer, changes, PERSONAL)
    text = json.dumps(
        [m.model_dump(mode="json") for m in [*sealed_results, *sealed_changes]], ensure_ascii=False
    )
    assert ID_NUMBER not in text and ACCOUNT not in text
    duplicate = sealed_results[0].conflicts[1]
    assert duplicate.theirs == "rec-9" and duplicate.mine["project_id"] == "p-1"
    assert sealed_changes[1:] == changes[1:]
    assert open_results(Opener(KEY), sealed_results, ops, PERSONAL) == results
    assert open_changes(Opener(KEY), sealed_changes, PERSONAL) == changes
    # The device opens with its own key only.
    with pytest.raises(SealError, match="another"):
        open_changes(Opener(new_key()), sealed_changes, PERSONAL)
