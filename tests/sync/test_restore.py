"""Central restored from an older backup, found out by the devices (in-process, SQLite;
the same drill with real processes on both databases: tests/e2e/test_restore.py).

Each pull carries the check central gave with the cursor; a restored central no longer
holds the change it names (its number is gone, or is another change by now) and says
``behind``. The device rewinds to the newest cursor of its journal central still holds,
queues again what it made after it, and pulls from there: what central lost comes back
from the devices, and where central holds other values a person decides.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central.app import create_app
from central.settings import CentralSettings
from client.store import Store
from models.rules.warnings import Step
from sync.resolution import Choice
from tests.sync.test_engine import OTHER_VILLAGE, TOWN, VILLAGE, Link, _disclosure

DISTRICT = "150202000000"


def _backup(link: Link, to: Path) -> None:
    """An online copy of central's SQLite file (the backup API), as an operator takes it."""
    source = sqlite3.connect(link.db_url.removeprefix("sqlite:///"))
    target = sqlite3.connect(to)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _restore(link: Link, backup: Path) -> None:
    """Stop central, put the backup in place of its database, start it again."""
    link.client.__exit__(None, None, None)
    path = Path(link.db_url.removeprefix("sqlite:///"))
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        extra.unlink(missing_ok=True)
    shutil.copyfile(backup, path)
    link.client = TestClient(create_app(CentralSettings(db_url=link.db_url)))
    link.client.__enter__()


def _live(store: Store) -> dict[str, tuple[Any, ...]]:
    return {
        r["id"]: (r["version"], r["title"])
        for r in store.list_records("disclosure")
        if r["org_code"] == VILLAGE
    }


def _central(link: Link) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(link.db_url.removeprefix("sqlite:///"))
    try:
        rows = conn.execute(
            "SELECT id, version, title FROM disclosure WHERE org_code = ? AND deleted = 0",
            (VILLAGE,),
        ).fetchall()
    finally:
        conn.close()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_devices_find_a_restored_central_and_send_again_what_it_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = Link(tmp_path)
    try:
        _drill(link, tmp_path, monkeypatch)
    finally:
        link.close()


def _drill(link: Link, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clerk = link.device(tmp_path / "clerk", VILLAGE, "clerk")
    town = link.device(tmp_path / "town", TOWN, "town")
    other = link.device(tmp_path / "other", OTHER_VILLAGE, "clerk")
    kept = clerk.add("disclosure", _disclosure("2026-01", title="一月"))
    gone = clerk.add("disclosure", _disclosure("2026-02", title="二月"))
    link.sync(clerk)
    link.sync(town)
    clerk.add("disclosure", _disclosure("2026-03", title="三月"))
    link.sync(clerk)
    link.sync(town)
    held = clerk.cursor()
    _backup(link, tmp_path / "backup.db")

    # After the backup: an edit, a delete, a new record (the clerk's); one of the town's.
    clerk.edit(kept, {"title": "一月（更正）"})
    clerk.delete(gone)
    late = clerk.add("disclosure", _disclosure("2026-04", title="四月"))
    link.sync(clerk)
    towns = town.add("disclosure", _disclosure("2026-05", title="五月", org_code=VILLAGE))
    link.sync(town)
    link.sync(clerk)
    assert clerk.cursor() > held

    _restore(link, tmp_path / "backup.db")
    for n in range(8):  # central's numbers run past the clerk's cursor again, other changes
        other.add("disclosure", _disclosure(f"2027-{n + 1:02d}", title=f"邻村{n}"))
    link.sync(other)

    rewound: list[int] = []
    central_behind = Store.central_behind

    def spy(self: Store, verified: int, check: str | None) -> int:
        rewound.append(verified)
        return central_behind(self, verified, check)

    monkeypatch.setattr(Store, "central_behind", spy)
    link.sync(clerk)
    assert rewound == [held], "the newest cursor central still held, from the journal"
    # Central held the clerk's older title: a person decides, nothing is overwritten.
    [conflict] = clerk.conflicts()
    assert (conflict.field, conflict.mine, conflict.theirs) == ("title", "一月（更正）", "一月")
    clerk.resolve(conflict.id, Choice.MINE)
    link.sync(clerk)
    link.sync(town)
    assert rewound == [held, held]
    link.sync(clerk)
    link.sync(town)

    central = _central(link)
    assert set(central) == {kept, late, towns, *(i for i in central if central[i][1] == "三月")}
    assert central[kept][1] == "一月（更正）"
    assert gone not in central
    assert towns in central and late in central
    assert _live(clerk) == central == _live(town)
    for store in (clerk, town, other):
        assert store.queue() == []
    for store in (clerk, town, other):
        store.close()


def test_a_warning_signed_after_the_backup_comes_back_for_the_unit_to_confirm(
    tmp_path: Path,
) -> None:
    """The clerk sends again, as a create, a warning it only signed: central judges what
    differs from the warning it holds (the signing), not the supervisor's fields."""
    link = Link(tmp_path)
    try:
        supervisor = link.device(tmp_path / "supervisor", DISTRICT, "supervisor")
        clerk = link.device(tmp_path / "clerk", VILLAGE, "clerk")
        fields = {"doc_type": "suggestion", "title": "整改通知", "problems": "公开不及时"}
        (warning,) = supervisor.supervision.issue([VILLAGE], fields, today=date(2026, 3, 1))
        link.sync(supervisor)
        link.sync(clerk)
        _backup(link, tmp_path / "backup.db")
        clerk.supervision.step(warning, Step.SIGN, today=date(2026, 3, 2))
        link.sync(clerk)
        _restore(link, tmp_path / "backup.db")
        for n in range(4):  # central's numbers run past the clerk's cursor again
            supervisor.supervision.issue(
                [VILLAGE], {**fields, "title": f"通知{n}"}, today=date(2026, 3, 3)
            )
        link.sync(supervisor)

        report = link.sync(clerk)
        assert report.rejected == 0 and clerk.queue() == []
        [conflict] = clerk.conflicts()
        assert (conflict.field, conflict.mine, conflict.theirs) == ("status", "received", "issued")
        clerk.resolve(conflict.id, Choice.MINE)
        link.sync(clerk)
        link.sync(supervisor)
        assert supervisor.get(warning)[1]["status"] == clerk.get(warning)[1]["status"] == "received"
        assert clerk.queue() == [] and clerk.conflicts() == []
        for store in (supervisor, clerk):
            store.close()
    finally:
        link.close()
