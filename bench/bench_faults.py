"""The long fault-injection run: many seeded rounds of editing and syncing through a
proxy that cuts, delays, duplicates and fails requests, with central and clients
SIGKILLed, then the proof that everything converged.

    python bench/bench_faults.py [--seeds 5] [--rounds 40]

Prints, per seed, the rounds, the faults injected and the verdict. Loopback only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.harness import run_scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--first-seed", type=int, default=1)
    args = parser.parse_args()
    failed = 0
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            outcome = run_scenario(Path(tmp), seed=seed, rounds=args.rounds)
            seconds = time.perf_counter() - started
        failed += bool(outcome.problems)
        print(f"seed {seed} ({seconds:.0f} s): {outcome.summary()}", flush=True)
    print(f"\n{args.seeds - failed} of {args.seeds} seeds converged")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
