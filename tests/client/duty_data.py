"""A supervisor's home holding the units' duty evidence, for the duty score tests: three
departments (one on time, one late, one with last year's record and a deleted one) and
a discipline body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from client.store import Store
from tests.client.screens.test_supervision_screens import supervisor_store
from tests.stores import arrived

DEPT_A, DEPT_B, DEPT_C = "150202900001", "150202900002", "150202900003"
BODY = "150202950001"
YEAR = 2025
AFTER = date(2026, 3, 1)
"""A day after 2025 closed: every due date of 2025 has passed."""
OPEN_YEAR = date.today().year
"""A year whose items still change (the store checks the lock against today)."""


def evidence(
    store: Store, org_code: str, code: str, day: str, text: str = "", *, deleted: bool = False
) -> str:
    """A unit's duty evidence record, as it arrives from the unit's device (``deleted``:
    as its deletion arrives; a closed year's evidence is no longer deleted here)."""
    return arrived(
        store,
        "duty_evidence",
        {
            "org_code": org_code,
            "indicator_code": code,
            "occurred_on": day,
            "description": text or f"{code}工作记实\n附会议纪要",
            "attachments": [],
        },
        deleted=deleted,
    )


@contextmanager
def district_home(home: Path) -> Iterator[Store]:
    with supervisor_store(home) as store:
        evidence(store, DEPT_A, "ZT-001", "2025-03-10")
        evidence(store, DEPT_A, "ZT-002", "2025-03-20")
        evidence(store, DEPT_B, "ZT-001", "2025-05-01")  # late: half of 3 points
        evidence(store, DEPT_C, "ZT-001", "2024-03-01")  # last year's window: nothing
        evidence(store, BODY, "JD-001", "2025-02-01")
        evidence(store, DEPT_C, "ZT-002", "2025-03-01", deleted=True)
        yield store
