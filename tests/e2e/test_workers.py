"""Central with four worker processes on PostgreSQL (``serve --workers 4``): clerks of four
villages push at once while town staff pull again and again, through the real CLI.

No pull skips a change: the town's device ends holding exactly central's records of
every village, and central's change numbers are gap-free, one version each.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    TOWN,
    Central,
    Client,
    assert_converged,
    bulk_add,
    enroll_all,
    run_many,
    village,
)
from tests.postgres import Server

VILLAGES = [village(n) for n in range(203, 207)]
RECORDS = 120
MAX_TOWN_ROUNDS = 20


@pytest.fixture
def workers_central(pg_server: Server, tmp_path: Path) -> Iterator[Central]:
    url = pg_server.create()
    central = Central(tmp_path / "central", url, workers=4)
    try:
        central.init()
        central.start()
        yield central
    finally:
        central.stop()
        pg_server.drop(url)


def test_four_workers_never_let_a_pull_skip_a_change(
    workers_central: Central, tmp_path: Path
) -> None:
    central = workers_central
    clerks = [Client(home=tmp_path / f"clerk-{v}", unit=v, role="clerk") for v in VILLAGES]
    town = Client(home=tmp_path / "town", unit=TOWN, role="town")
    for client in (*clerks, town):
        client.home.mkdir()
    enroll_all(central, [*clerks, town])
    for n, clerk in enumerate(clerks):
        bulk_add(clerk, clerk.unit, RECORDS, f"w{n}")

    # Every clerk pushes at once; the town pulls round after round meanwhile.
    clerks_done = threading.Event()
    town_codes: list[int] = []

    def town_rounds() -> None:
        for _ in range(MAX_TOWN_ROUNDS):
            town_codes.append(town.run("sync", "--json", check=False, timeout=180).returncode)
            if clerks_done.is_set():
                return

    puller = threading.Thread(target=town_rounds)
    puller.start()
    try:
        procs = run_many([c.cmd("sync", "--json") for c in clerks], timeout=180)
    finally:
        clerks_done.set()
        puller.join(400)
    assert [p.returncode for p in procs] == [0] * len(clerks), [p.stderr for p in procs]
    assert set(town_codes) == {0}, town_codes
    town.sync()  # whatever came after its last page

    listed: dict[Path, str] = {}
    for clerk in clerks:
        assert clerk.pending() == 0
        assert_converged(
            central, [town], kind="subsidy_project", org_code=clerk.unit, listed=listed
        )
    top = central.query("SELECT seq FROM counter")[0][0]
    seqs = [row[0] for row in central.query("SELECT seq FROM record_version ORDER BY seq")]
    assert seqs == list(range(1, top + 1)), "change numbers are not gap-free"
