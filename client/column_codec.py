"""Many records a field at a time, for bulk imports.

``columns_of`` turns a batch of records into columns, ``records_of`` back. Lists
(channels, attachments) repeat across thousands of rows: ``encoded_lists`` encodes each
distinct list once and then looks the column up in one pass instead of a Python call per
value. Used for the stored JSON text of a record's row and for the canonical text of
its audit digest, which encode lists differently.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MEMO_LISTS = 4_096
"""Distinct lists remembered per column encoder; past that each list is encoded as is."""


def encoded_lists(
    values: Sequence[Any],
    encode: Callable[[Any], str],
    memo: dict[tuple[Any, ...], str],
) -> list[Any]:
    """``encode(value)`` for each list of ``values`` (None stays None), each distinct list
    encoded once and remembered in ``memo``."""
    if set(map(type, values)) != {list}:
        return [None if value is None else encode(value) for value in values]
    held = list(map(tuple, values))
    missing = set(held).difference(memo)
    if len(memo) + len(missing) > MEMO_LISTS:
        return [memo.get(key) or encode(value) for key, value in zip(held, values, strict=True)]
    for key in missing:
        memo[key] = encode(list(key))
    return list(map(memo.__getitem__, held))


def columns_of(names: Sequence[str], records: Sequence[Mapping[str, Any]]) -> list[Sequence[Any]]:
    """The records' values of each of ``names``, a column per name."""
    if len(names) == 1:
        return [[record[names[0]] for record in records]]
    return list(zip(*map(operator.itemgetter(*names), records), strict=True))


def records_of(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """``columns_of`` the other way: a record per row, keyed by the columns' names."""
    names = list(columns)
    rows = zip(*columns.values(), strict=True)
    return [dict(zip(names, row, strict=True)) for row in rows]
