"""A record's history as the device keeps it: central's answer kept per version (a new
fetch replaces the copy), merged with this computer's audit entries, its own versions
listed once (from here), each entry marked where it came from."""

from __future__ import annotations

from datetime import UTC, datetime

from client.record_history import HERE, ON_CENTRAL, keep, kept, record_history
from client.store import Store
from sync.protocol_history import HistoryEntry, HistoryResponse
from tests.client.conftest import disclosure


def _version(n: int, device: str, at: str, changes: dict[str, list[object]]) -> HistoryEntry:
    return HistoryEntry(
        version=n, seq=10 + n, device_id=device, op_id=None, at=at, org_code="", changes=changes
    )


def test_central_versions_are_kept_once_each_and_merged_with_this_computers(
    enrolled: Store,
) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    assert kept(enrolled.engine, record_id) is None
    mine = _version(1, enrolled.actor, "2026-11-05T01:00:00Z", {"title": [None, "十月"]})
    theirs = _version(2, "dev-town", "2999-01-01T00:00:00Z", {"title": ["十月", "十月（更正）"]})
    first = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    keep(
        enrolled.engine,
        HistoryResponse(kind="disclosure", record_id=record_id, versions=[mine, theirs, theirs]),
        now=first,
    )
    copy = kept(enrolled.engine, record_id)
    assert copy is not None and copy.fetched_at == first
    assert [v["version"] for v in copy.versions] == [1, 2], "one per version"

    rows, _copy = record_history(enrolled.engine, record_id, this_device=enrolled.actor)
    assert [(row.source, row.action, row.version) for row in rows] == [
        (HERE, "create", None),
        (ON_CENTRAL, "update", 2),
    ], "version 1 is this computer's create: listed once, from here"

    gone = _version(3, "dev-town", "2999-01-02T00:00:00Z", {"deleted": [False, True]})
    later = datetime(2026, 11, 6, tzinfo=UTC)
    keep(
        enrolled.engine,
        HistoryResponse(kind="disclosure", record_id=record_id, versions=[mine, theirs, gone]),
        now=later,
    )
    rows, copy = record_history(enrolled.engine, record_id, this_device=enrolled.actor)
    assert copy is not None and copy.fetched_at == later
    assert [row.action for row in rows] == ["create", "update", "delete"]
