"""Fault injection: a short seeded run in CI (the long one is bench/bench_faults.py).

pytest -m faults          # this suite alone
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.harness import run_scenario


@pytest.mark.parametrize("seed", [11])
def test_everything_converges_after_cuts_errors_and_kills(
    tmp_path: Path, seed: int, empty_db_url: str
) -> None:
    """On SQLite and on PostgreSQL: central is SIGKILLed mid-push on both."""
    db_url = None if empty_db_url.startswith("sqlite") else empty_db_url
    outcome = run_scenario(tmp_path, seed=seed, rounds=12, db_url=db_url)
    print(outcome.summary())  # noqa: T201 - the figures the closing note quotes (pytest -s)
    assert sum(outcome.faults.values()) >= 5, "the run should have met faults"
    assert outcome.central_kills >= 2
    assert outcome.client_kills >= 2
    assert outcome.problems == []
    assert outcome.ops_applied > 0
    assert outcome.files_attached > 0 and outcome.files_fetched > 0, "files met the faults too"


def test_the_checker_sees_a_device_that_did_not_converge(tmp_path: Path) -> None:
    """The proof above is only worth something if the checker can say no."""
    from central.admin import new_enroll_code
    from client.store import Store
    from client.syncing import enroll
    from tests.e2e.conftest import Central, village
    from tests.faults.harness import PASSPHRASE, Device, _check

    central = Central(tmp_path / "central")
    central.init()
    central.start()
    store = Store(tmp_path / "device", passphrase=PASSPHRASE)
    try:
        enroll(store, central.url, new_enroll_code(central.db_url, unit=village(200), role="clerk"))
        device = Device(name="d0", store=store, index=0)
        record = {"catalog_code": "FIN-01", "period": "1999-01", "title": "never synced"}
        device.created.add(store.add("disclosure", record))
        problems = _check(central, [device])
    finally:
        store.close()
        central.stop()
    assert any("still has 1 ops queued" in p for p in problems)
    assert any("never reached central" in p for p in problems)
