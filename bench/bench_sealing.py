"""What sealing personal fields at rest costs central: push and pull of subsidy payments
(ID number and account sealed, the ID number with its blind index), in process.

    python bench/bench_sealing.py [--payments N] [--batch B] [--runs R]

Central's database is a SQLite file made by ``init_db``; a clerk's pushes of N payments
(B ops a push) and a town's pull of them (pages of 1,000) go through ``central.push`` and
``central.pull`` directly (no HTTP, no signing: only central's own work is timed), then
``rotate_key`` re-seals them. Prints the median over R runs of ops and records per
second. Run it on a tree before sealing (without ``rotate_key``) to compare. Not part
of the test run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from central.admin import init_db  # noqa: E402
from central.db import make_engine  # noqa: E402
from central.pull import pull  # noqa: E402
from central.push import push  # noqa: E402
from central.seed import gb11643  # noqa: E402
from central.tables import Device  # noqa: E402
from models.ids import new_id  # noqa: E402
from models.kinds import timestamp_to_wire  # noqa: E402
from sync.protocol import Action, Op  # noqa: E402

VILLAGE = "150202101200"
TOWN = "150202101000"


def _device(session: Session, unit: str, role: str) -> Device:
    device = Device(
        id=new_id(),
        public_key="-",
        org_code=unit,
        role=role,
        scope=unit.rstrip("0") if role == "town" else unit,
        enrolled_at=datetime.now(UTC),
    )
    session.add(device)
    session.commit()
    return device


def _create(kind: str, **fields: object) -> Op:
    return Op(
        op_id=new_id(),
        kind=kind,
        record_id=new_id(),
        action=Action.CREATE,
        changes={name: (None, value) for name, value in fields.items()},
        recorded_at=timestamp_to_wire(datetime.now(UTC)) or "",
    )


def _id_number(n: int) -> str:
    """The n-th of distinct valid ID numbers: a birthday from 1950 on, 999 a day."""
    born = date(1950, 1, 1) + timedelta(days=n // 999)
    return gb11643(f"150202{born:%Y%m%d}{n % 999 + 1:03d}")


def run_once(folder: Path, payments: int, batch: int) -> dict[str, float]:
    url = f"sqlite:///{folder / 'central.db'}"
    init_db(url)
    engine = make_engine(url)
    figures: dict[str, float] = {}
    try:
        with Session(engine, expire_on_commit=False) as session:
            clerk, town = _device(session, VILLAGE, "clerk"), _device(session, TOWN, "town")
            project = _create(
                "subsidy_project", org_code=VILLAGE, name="耕地地力保护补贴", category="agriculture"
            )
            push(session, device=clerk, ops=[project], now=datetime.now(UTC))
            ops = [
                _create(
                    "subsidy_payment",
                    org_code=VILLAGE,
                    project_id=project.record_id,
                    recipient_name="王小二",
                    id_number=_id_number(n),
                    amount_fen=1000 + n,
                    account=f"6217{n:012d}",
                )
                for n in range(payments)
            ]
            started = time.perf_counter()
            for start in range(0, len(ops), batch):
                push(session, device=clerk, ops=ops[start : start + batch], now=datetime.now(UTC))
            figures["push ops/s"] = len(ops) / (time.perf_counter() - started)
            started = time.perf_counter()
            after, served, more = 0, 0, True
            while more:
                page = pull(session, device=town, after=after, limit=1000)
                served += len(page.changes)
                after, more = page.cursor, page.more
            figures["pull records/s"] = served / (time.perf_counter() - started)
        try:
            from central.rotation import rotate_key
        except ImportError:
            return figures
        started = time.perf_counter()
        rotate_key(url)
        figures["rotate-key values/s"] = 2 * payments / (time.perf_counter() - started)
    finally:
        engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payments", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            for name, value in run_once(Path(folder), args.payments, args.batch).items():
                results.setdefault(name, []).append(value)
    print(f"{args.payments} payments, pushes of {args.batch}, median of {args.runs} runs:")
    for name, values in results.items():
        print(f"  {name:<22} {statistics.median(values):>10,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
