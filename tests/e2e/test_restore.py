"""The restore drill, with real processes on SQLite and on PostgreSQL: central restored
from an older backup (``pg_dump`` / ``pg_restore``; SQLite's online backup) is found out
by the devices, whose cursor is ahead of its log, and they send again what it lost.

Between the backup and the restore the clerk edited one record, deleted another and
made a new one, and town staff made one too; after the restore a neighbouring village
pushes enough for central's change numbers to run past the devices' cursors again (with
other changes). Then the clerk and the town sync: what central lost comes back, the one
field where central holds another value is a conflict the clerk decides, and every
device ends holding exactly central's records.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from tests.e2e.conftest import (
    PY,
    Central,
    Client,
    assert_converged,
    bulk_add,
    disclosure,
    enroll_all,
    run_cmd,
    village,
)
from tests.postgres import bin_dir

ORG = village(201)
TOWN = "150202101000"


def _libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(False)


def _tool(name: str) -> str:
    where = bin_dir()
    assert where is not None, "pg_dump comes with the PostgreSQL the tests run on"
    return str(where / name)


def backup(central: Central, to: Path) -> None:
    """What the deployment guide's nightly backup does, central running."""
    if central.database == "sqlite":
        source, target = sqlite3.connect(central.db_path), sqlite3.connect(to)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--file", str(to), _libpq(central.db_url)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def restore(central: Central, backup_file: Path, drop: Callable[[], None]) -> None:
    """The guide's restore: central stopped, the database replaced by the backup."""
    central.stop()
    if central.database == "sqlite":
        for extra in ("-wal", "-shm"):
            central.db_path.with_name(central.db_path.name + extra).unlink(missing_ok=True)
        shutil.copyfile(backup_file, central.db_path)
    else:
        drop()
        subprocess.run(
            [_tool("pg_restore"), "--dbname", _libpq(central.db_url), str(backup_file)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    central.start()


def test_devices_send_again_what_a_restored_central_lost(
    empty_db_url: str, tmp_path: Path, pg_drop_create: Callable[[str], None]
) -> None:
    central = Central(tmp_path / "central", empty_db_url)
    central.init()
    central.start()
    try:
        clerk, town, other = (
            Client(home=tmp_path / name, unit=unit, role=role)
            for name, unit, role in (
                ("clerk", ORG, "clerk"),
                ("town", TOWN, "town"),
                ("other", village(202), "clerk"),
            )
        )
        for client in (clerk, town, other):
            client.home.mkdir()
        enroll_all(central, [clerk, town, other])
        kept = clerk.add("disclosure", disclosure(period="2031-01", title="一月"))
        gone = clerk.add("disclosure", disclosure(period="2031-02", title="二月"))
        clerk.sync()
        town.sync()
        clerk.add("disclosure", disclosure(period="2031-03", title="三月"))
        clerk.sync()
        town.sync()
        backup(central, tmp_path / "central.backup")

        clerk.edit(kept, {"title": "一月（更正）"})
        clerk.run("record", "delete", gone)
        late = clerk.add("disclosure", disclosure(period="2031-04", title="四月"))
        clerk.sync()
        towns = town.add("disclosure", disclosure(ORG, period="2031-05", title="五月"))
        town.sync()
        clerk.sync()

        restore(central, tmp_path / "central.backup", lambda: pg_drop_create(central.db_url))
        bulk_add(other, other.unit, 12, "after-restore")  # numbers run past the cursors
        other.sync()

        clerk.sync()
        [conflict] = clerk.conflicts()
        assert (conflict["field"], conflict["mine"], conflict["theirs"]) == (
            "title",
            "一月（更正）",
            "一月",
        )
        clerk.run("conflicts", "resolve", str(conflict["id"]), "--take", "mine")
        clerk.sync()
        town.sync()  # nothing to send: the quick path finds central behind too
        clerk.sync()
        town.sync()

        for client in (clerk, town, other):
            assert client.pending() == 0 and client.open_conflicts() == 0
        held = assert_converged(central, [clerk, town], org_code=ORG)
        titles = {r["id"]: r["title"] for r in held}
        assert titles[kept] == "一月（更正）" and late in titles and towns in titles
        assert gone not in titles
        top = central.query("SELECT seq FROM counter")[0][0]
        seqs = [row[0] for row in central.query("SELECT seq FROM record_version ORDER BY seq")]
        assert seqs == list(range(1, top + 1))
        listed = run_cmd([PY, "-m", "sanwu", "--home", str(clerk.home), "queue", "list", "--json"])
        assert listed.stdout.strip() == "[]"
    finally:
        central.stop()
