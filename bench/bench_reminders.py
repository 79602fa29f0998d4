"""The daily reminder pass over the Donghe demo district, as `sanwu central remind` runs
it: the first day (every unit's overdue work raised), the same day again (nothing new),
the next day, the day SMS go out, the day warnings are proposed. Prints seconds and what
each pass did.

    python bench/bench_reminders.py [--db sqlite:///...] [--today YYYY-MM-DD]

Without --db a fresh demo database is made in a temporary directory (SQLite). Give a
PostgreSQL URL to time the pass there (an empty database: it is initialised here).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from central.admin import init_db  # noqa: E402
from central.db import make_engine  # noqa: E402
from central.reminders import run_pass  # noqa: E402
from central.sms_link import queue_sms  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a database URL (default: a fresh SQLite file)")
    parser.add_argument("--today", default=date.today().isoformat())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'central.db'}"
        started = time.perf_counter()
        init_db(url, demo=True)
        print(f"demo database ready in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        engine = make_engine(url)
        first = date.fromisoformat(args.today)
        days = [
            ("first day", first),
            ("same day again", first),
            ("next day", first + timedelta(days=1)),
            ("SMS day (+3)", first + timedelta(days=3)),
            ("proposal day (+10)", first + timedelta(days=10)),
        ]
        print(f"{'pass':<20} {'seconds':>8}  raised  sms  proposed  closed")
        for name, day in days:
            with Session(engine, expire_on_commit=False) as session:
                started = time.perf_counter()
                outcome = run_pass(session, today=day, sms=queue_sms)
                took = time.perf_counter() - started
            c = outcome.counts
            print(
                f"{name:<20} {took:8.2f}  {c['raised']:6}  {c['sms']:3}  {c['proposed']:8}  "
                f"{c['closed']:6}"
            )
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
