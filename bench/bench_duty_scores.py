"""The duty score table (逐项赋分) over a district at ten times the demo's volume.

    python bench/bench_duty_scores.py [--scale 10] [--year 2026] [--runs 5]

The demo district holds 34,057 records; at ``--scale 10`` a district supervisor's home
gets 340,570 written straight into its tables (the read path is what is measured, not
saving), by a child process so the measuring process never held them:

- duty evidence: 15,000 per scale unit (150,000 at 10x), for the 77 departments and 24
  discipline bodies on the indicators that apply to them; four in five dated within
  the scored year's span (the year before it, the year, and the January that closes
  it), the rest in the five years before (SQL leaves those out);
- duty adjustments: 200 per scale unit for the scored year and as many for the year
  before (one per unit, year and item);
- disclosures of the villages for the rest (about 186,600 at 10x), so the database file
  is the size the district's would be.

Then it times, in this process, on the home's own store:

- the score table of the year for the whole district (``score_rows``), the first call
  (the rule's caches cold) and the median of ``--runs`` more;
- one unit's drill-down (``unit_detail``) for the unit with the most evidence, the same;
- ``sanwu report duty --year Y --json`` as a command, end to end (process start, the
  passphrase's scrypt, the table, the JSON): the median of five new processes, the
  bytecode compiled once (as installed).

Target (the issue): the table in under 1 s for the whole district at this volume. Not
part of the test run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSPHRASE = "bench passphrase"
COMMAND_RUNS = 5
"""Runs of the command as a new process; the median is printed."""
SEED_RECORDS = 34_057
EVIDENCE_PER_SCALE = 15_000
ADJUSTMENTS_PER_SCALE = 200
WORDS = "召开专题会议研究部署党风廉政建设工作形成会议纪要并存档开展廉政谈话落实一岗双责"


def fill(home: Path, scale: int, year: int) -> dict[str, int]:
    """Enroll a district supervisor in ``home`` and write the records (child process)."""
    from client.identity import Identity
    from client.store import Store
    from models.catalog import load_catalog
    from models.duty import indicators_for
    from models.ids import new_id
    from models.kinds import kind_spec
    from models.orgs import load_org_units
    from models.rules.scoring import evidence_span
    from sync.signing import new_private_key

    rng = random.Random(20260101)
    store = Store(home, passphrase=PASSPHRASE)
    store.save_identity(
        Identity(
            device_id="bench-district",
            private_key=new_private_key(),
            server_url="http://127.0.0.1:9",
            org_code="150202000000",
            org_name="东河区",
            role="supervisor",
            scope="150202",
        )
    )
    units = [u for u in load_org_units() if indicators_for(u.level)]
    villages = [u.code for u in load_org_units() if u.level == "village"]
    now = datetime.now(UTC)
    seq = 0

    def system() -> dict[str, Any]:
        nonlocal seq
        seq += 1
        return {
            "id": new_id(),
            "version": 1,
            "deleted": False,
            "updated_by": "bench",
            "recorded_at": now,
            "received_at": now,
            "seq": seq,
        }

    first, last = evidence_span(year)
    span_days = (last - first).days
    old_start = date(first.year - 5, 1, 1)
    old_days = (first - old_start).days - 1
    evidence = []
    for n in range(EVIDENCE_PER_SCALE * scale):
        unit = units[n % len(units)]
        indicator = rng.choice(indicators_for(unit.level))
        if n % 5:
            day = first + timedelta(days=rng.randrange(span_days + 1))
        else:
            day = old_start + timedelta(days=rng.randrange(old_days))
        start = rng.randrange(len(WORDS) - 20)
        evidence.append(
            system()
            | {
                "org_code": unit.code,
                "indicator_code": indicator.code,
                "occurred_on": day,
                "description": WORDS[start:] + WORDS[:start],
                "attachments": [],
            }
        )
    adjustments = []
    for scored_year in (year - 1, year):
        keys = set()
        while len(keys) < ADJUSTMENTS_PER_SCALE * scale:
            unit = rng.choice(units)
            indicator = rng.choice(indicators_for(unit.level))
            keys.add((unit.code, indicator.code, indicator.points))
        for code, indicator_code, points in sorted(keys):
            adjustments.append(
                system()
                | {
                    "org_code": code,
                    "year": scored_year,
                    "indicator_code": indicator_code,
                    "points": str(rng.choice([0, points / 2, points])),
                    "reason": "年度考核复核：会议纪要不全，酌情赋分",
                    "evidence_id": "",
                    "adjusted_on": date(scored_year, 12, 20),
                }
            )
    items = [item for item in load_catalog().values() if item.period != "on_event"]
    disclosures = []
    for n in range(SEED_RECORDS * scale - len(evidence) - len(adjustments)):
        item = items[n % len(items)]
        disclosures.append(
            system()
            | {
                "org_code": villages[n % len(villages)],
                "catalog_code": item.code,
                "period": f"{2016 + n % 10}-{n % 12 + 1:02d}",
                "title": item.name,
                "content": item.template,
                "channels": ["board"],
                "disclosed_on": None,
                "responsible": "张三",
                "reviewer": "",
                "review_opinion": "",
                "status": "published",
                "attachments": [],
            }
        )
    written: dict[str, int] = {}
    with store.transaction() as conn:
        for kind, rows in (
            ("duty_evidence", evidence),
            ("duty_adjustment", adjustments),
            ("disclosure", disclosures),
        ):
            table = kind_spec(kind).table.__table__  # type: ignore[attr-defined]
            for start in range(0, len(rows), 20_000):
                conn.execute(table.insert(), rows[start : start + 20_000])
            written[kind] = len(rows)
    store.close()
    return written


def timed(call: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Seconds of the first call, the median of ``runs`` more, and the last result."""
    started = time.perf_counter()
    result = call()
    first = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return first, statistics.median(times), result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def measure(home: Path, year: int, runs: int) -> None:
    import sqlalchemy as sa

    from client.analysis.duty_scores import score_rows, unit_detail
    from client.store import Store

    today = date(year + 1, 3, 1)
    with Store(home, passphrase=PASSPHRASE) as store:
        with store.engine.connect() as conn:
            counts = {
                kind: conn.execute(sa.text(f"SELECT count(*) FROM {kind}")).scalar_one()
                for kind in ("duty_evidence", "duty_adjustment", "disclosure")
            }
            busiest, n = conn.execute(
                sa.text(
                    "SELECT org_code, count(*) AS n FROM duty_evidence "
                    "GROUP BY org_code ORDER BY n DESC LIMIT 1"
                )
            ).one()
        size = (home / "sanwu.db").stat().st_size
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in counts.items())
        print(f"records: {sum(counts.values()):,} ({kinds}); database {size / 1e6:.0f} MB")
        first, median, rows = timed(
            lambda: score_rows(store.engine, year, today=today, scope="150202"), runs
        )
        print(f"score table {year}, {len(rows)} units:     first {ms(first)}   median {ms(median)}")
        print(
            f"  top: {rows[0].org_code} {rows[0].name} {rows[0].score:.2f}/{rows[0].max:.2f};"
            f" bodies from row {next(i for i, r in enumerate(rows) if r.level == 'discipline')}"
        )
        first, median, detail = timed(
            lambda: unit_detail(store.engine, busiest, year, today=today), runs
        )
        shown = sum(len(item.evidence) for item in detail.items)
        print(
            f"drill-down {busiest} ({n:,} records, {shown} in the year's span):"
            f" first {ms(first)}   median {ms(median)}"
        )
    # The bytecode compiled once, as an installed sanwu has it (a PYTHONDONTWRITEBYTECODE
    # shell would compile every module on every run: some 0.1 s of each).
    env = {**os.environ, "SANWU_PASSPHRASE": PASSPHRASE}
    env["PYTHONPYCACHEPREFIX"] = str(home.parent / "pycache")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "sanwu", "--home", str(home), "report", "duty"]
    command += ["--year", str(year), "--json"]
    subprocess.run(command, env=env, capture_output=True, check=True)
    took = []
    for _run in range(COMMAND_RUNS):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, check=True)
        took.append(time.perf_counter() - started)
    print(
        f"sanwu report duty --json (whole command, a new process): "
        f"median {ms(statistics.median(took))} of {COMMAND_RUNS} ({len(done.stdout):,} bytes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--scale", type=int, default=10, help="times the demo's 34,057 records")
    parser.add_argument("--year", type=int, default=2026, help="the year scored")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the first")
    parser.add_argument("--fill", type=Path, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.fill is not None:
        written = fill(args.fill, args.scale, args.year)
        print(", ".join(f"{kind} {n:,}" for kind, n in written.items()))
        return
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        started = time.perf_counter()
        command = [sys.executable, __file__, "--fill", str(home), "--scale", str(args.scale)]
        subprocess.run([*command, "--year", str(args.year)], check=True)
        print(f"written in {time.perf_counter() - started:.1f} s")
        measure(home, args.year, args.runs)


if __name__ == "__main__":
    main()
