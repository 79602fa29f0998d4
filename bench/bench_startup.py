"""Start-up time of the commands a scheduler runs, beside bare Python.

    python bench/bench_startup.py [--runs N]

Times whole processes (median, min and max of N runs): ``python -c pass``,
``sanwu --version``, ``sanwu status --json`` and ``sanwu sync --json`` with nothing
to do (an enrolled home, in step with a real central on 127.0.0.1). Target: under
0.35 s each, or within 4x of bare Python. Prints which modules each command loaded
that a cron run should never pay for (Textual, FastAPI, uvicorn, Alembic).
Not part of the test run; every loop is bounded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from central_process import central_process  # noqa: E402

from central.admin import init_db, new_enroll_code  # noqa: E402

TARGET_S = 0.35
PASSPHRASE = "bench-startup"
HEAVY = ("textual", "fastapi", "uvicorn", "alembic")
_PROBE = (
    "import sys, runpy\n"
    "sys.argv = ['sanwu', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('sanwu', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
)


def timed(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True, timeout=60)
        out.append(time.perf_counter() - started)
    return out


def loaded(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    script = Path(sys.executable).with_name("sanwu")
    sanwu = [str(script)] if script.exists() else [sys.executable, "-m", "sanwu"]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        db_url = f"sqlite:///{work / 'central.db'}"
        init_db(db_url)
        home = work / "home"
        env = {**os.environ, "SANWU_PASSPHRASE": PASSPHRASE, "SANWU_HOME": str(home)}
        with central_process(db_url) as (url, _port):
            code = new_enroll_code(db_url, unit="150202101200", role="clerk")
            subprocess.run([*sanwu, "enroll", "--server", url, "--code", code], env=env, check=True)
            subprocess.run([*sanwu, "sync", "--json"], env=env, check=True, capture_output=True)
            rows = [
                ("python -c pass", [sys.executable, "-c", "pass"], None),
                ("sanwu --version", [*sanwu, "--version"], ["--version"]),
                ("sanwu status --json", [*sanwu, "status", "--json"], ["status", "--json"]),
                ("sanwu sync --json", [*sanwu, "sync", "--json"], ["sync", "--json"]),
            ]
            figures = [(label, timed(cmd, env, args.runs), probe) for label, cmd, probe in rows]
            heavy = {label: loaded(probe, env) for label, _cmd, probe in rows if probe}
    bare = statistics.median(figures[0][1])
    print(f"start-up, {args.runs} runs each (median [min-max]); target < {TARGET_S} s or < 4x bare")
    for label, times, _probe in figures:
        median = statistics.median(times)
        verdict = (
            ""
            if label == "python -c pass"
            else ("  met" if median < TARGET_S or median < 4 * bare else "  NOT met")
        )
        also = f"  loads {heavy[label]}" if label in heavy else ""
        print(
            f"  {label:<22} {median:6.3f} s [{min(times):.3f}-{max(times):.3f}]"
            f"  {median / bare:5.1f}x bare{verdict}{also}"
        )


if __name__ == "__main__":
    main()
