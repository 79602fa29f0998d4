"""Core figures: save latency and sync cost on loopback.

    python bench/bench_core.py [--records N] [--saves S]

Prints the save latency (record + outbox + audit in one transaction, p50/p99
over S saves), then the time, HTTP requests and bytes of: a first push of N
disclosures by a clerk, a first pull of them by town staff, an incremental
round after 1% of the records changed, and a round with nothing to do.
Central runs as a real uvicorn subprocess on 127.0.0.1; every loop is bounded.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from central_process import central_process  # noqa: E402

from central.admin import init_db, new_enroll_code  # noqa: E402
from client.store import Store  # noqa: E402
from client.syncing import enroll, sync_round  # noqa: E402
from models.catalog import load_catalog  # noqa: E402

TOWN = "150202101000"
CLERK_VILLAGE = "150202101200"
PASSPHRASE = "bench"
"""The bench homes' passphrase (fresh homes in a temporary directory)."""


def _disclosure(i: int, monthly_items: list[str]) -> dict[str, Any]:
    item = monthly_items[i % len(monthly_items)]
    year = 2000 + (i // len(monthly_items)) // 12
    month = (i // len(monthly_items)) % 12 + 1
    return {
        "catalog_code": item,
        "period": f"{year}-{month:02d}",
        "title": f"{year}年{month}月财务公开（{i}）",
        "content": "本月收入合计" + str(1000 + i % 997) + "元，支出明细见公开栏。" * 6,
        "channels": ["board", "wechat"],
        "disclosed_on": f"{year}-{month:02d}-{(i % 27) + 1:02d}",
        "responsible": "杨丽华",
    }


def _row(label: str, seconds: float, report: Any) -> str:
    return (
        f"{label:<34} {seconds:8.2f} s {report.requests:8d} req "
        f"{report.bytes_sent / 1e6:9.2f} MB up {report.bytes_received / 1e6:9.2f} MB down"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=34_057)
    parser.add_argument("--saves", type=int, default=2_000)
    args = parser.parse_args()
    monthly = [c.code for c in load_catalog().values() if c.period == "monthly"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_url = f"sqlite:///{work / 'central.db'}"
        init_db(db_url)
        with central_process(db_url) as (url, _port):
            clerk = Store(work / "clerk", passphrase=PASSPHRASE)
            enroll(clerk, url, new_enroll_code(db_url, unit=CLERK_VILLAGE, role="clerk"))
            town = Store(work / "town", passphrase=PASSPHRASE)
            enroll(town, url, new_enroll_code(db_url, unit=TOWN, role="town"))

            # Save latency, measured on the same path a screen uses.
            latencies = []
            for i in range(args.records):
                started = time.perf_counter()
                clerk.add("disclosure", _disclosure(i, monthly))
                if i < args.saves:
                    latencies.append((time.perf_counter() - started) * 1000)
            latencies.sort()
            p50 = statistics.median(latencies)
            p99 = latencies[int(len(latencies) * 0.99) - 1]
            print(f"save (record + outbox + audit), {len(latencies)} saves:")
            print(f"  p50 {p50:.2f} ms   p99 {p99:.2f} ms   max {latencies[-1]:.2f} ms")
            print(f"\nsync of {args.records} records over loopback (central: uvicorn subprocess)")

            started = time.perf_counter()
            push = sync_round(clerk)
            print(_row("first push (clerk)", time.perf_counter() - started, push))
            started = time.perf_counter()
            pull = sync_round(town)
            print(_row("first pull (town staff)", time.perf_counter() - started, pull))
            assert pull.pulled == args.records, pull

            changed = max(1, args.records // 100)
            for record in town.list_records("disclosure")[:changed]:
                town.edit(record["id"], {"title": record["title"] + "（更正）"})
            started = time.perf_counter()
            inc_push = sync_round(town)
            print(
                _row(f"push after 1% changed ({changed})", time.perf_counter() - started, inc_push)
            )
            started = time.perf_counter()
            inc_pull = sync_round(clerk)
            print(
                _row(f"pull after 1% changed ({changed})", time.perf_counter() - started, inc_pull)
            )
            started = time.perf_counter()
            idle = sync_round(clerk)
            print(_row("nothing changed", time.perf_counter() - started, idle))
            clerk.close()
            town.close()


if __name__ == "__main__":
    main()
