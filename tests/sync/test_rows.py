"""Compact rows: every batch reads back as written, rows look as documented, and a
malformed batch names the place without echoing what was there."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sync import rows
from sync.bundle import OpsBundle, ReplyBundle
from sync.protocol import (
    Action,
    AuditLink,
    Change,
    Op,
    OpResult,
    OpStatus,
    PullResponse,
    PushRequest,
    PushResponse,
    answering,
)

ID = "01a21991-71c2-7000-874a-cd246038d98d"
STAMP = "2026-11-26T20:34:51.970945Z"
PERSONAL = "11010519491231002X"

# ---- strategies ----------------------------------------------------------------------

names = st.text(min_size=1, max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**62), max_value=2**62)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)
canonical_stamps = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.isoformat().replace("+00:00", "Z"))
stamps = (
    canonical_stamps
    | st.text(max_size=30)
    | st.sampled_from(
        ["2026-01-01T00:00:00.000000Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+00:00"]
    )
)
"""Timestamps as the protocol writes them, and strings that only look like them."""
record_stamps = stamps | json_values
ids = st.sampled_from([ID, "01a21991-71cb-7000-86a3-a1d22428d1db"]) | st.text(max_size=40)
counts = st.integers(min_value=-(2**40), max_value=2**40)
versions = st.integers(min_value=0, max_value=2**40)
hex_text = "0123456789abcdef"


@st.composite
def ops(draw: st.DrawFn) -> Op:
    record_id = draw(ids)
    creates = draw(st.booleans())
    fields = draw(st.lists(names, max_size=5, unique=True))
    changes = {name: (None if creates else draw(json_values), draw(json_values)) for name in fields}
    return Op(
        op_id=record_id if draw(st.booleans()) else draw(ids),
        kind=draw(st.sampled_from(["disclosure", "clue"]) | names),
        record_id=record_id,
        action=draw(st.sampled_from(list(Action))),
        changes=changes,
        base_version=draw(versions),
        recorded_at=draw(stamps),
    )


@st.composite
def changes(draw: st.DrawFn) -> Change:
    keys = draw(st.lists(names | st.sampled_from(sorted(rows.TIME_KEYS)), max_size=6, unique=True))
    record = {key: draw(record_stamps if key in rows.TIME_KEYS else json_values) for key in keys}
    return Change(kind=draw(names), seq=draw(counts), record=record, moved_out=draw(st.booleans()))


@st.composite
def results(draw: st.DrawFn) -> OpResult:
    conflicts = draw(
        st.lists(
            st.fixed_dictionaries(
                {"field": names, "mine": json_values, "theirs": json_values, "version": counts}
            ),
            max_size=2,
        )
    )
    error = draw(st.none() | st.fixed_dictionaries({"code": names, "message": names}))
    return OpResult.model_validate(
        {
            "op_id": draw(ids),
            "status": draw(st.sampled_from(list(OpStatus))),
            "version": draw(st.sampled_from([0, 1, 2]) | counts),
            "seq": draw(counts),
            "received_at": draw(st.none() | stamps),
            "conflicts": conflicts,
            "error": error,
        }
    )


links = st.builds(
    AuditLink,
    id=st.integers(min_value=0, max_value=2**40),
    digest=st.text(hex_text, min_size=32, max_size=64),
    hash=st.none() | st.text(hex_text, min_size=64, max_size=64),
)


def wire(data: Any) -> Any:
    """Through JSON text and back, as on the wire."""
    return json.loads(json.dumps(data))


# ---- round trips ---------------------------------------------------------------------


@settings(max_examples=100)
@given(st.lists(ops(), max_size=8))
def test_ops_read_back_as_written(batch: list[Op]) -> None:
    request = PushRequest(ops=batch)
    assert PushRequest.model_validate_json(request.model_dump_json()) == request
    dumped = [op.model_dump(mode="json") for op in batch]
    assert rows.read_ops(wire(rows.write_ops(dumped))) == dumped


@settings(max_examples=100)
@given(st.lists(changes(), max_size=8), st.integers(min_value=0), st.booleans())
def test_changes_read_back_as_written(batch: list[Change], cursor: int, more: bool) -> None:
    page = PullResponse(changes=batch, cursor=cursor, more=more)
    assert PullResponse.model_validate_json(page.model_dump_json()) == page
    dumped = [
        change.model_dump(mode="json", exclude=None if change.moved_out else {"moved_out"})
        for change in batch
    ]
    assert rows.read_changes(wire(rows.write_changes(dumped))) == dumped


@settings(max_examples=100)
@given(st.lists(results(), max_size=8))
def test_results_read_back_with_or_without_their_op_ids(batch: list[OpResult]) -> None:
    answer = PushResponse(results=batch)
    context = {"op_ids": [result.op_id for result in batch]}
    assert PushResponse.model_validate_json(answer.model_dump_json(), context=context) == answer
    reply = ReplyBundle(device_id="d", created_at=STAMP, results=batch, cursor=0)
    assert ReplyBundle.model_validate_json(reply.model_dump_json()) == reply


@settings(max_examples=100)
@given(st.lists(links, max_size=8), st.lists(ops(), max_size=3))
def test_audit_links_read_back_as_written(chain: list[AuditLink], batch: list[Op]) -> None:
    request = PushRequest(ops=batch, audit=chain)
    assert PushRequest.model_validate_json(request.model_dump_json()) == request
    bundle = OpsBundle(device_id="d", created_at=STAMP, cursor=3, ops=batch, audit=chain)
    assert OpsBundle.model_validate_json(bundle.model_dump_json()) == bundle


def test_lists_of_models_or_plain_objects_are_read_as_they_are() -> None:
    op = Op(op_id=ID, kind="clue", record_id=ID, action=Action.CREATE, recorded_at=STAMP)
    assert PushRequest(ops=[op]).ops == [op]
    assert PushRequest.model_validate({"ops": [op.model_dump()]}).ops == [op]


# ---- the rows as documented -----------------------------------------------------------


def _create(**changes: Any) -> dict[str, Any]:
    return Op(
        op_id=ID,
        kind="disclosure",
        record_id=ID,
        action=Action.CREATE,
        changes={name: (None, value) for name, value in changes.items()},
        recorded_at=STAMP,
    ).model_dump(mode="json")


def test_a_create_is_its_shape_id_time_and_values() -> None:
    later = _create(title="乙", status="draft") | {
        "op_id": "b",
        "record_id": "b",
        "recorded_at": "2026-11-26T20:34:52.000945Z",
    }
    written = rows.write_ops([_create(title="甲", status="draft"), later])
    micros = (
        datetime(2026, 11, 26, 20, 34, 51, 970945, UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    ) // timedelta(microseconds=1)
    assert written == {
        "shapes": [["disclosure", "create", ["title", "status"]]],
        "rows": [[0, ID, micros, ["甲", "draft"]], [0, "b", 30_000, ["乙", "draft"]]],
    }


def test_an_update_keeps_its_from_values_and_op_id() -> None:
    op = Op(
        op_id="op-2",
        kind="disclosure",
        record_id=ID,
        action=Action.UPDATE,
        changes={"title": ("甲", "乙")},
        base_version=3,
        recorded_at="not a time",
    ).model_dump(mode="json")
    assert rows.write_ops([op])["rows"] == [[0, ID, "not a time", ["乙"], 3, ["甲"], "op-2"]]


def test_a_run_of_applied_results_is_one_word_each() -> None:
    applied = [
        OpResult(op_id=str(n), status=OpStatus.APPLIED, version=1, seq=40 + n, received_at=STAMP)
        for n in range(3)
    ]
    written = json.loads(PushResponse(results=applied).model_dump_json())["results"]
    assert written["rows"][1:] == [["applied"], ["applied"]]


def test_consecutive_audit_links_are_their_digests() -> None:
    a, b, c, h7, h9 = "a" * 32, "b" * 32, "c" * 32, "7" * 64, "9" * 64
    chain = [AuditLink(id=7, digest=a, hash=h7), AuditLink(id=8, digest=b)]
    chain.append(AuditLink(id=9, digest=c, hash=h9))
    written = rows.write_audit([link.model_dump(mode="json") for link in chain])
    assert written == {"rows": [[a, 7, h7], [b], [c, 1, h9]]}


def test_timestamps_in_another_form_travel_as_they_are() -> None:
    odd = ["2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00+00:00", None, 5, [1]]
    batch = [
        {"kind": "clue", "seq": n, "record": {"recorded_at": value}} for n, value in enumerate(odd)
    ]
    written = rows.write_changes(batch)
    assert [row[2] for row in written["rows"]] == [odd[0], odd[1], None, [5], [[1]]]
    assert rows.read_changes(written) == batch


def test_an_empty_batch_is_as_short_as_a_verbose_one() -> None:
    assert json.loads(PullResponse(changes=[], cursor=4, more=False).model_dump_json()) == {
        "changes": [],
        "cursor": 4,
        "more": False,
    }
    assert rows.write_ops([]) == rows.write_audit([]) == []
    assert rows.read_ops([]) == rows.read_changes([]) == rows.read_audit([]) == []


@settings(max_examples=300)
@given(canonical_stamps)
def test_a_protocol_timestamp_is_its_microseconds_since_1970(stamp: str) -> None:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    micros = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert rows._micros(stamp) == micros
    assert rows._stamp(micros) == stamp


@settings(max_examples=300)
@given(
    canonical_stamps,
    st.integers(min_value=0, max_value=26),
    st.sampled_from(list("09+-_ .:TZz\u0663\uff11")),
)
def test_a_near_timestamp_is_not_taken_for_one(stamp: str, at: int, char: str) -> None:
    """Anything the exact form does not spell again travels as the string it is."""
    near = stamp[:at] + char + stamp[at + 1 :]
    micros = rows._micros(near)
    assert micros is None or rows._stamp(micros) == near


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T24:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:60Z",
        "2026-01-01T00:00:00.000000Z",
        "2026-01-01T00:00:0_Z",
        "2026-01-01T-1:00:00Z",
        "20260101T00:00:00.00000Z",
        "9999-12-31T99:00:00Z",
    ],
)
def test_timestamps_out_of_form_are_not_coded(text: str) -> None:
    assert rows._micros(text) is None


# ---- malformed batches ---------------------------------------------------------------


SHAPE = [["clue", "create", ["title"]]]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ([PERSONAL], ""),
        ({"shapes": SHAPE, "rows": [], "more": 1}, ""),
        ({"shapes": SHAPE, "rows": {}}, "rows"),
        ({"shapes": {}, "rows": []}, "shapes"),
        ({"shapes": [["clue", "create"]], "rows": []}, "shapes.0"),
        ({"shapes": [["clue", "create", ["a", "a"]]], "rows": []}, "shapes.0.fields"),
        ({"shapes": SHAPE, "rows": [PERSONAL]}, "rows.0"),
        ({"shapes": SHAPE, "rows": [[0, ID, 1]]}, "rows.0"),
        ({"shapes": SHAPE, "rows": [[0, ID, 1, [PERSONAL], 0, None, None, 9]]}, "rows.0"),
        ({"shapes": SHAPE, "rows": [[1, ID, 1, [PERSONAL]]]}, "rows.0.shape"),
        ({"shapes": SHAPE, "rows": [[True, ID, 1, [PERSONAL]]]}, "rows.0.shape"),
        ({"shapes": SHAPE, "rows": [[0, ID, 1, PERSONAL]]}, "rows.0.to"),
        ({"shapes": SHAPE, "rows": [[0, ID, 1, [PERSONAL], 0, [1, 2]]]}, "rows.0.from"),
        ({"shapes": SHAPE, "rows": [[0, ID, 1.0, [PERSONAL]]]}, "rows.0.recorded_at"),
        ({"shapes": SHAPE, "rows": [[0, ID, 10**20, [PERSONAL]]]}, "rows.0.recorded_at"),
    ],
)
def test_malformed_ops_name_the_place(data: Any, path: str) -> None:
    with pytest.raises(rows.RowError) as caught:
        rows.read_ops(data)
    assert caught.value.path == path
    assert PERSONAL not in str(caught.value)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"shapes": [["clue", ["a"]]], "rows": [[0, 1]]}, "rows.0"),
        ({"shapes": [["clue", ["a"]]], "rows": [[0, "1", PERSONAL]]}, "rows.0.seq"),
        ({"shapes": [["clue", ["recorded_at"]]], "rows": [[0, 1, [1, 2]]]}, "rows.0.recorded_at"),
        ({"shapes": [["clue"]], "rows": []}, "shapes.0"),
        ({"shapes": [["clue", ["id"], "moved"]], "rows": []}, "shapes.0"),
        ({"shapes": [["clue", ["id"], "moved_out", 1]], "rows": []}, "shapes.0"),
    ],
)
def test_malformed_changes_name_the_place(data: Any, path: str) -> None:
    with pytest.raises(rows.RowError) as caught:
        rows.read_changes(data)
    assert caught.value.path == path


def test_a_record_moved_out_travels_under_a_shape_of_its_own() -> None:
    moved = {"kind": "clue", "seq": 7, "record": {"id": "r-1"}, "moved_out": True}
    kept = {"kind": "clue", "seq": 8, "record": {"id": "r-2"}}
    written = rows.write_changes([moved, kept])
    assert written == {
        "shapes": [["clue", ["id"], "moved_out"], ["clue", ["id"]]],
        "rows": [[0, 7, "r-1"], [1, 1, "r-2"]],
    }
    assert rows.read_changes(written) == [moved, kept]


def test_results_for_another_number_of_ops_are_refused() -> None:
    with pytest.raises(rows.RowError) as caught:
        rows.read_results({"rows": [["applied"]]}, op_ids=["a", "b"])
    assert caught.value.path == "rows"


def test_a_push_answer_needs_the_pushed_op_ids() -> None:
    op = Op(op_id="a", kind="clue", record_id=ID, action=Action.CREATE, recorded_at=STAMP)
    body = PushResponse(results=[OpResult(op_id="a", status=OpStatus.APPLIED)]).model_dump_json()
    with pytest.raises(ValidationError):
        PushResponse.model_validate_json(body)
    [result] = PushResponse.model_validate_json(body, context=answering([op])).results
    assert result.op_id == "a"


def test_a_malformed_batch_is_a_validation_error_with_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        PushRequest.model_validate({"ops": {"shapes": SHAPE, "rows": [[0, ID, 1, []]]}})
    [error] = caught.value.errors(include_input=False)
    assert error["loc"] == ("ops",)
    assert error["ctx"]["path"] == "rows.0.to"
