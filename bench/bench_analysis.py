"""The analysis screen's data at ten times the seed's volume: what key 0 reads for the
whole district from a supervisor's home holding 340,000 records.

    python bench/bench_analysis.py [--scale 10] [--runs 5] [--keep DIR]

The home is bench/bench_figures.py's (the same records, spread the same way). It times
``client.analysis.charts.load_analysis`` (the facts read once, the figures, the charts
and the year's duty score table) for the screen's periods over the whole district and
over one town, the first run and the median of ``--runs``, and prints what was counted.
Target: under 1 s. Not part of the test run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_figures import PASSPHRASE, fill  # noqa: E402

from client.analysis.charts import Analysis, load_analysis  # noqa: E402
from client.store import Store  # noqa: E402
from models.figure_charts import PERIODS, period_window  # noqa: E402
from models.figure_counts import Scope, Window  # noqa: E402

DISTRICT = "150202"
TOWN = "150202101"


def timed(
    store: Store, window: Window, scope: Scope, runs: int, today: date
) -> tuple[float, float, Analysis]:
    """(first run, median of the runs) in seconds, and what the last run read."""
    times = []
    analysis: Analysis | None = None
    for _run in range(runs):
        started = time.perf_counter()
        analysis = load_analysis(store.engine, window, scope, device_scope=DISTRICT, today=today)
        times.append(time.perf_counter() - started)
    assert analysis is not None
    return times[0], statistics.median(times), analysis


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--scale", type=int, default=10, help="times the seed's 34,000 records")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", help="build the home in DIR and keep it")
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(args.keep or tmp) / "supervisor"
        started = time.perf_counter()
        counts = fill(home, args.scale, today)
        total = sum(counts.values())
        print(f"home filled in {time.perf_counter() - started:.1f} s: {total:,} records")
        store = Store(home, passphrase=PASSPHRASE)
        print(f"\n{'period':<14} {'units':<10} {'first':>8} {'median':>8}   (load_analysis)")
        shown: Analysis | None = None
        for name, _label in PERIODS:
            window = period_window(name, today)
            for units, scope in (("district", Scope((DISTRICT,))), ("one town", Scope((TOWN,)))):
                first, median, analysis = timed(store, window, scope, args.runs, today)
                shown = shown or analysis
                print(f"{name:<14} {units:<10} {first * 1000:6.0f} ms {median * 1000:6.0f} ms")
        store.close()
    assert shown is not None
    print(f"\nthis year over the district ({shown.window.first} to {shown.window.last}):")
    print(f"  figures: {shown.figures}")
    print(f"  documents by month: {[row.documents for row in shown.months]}")
    print(f"  feedback by month:  {[row.feedback for row in shown.months]}")
    print(f"  units with a rate: {len(shown.rates)}, open by age: {[b.count for b in shown.ages]}")
    print(f"  duty scores: {len(shown.scores)} units")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
