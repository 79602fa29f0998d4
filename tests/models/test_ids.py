"""Record and op ids: UUIDv7 text, time-ordered, one at a time or in bulk."""

from __future__ import annotations

import time
import uuid

import pytest

from models import ids
from models.ids import new_id, new_ids


def test_bulk_ids_are_uuid7_in_order_with_single_ones() -> None:
    before = new_id()
    many = new_ids(5_000)  # more than a millisecond's 4,096 counter values
    after = new_id()
    made = [before, *many, after]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    for text in many:
        value = uuid.UUID(text)
        assert (value.version, value.variant, str(value)) == (7, uuid.RFC_4122, text)


def test_bulk_ids_borrow_the_next_millisecond_like_single_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen = 1_800_000_000_000
    monkeypatch.setattr(ids, "_last_ms", 0)
    monkeypatch.setattr(ids, "_counter", 0)
    monkeypatch.setattr(time, "time_ns", lambda: frozen * 1_000_000)
    made = [*new_ids(4_097), new_id()]
    stamps = [int(uuid.UUID(text)) >> 80 for text in made]
    assert stamps[0] == stamps[4_095] == frozen  # 4,096 counter values a millisecond
    assert stamps[4_096] == stamps[4_097] == frozen + 1
    assert made == sorted(made)
    assert new_ids(0) == []
