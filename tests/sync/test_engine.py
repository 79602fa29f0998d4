"""The sync engine against central in-process (real app, real SQLite files, httpx)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central.admin import init_db, new_enroll_code
from central.app import create_app
from central.settings import CentralSettings
from client.store import Store
from client.syncing import enroll, sync_round
from models.kinds import kind_spec, row_to_wire
from models.validation import normalize
from sync.progress import Progress
from sync.resolution import Choice
from sync.transport import HttpxTransport
from tests.stores import import_rows, open_store

VILLAGE = "150202101200"
OTHER_VILLAGE = "150202101201"
TOWN = "150202101000"


class Link:
    """Central's app in this process, reachable through an httpx transport."""

    def __init__(self, tmp_path: Path) -> None:
        self.db_url = f"sqlite:///{tmp_path / 'central.db'}"
        init_db(self.db_url)
        self.client = TestClient(create_app(CentralSettings(db_url=self.db_url)))
        self.client.__enter__()

    def transport(self) -> HttpxTransport:
        return HttpxTransport("http://testserver", client=self.client)

    def device(self, home: Path, unit: str, role: str) -> Store:
        store = open_store(home)
        code = new_enroll_code(self.db_url, unit=unit, role=role)
        enroll(store, "http://testserver", code, transport=self.transport())
        return store

    def sync(self, store: Store, **kwargs: Any) -> Any:
        kwargs.setdefault("transport", self.transport())
        return sync_round(store, **kwargs)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture
def link(tmp_path: Path) -> Iterator[Link]:
    opened = Link(tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def clerk(link: Link, tmp_path: Path) -> Iterator[Store]:
    with link.device(tmp_path / "clerk", VILLAGE, "clerk") as store:
        yield store


@pytest.fixture
def town(link: Link, tmp_path: Path) -> Iterator[Store]:
    with link.device(tmp_path / "town", TOWN, "town") as store:
        yield store


def _disclosure(period: str = "2026-10", **extra: Any) -> dict[str, Any]:
    return {
        "catalog_code": "FIN-01",
        "period": period,
        "title": "十月财务收支公开",
        "content": "本月收入合计1200元。",
        "channels": ["board"],
        **extra,
    }


def _fields(store: Store, record_id: str) -> dict[str, Any]:
    _, record = store.get(record_id)
    return {k: v for k, v in record.items() if k not in ("recorded_at", "seq")}


def test_clerk_entry_reaches_town_staff(link: Link, clerk: Store, town: Store) -> None:
    record_id = clerk.add("disclosure", _disclosure())
    report = link.sync(clerk)
    assert (report.pushed, report.conflicts) == (1, 0)
    assert clerk.queue() == []
    assert clerk.get(record_id)[1]["version"] == 1
    pulled = link.sync(town)
    assert pulled.pulled >= 1
    assert _fields(town, record_id) == _fields(clerk, record_id)


def test_own_changes_are_not_echoed_back(link: Link, clerk: Store) -> None:
    clerk.add("disclosure", _disclosure())
    link.sync(clerk)
    assert link.sync(clerk).pulled == 0


def test_edits_of_different_fields_merge(link: Link, clerk: Store, town: Store) -> None:
    record_id = clerk.add("disclosure", _disclosure())
    link.sync(clerk)
    link.sync(town)
    clerk.edit(record_id, {"content": "clerk's content"})
    town.edit(record_id, {"title": "town's title"})
    link.sync(clerk)
    assert link.sync(town).conflicts == 0
    link.sync(clerk)
    for store in (clerk, town):
        _, record = store.get(record_id)
        assert (record["title"], record["content"]) == ("town's title", "clerk's content")
    assert _fields(clerk, record_id) == _fields(town, record_id)


def test_same_field_conflict_is_shown_and_resolved(link: Link, clerk: Store, town: Store) -> None:
    record_id = clerk.add("disclosure", _disclosure())
    link.sync(clerk)
    link.sync(town)
    clerk.edit(record_id, {"title": "clerk's title"})
    town.edit(record_id, {"title": "town's title"})
    link.sync(town)
    assert link.sync(clerk).conflicts == 1
    (conflict,) = clerk.conflicts()
    assert (conflict.field, conflict.base, conflict.mine, conflict.theirs) == (
        "title",
        "十月财务收支公开",
        "clerk's title",
        "town's title",
    )
    clerk.resolve(conflict.id, Choice.VALUE, "agreed title")
    assert link.sync(clerk).conflicts == 0
    link.sync(town)
    assert clerk.get(record_id)[1]["title"] == town.get(record_id)[1]["title"] == "agreed title"
    assert clerk.conflicts() == []


def test_duplicate_create_becomes_a_conflict(link: Link, clerk: Store, town: Store) -> None:
    town.add("disclosure", _disclosure(org_code=VILLAGE, title="town's copy"))
    link.sync(town)
    mine = clerk.add("disclosure", _disclosure())
    assert link.sync(clerk).conflicts == 1
    (conflict,) = clerk.conflicts()
    assert conflict.type == "duplicate"
    clerk.resolve(conflict.id, Choice.MINE)
    link.sync(clerk)
    link.sync(town)
    (only_clerk,) = clerk.list_records("disclosure")
    (only_town,) = town.list_records("disclosure")
    assert only_clerk["id"] == only_town["id"] != mine
    assert only_town["title"] == "十月财务收支公开"  # mine was kept on their record


def test_edit_against_delete_is_a_conflict(link: Link, clerk: Store, town: Store) -> None:
    record_id = clerk.add("disclosure", _disclosure())
    link.sync(clerk)
    link.sync(town)
    town.delete(record_id)
    link.sync(town)
    clerk.edit(record_id, {"title": "still needed"})
    assert link.sync(clerk).conflicts == 1
    (conflict,) = clerk.conflicts()
    assert conflict.type == "deleted"
    clerk.resolve(conflict.id, Choice.MINE)
    link.sync(clerk)
    link.sync(town)
    assert town.get(record_id)[1]["deleted"] is False
    assert town.get(record_id)[1]["title"] == "still needed"


def test_town_sees_its_villages_and_clerk_only_its_own(
    link: Link, clerk: Store, town: Store, tmp_path: Path
) -> None:
    town.add("disclosure", _disclosure(org_code=OTHER_VILLAGE))
    town.add("disclosure", _disclosure(org_code=VILLAGE, period="2026-09"))
    link.sync(town)
    link.sync(clerk)
    assert [r["org_code"] for r in clerk.list_records("disclosure")] == [VILLAGE]


def test_progress_is_reported_per_batch(link: Link, clerk: Store) -> None:
    for month in range(1, 13):
        clerk.add("disclosure", _disclosure(period=f"2025-{month:02d}"))
    seen: list[Progress] = []
    link.sync(clerk, on_progress=seen.append)
    assert seen[-1].phase == "done"
    assert seen[-1].pushed == 12
    assert seen[-1].bytes_sent > 0
    assert clerk.rounds()[0]["pushed"] == 12


class TooLargeOver:
    """A proxy's body limit (the edge here): 413 for any push of more than ``limit`` ops."""

    def __init__(self, inner: HttpxTransport, limit: int) -> None:
        self.inner = inner
        self.limit = limit
        self.traffic = inner.traffic
        self.pushes: list[int] = []

    def post(self, path: str, body: bytes, headers: Any) -> Any:
        import json

        from sync import compression
        from sync.transport import Response

        if path == "/v1/push":
            plain = compression.decompress(body, headers["Content-Encoding"], limit=10**8)
            count = len(json.loads(plain)["ops"]["rows"])  # compact rows (sync.rows)
            self.pushes.append(count)
            if count > self.limit:
                return Response(413, b'{"code": "too_large", "message": "body limit"}', {})
        return self.inner.post(path, body, headers)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Any:
        return self.inner.get(path, headers)

    def close(self) -> None:
        self.inner.close()


def test_a_413_halves_the_batch_for_the_next_round_until_it_fits(link: Link, clerk: Store) -> None:
    from sync.errors import PayloadTooLarge

    for month in range(1, 13):
        for year in range(2001, 2011):
            clerk.add("disclosure", _disclosure(period=f"{year}-{month:02d}"))
    clerk.set_push_batch_size(400)
    proxy = TooLargeOver(link.transport(), limit=60)
    rounds = 0
    while clerk.queue() and rounds < 10:
        rounds += 1
        with contextlib.suppress(PayloadTooLarge):
            link.sync(clerk, transport=proxy)
    assert clerk.queue() == []
    assert proxy.pushes[:4] == [120, 120, 100, 50]  # batches of 400, 200, 100, then 50 fit
    assert max(proxy.pushes) <= 120


# ---- imported records: their creates are made from the record when pushed ---------------


def _imported(store: Store, periods: list[str]) -> list[str]:
    """Records as ``sanwu import`` writes them (validated full records, one transaction)."""
    records = []
    for period in periods:
        given, errors = normalize("disclosure", {**_disclosure(period), "org_code": VILLAGE})
        assert errors == []
        records.append({**kind_spec("disclosure").defaults(), **given})
    outcome = import_rows(store, "disclosure", records)
    assert outcome.statuses == ["created"] * len(periods)
    return [record_id for record_id in outcome.record_ids if record_id is not None]


def _central_record(link: Link, record_id: str) -> dict[str, Any]:
    from sqlmodel import Session, create_engine, select

    from models.records import Disclosure

    engine = create_engine(link.db_url)
    try:
        with Session(engine) as session:
            row = session.exec(select(Disclosure).where(Disclosure.id == record_id)).one()
            return row_to_wire(kind_spec("disclosure"), row)
    finally:
        engine.dispose()


def test_an_imported_record_edited_before_its_push_arrives_as_edited(
    link: Link, clerk: Store, town: Store
) -> None:
    """The create carries the record as it is now (the edit included); the edit's op then
    finds its ``to`` values already there, which central takes as applied."""
    first, _second = _imported(clerk, ["2026-09", "2026-10"])
    clerk.edit(first, {"title": "改过的标题", "disclosed_on": "2026-10-02"})
    report = link.sync(clerk)
    assert (report.pushed, report.conflicts, report.rejected) == (3, 0, 0)
    assert clerk.queue() == [] and clerk.conflicts() == []
    central = _central_record(link, first)
    assert (central["title"], central["disclosed_on"], central["version"]) == (
        "改过的标题",
        "2026-10-02",
        1,
    )
    link.sync(town)
    assert _fields(town, first) == _fields(clerk, first)
    assert link.sync(clerk).pulled == 0


def test_an_imported_create_and_its_edit_in_separate_batches(link: Link, clerk: Store) -> None:
    periods = [f"2025-{month:02d}" for month in range(1, 13)] + [
        f"2024-{month:02d}" for month in range(1, 9)
    ]
    ids = _imported(clerk, periods)  # 20 creates: the smallest batch
    clerk.edit(ids[0], {"title": "改过的标题"})
    clerk.set_push_batch_size(20)
    counter = TooLargeOver(link.transport(), limit=10**6)
    report = link.sync(clerk, transport=counter)
    assert counter.pushes == [20, 1]  # the create in the first, its edit in the second
    assert (report.pushed, report.conflicts, report.rejected) == (21, 0, 0)
    assert clerk.queue() == [] and clerk.conflicts() == []
    assert _central_record(link, ids[0])["title"] == "改过的标题"
    assert clerk.get(ids[0])[1]["version"] == _central_record(link, ids[0])["version"]


def test_an_imported_record_deleted_before_its_push(link: Link, clerk: Store, town: Store) -> None:
    gone, kept = _imported(clerk, ["2026-09", "2026-10"])
    clerk.delete(gone)
    report = link.sync(clerk)
    assert (report.pushed, report.conflicts, report.rejected) == (3, 0, 0)
    assert clerk.queue() == []
    assert _central_record(link, gone)["deleted"] is True
    assert _central_record(link, kept)["deleted"] is False
    link.sync(town)
    assert town.get(gone)[1]["deleted"] is True
    assert [record["id"] for record in town.list_records("disclosure")] == [kept]


def _audit_findings(link: Link) -> list[tuple[str, str]]:
    from sqlmodel import Session, create_engine, select

    from central.tables import AuditFinding

    engine = create_engine(link.db_url)
    try:
        with Session(engine) as session:
            return [(row.kind, row.detail) for row in session.exec(select(AuditFinding))]
    finally:
        engine.dispose()


def test_imported_records_audit_entries_pass_centrals_chain_check(link: Link, clerk: Store) -> None:
    _imported(clerk, ["2026-08", "2026-09"])
    link.sync(clerk)
    assert _audit_findings(link) == []
    assert len(clerk.audit_segment(limit=10)) == 1  # only the anchor: all acknowledged


def test_an_altered_import_entry_is_found_by_central(link: Link, clerk: Store) -> None:
    import sqlite3

    _imported(clerk, ["2026-08", "2026-09"])
    with sqlite3.connect(clerk.path) as raw:
        # The import's entry altered: its file name and digests each gain a leading 0.
        raw.execute(
            "UPDATE audit SET changes = replace(changes, '\":\"', '\":\"0')"
            " WHERE id = (SELECT max(id) FROM audit)"
        )
    link.sync(clerk)
    ((kind, detail),) = _audit_findings(link)
    assert kind == "edited" and "does not match" in detail
