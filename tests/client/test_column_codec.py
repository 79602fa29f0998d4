"""A list column encoded once per distinct list gives what encoding each value gives."""

from __future__ import annotations

import json
from typing import Any

from client import column_codec
from client.column_codec import encoded_lists


def _counting() -> tuple[list[Any], Any]:
    calls: list[Any] = []

    def encode(value: Any) -> str:
        calls.append(value)
        return json.dumps(value, ensure_ascii=False)

    return calls, encode


def test_each_distinct_list_is_encoded_once() -> None:
    values = [["board", "wechat"], ["board"], ["board", "wechat"], [], ["board"]] * 100
    calls, encode = _counting()
    memo: dict[tuple[Any, ...], str] = {}
    assert encoded_lists(values, encode, memo) == [
        json.dumps(v, ensure_ascii=False) for v in values
    ]
    assert len(calls) == 3
    assert encoded_lists(values[:5], encode, memo) == [json.dumps(v) for v in values[:5]]
    assert len(calls) == 3  # remembered from the first column


def test_none_and_other_values_are_encoded_one_by_one() -> None:
    values: list[Any] = [["a"], None, ["a"], "x"]
    calls, encode = _counting()
    assert encoded_lists(values, encode, {}) == ['["a"]', None, '["a"]', '"x"']
    assert calls == [["a"], ["a"], "x"]


def test_past_the_memo_s_bound_lists_are_encoded_as_they_are(monkeypatch: Any) -> None:
    monkeypatch.setattr(column_codec, "MEMO_LISTS", 2)
    values = [[str(n)] for n in range(5)]
    calls, encode = _counting()
    memo: dict[tuple[Any, ...], str] = {}
    assert encoded_lists(values, encode, memo) == [json.dumps(v) for v in values]
    assert len(calls) == 5 and memo == {}


def test_records_become_columns_in_the_order_of_the_names() -> None:
    records = [{"a": 1, "b": "x", "c": [1]}, {"a": 2, "b": "y", "c": []}]
    assert column_codec.columns_of(["b", "a"], records) == [("x", "y"), (1, 2)]
    assert column_codec.columns_of(["c"], records) == [[[1], []]]
    assert column_codec.columns_of(["a", "b"], []) == []


def test_columns_become_records_again() -> None:
    records = [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    columns = dict(zip(["a", "b"], column_codec.columns_of(["a", "b"], records), strict=True))
    assert column_codec.records_of(columns) == records
    assert column_codec.records_of({"a": [], "b": []}) == []
