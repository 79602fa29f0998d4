"""The district's figures at ten times the seed's volume: ``sanwu report supervision``
over a supervisor's home holding 340,000 records.

    python bench/bench_figures.py [--scale 10] [--runs 5] [--keep DIR]

A district supervisor's home (scope 150202, every unit of Donghe) gets ``34,000 x
scale`` records written straight into its tables (the read path is what is measured,
not saving), spread over the kinds as a district's years of work spread them:
disclosures of every village and community back over the years, subsidy payments,
duty evidence, reminders, documents and their reports, clues, bulletins, duty scores.

Then it times, each on the whole district:

- the report's count in this process (``client.analysis.figures.figures``: the SQL
  reads and the declared counts) for this year to today, the default window, over
  ``--runs`` runs: the first (nothing cached but the file's pages) and the median;
- the same for the last whole year and for every day since 2000;
- ``sanwu report supervision --json`` as a person runs it: a new process (Python, the
  modules, unlocking the home with its passphrase, the count, the output), the median
  of five with the bytecode compiled once (as installed), next to ``sanwu record list
  bulletin --json`` (the same but for the count: a hundred rows).

and prints the figures. Target: the report under 1 s, as a command too. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from client.analysis.figures import figures  # noqa: E402
from client.identity import Identity  # noqa: E402
from client.store import Store  # noqa: E402
from models.catalog import deadline_for, load_catalog, parse_period, period_for  # noqa: E402
from models.figure_counts import Scope, Window  # noqa: E402
from models.figures import FIGURES  # noqa: E402
from models.ids import new_id  # noqa: E402
from models.kinds import kind_spec  # noqa: E402
from models.orgs import load_org_units  # noqa: E402
from sync.signing import new_private_key  # noqa: E402

DISTRICT = "150202000000"
COMMAND_RUNS = 5
"""Runs of each command as a new process; the median is printed."""
PASSPHRASE = "bench passphrase"
SEED_RECORDS = 34_000
"""The district's migration (34,057 records), rounded."""
SHARES = {
    "disclosure": 18_000,
    "subsidy_payment": 8_000,
    "duty_evidence": 3_000,
    "reminder": 2_500,
    "feedback": 1_200,
    "warning": 800,
    "duty_adjustment": 350,
    "clue": 140,
    "bulletin": 10,
}
"""Records per kind at scale 1 (34,000 in all)."""
YEARS = 10
"""Everything but disclosures is spread over the last ten years; disclosures go back as
far as their number needs (a unit's every item and period)."""


class Maker:
    """Records of each kind for the whole district, as wire-like rows for the tables."""

    def __init__(self, today: date, seed: int = 7) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.seq = 0
        units = load_org_units()
        self.disclosing = [u for u in units if u.level in ("village", "community")]
        self.scored = [u.code for u in units if u.level in ("department", "discipline")]
        self.supervised = [u.code for u in units if u.level not in ("district", "town")]
        self.items = [i for i in load_catalog().values() if i.period != "on_event"]
        self.warning_ids: list[tuple[str, str, date]] = []

    def day(self, years: int = YEARS) -> date:
        return self.today - timedelta(days=self.rng.randrange(365 * years))

    def row(self, kind: str, org: str, fields: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        system = {
            "id": new_id(),
            "org_code": org,
            "version": 1,
            "deleted": self.rng.random() < 0.01,
            "updated_by": "bench",
            "recorded_at": self.now,
            "received_at": self.now,
            "seq": self.seq,
        }
        return {**kind_spec(kind).defaults(), **fields, **system}

    def disclosures(self, count: int) -> Iterator[dict[str, Any]]:
        series: dict[tuple[str, str], str] = {}
        for n in range(count):
            unit = self.disclosing[n % len(self.disclosing)]
            item = self.items[(n // len(self.disclosing)) % len(self.items)]
            key = (unit.code, item.code)
            period = series.get(key) or period_for(item.period, self.today)
            start, _end = parse_period(item.period, period)
            series[key] = period_for(item.period, start - timedelta(days=1))
            deadline = deadline_for(item, period)
            status = self.rng.choices(
                ("published", "withdrawn", "returned", "submitted", "draft"), (85, 2, 4, 5, 4)
            )[0]
            reviewed = deadline + timedelta(days=self.rng.randint(-25, 15))
            fields: dict[str, Any] = {"catalog_code": item.code, "period": period}
            fields |= {"title": f"{item.name}（{period}）", "status": status}
            if status in ("published", "withdrawn"):
                fields |= {"published_on": reviewed, "reviewed_on": reviewed}
            elif status == "returned":
                fields |= {"reviewed_on": reviewed, "return_reason": "缺少附件"}
            yield self.row("disclosure", unit.code, fields)

    def warnings(self, count: int) -> Iterator[dict[str, Any]]:
        for _n in range(count):
            org = self.rng.choice(self.supervised)
            issued = self.day()
            doc_type = self.rng.choice(("warning", "suggestion", "reminder_letter", "notice"))
            status = self.rng.choices(
                ("issued", "received", "rectifying", "verifying", "closed", "returned"),
                (5, 5, 10, 5, 70, 5),
            )[0]
            fields: dict[str, Any] = {
                "doc_type": doc_type,
                "title": "关于规范三务公开的监督建议书",
                "problems": "逾期未公开\n缺少公开栏照片\n缺少监委会意见",
                "issued_on": issued,
                "reply_due": issued + timedelta(days=15),
                "status": status,
                "on_paper": self.rng.random() < 0.1,
            }
            if status == "closed":
                fields |= {"closed_on": issued + timedelta(days=20), "rectified": ["1", "2"]}
            row = self.row("warning", org, fields)
            self.warning_ids.append((row["id"], org, issued))
            yield row

    def feedback(self, count: int) -> Iterator[dict[str, Any]]:
        for n in range(count):
            warning_id, org, issued = self.warning_ids[n % len(self.warning_ids)]
            verdict = self.rng.choice(("accepted", "returned", ""))
            fields = {
                "warning_id": warning_id,
                "reported_on": issued + timedelta(days=10),
                "progress": "已整改",
                "completed": True,
                "rectified": ["1"],
                "verdict": verdict,
                "judged_on": issued + timedelta(days=12) if verdict else None,
            }
            yield self.row("feedback", org, fields)

    def reminders(self, count: int) -> Iterator[dict[str, Any]]:
        for n in range(count):
            raised = self.day()
            sms = self.rng.random() < 0.4
            fields = {
                "subject": "catalog_item",
                "subject_code": "FIN-02",
                "period": f"r{n}",
                "title": "各项收入逾期未公开",
                "raised_on": raised,
                "step": "sms" if sms else "online",
                "sms_on": raised + timedelta(days=3) if sms else None,
                "status": self.rng.choice(("open", "closed")),
            }
            yield self.row("reminder", self.rng.choice(self.supervised), fields)

    def clues(self, count: int) -> Iterator[dict[str, Any]]:
        for _n in range(count):
            received = self.day()
            outcome = self.rng.choices(
                ("", "unfounded", "rectification", "case_filed"), (2, 5, 3, 1)
            )[0]
            fields = {
                "source": "hotline",
                "problem": "not_disclosed",
                "description": "村务未按时公开",
                "received_on": received,
                "status": "concluded" if outcome else "received",
                "outcome": outcome,
                "concluded_on": received + timedelta(days=30) if outcome else None,
                "people_disciplined": self.rng.randint(1, 2) if outcome == "case_filed" else 0,
            }
            yield self.row("clue", self.rng.choice(self.supervised), fields)

    def bulletins(self, count: int) -> Iterator[dict[str, Any]]:
        for _n in range(count):
            issued = self.day()
            fields = {
                "title": "关于三务公开工作情况的通报",
                "period_from": issued - timedelta(days=90),
                "period_to": issued,
                "body": "通报",
                "named_units": sorted(self.rng.sample(self.supervised, 31)),
                "issued_on": issued,
            }
            yield self.row("bulletin", DISTRICT, fields)

    def adjustments(self, count: int) -> Iterator[dict[str, Any]]:
        for n in range(count):
            fields = {
                "year": self.today.year - n // len(self.scored) % YEARS,
                "indicator_code": f"ZT-{n % 108 + 1:03d}",
                "points": "1.5",
                "reason": "记实不全",
                "adjusted_on": self.day(),
            }
            yield self.row("duty_adjustment", self.scored[n % len(self.scored)], fields)

    def payments(self, count: int) -> Iterator[dict[str, Any]]:
        for n in range(count):
            unit = self.disclosing[n % len(self.disclosing)]
            fields = {
                "project_id": f"project-{n // 500}",
                "recipient_name": "张*",
                "id_number": "sealed",
                "standard": 9530,
                "quantity": "12",
                "unit": "mu",
                "amount_fen": 114360,
                "paid_on": self.day(),
                "method": "one_card",
            }
            yield self.row("subsidy_payment", unit.code, fields)

    def evidence(self, count: int) -> Iterator[dict[str, Any]]:
        for n in range(count):
            fields = {
                "indicator_code": f"ZT-{n % 108 + 1:03d}",
                "occurred_on": self.day(),
                "description": "召开专题会议",
            }
            yield self.row("duty_evidence", self.scored[n % len(self.scored)], fields)


def fill(home: Path, scale: int, today: date) -> dict[str, int]:
    """A supervisor's home with ``34,000 x scale`` records; returns the count per kind."""
    store = Store(home, passphrase=PASSPHRASE)
    store.save_identity(
        Identity(
            device_id="bench-supervisor",
            private_key=new_private_key(),
            server_url="http://127.0.0.1:9",
            org_code=DISTRICT,
            org_name="东河区",
            role="supervisor",
            scope="150202",
        )
    )
    maker = Maker(today)
    makers = {
        "disclosure": maker.disclosures,
        "warning": maker.warnings,  # before feedback: reports name their documents
        "feedback": maker.feedback,
        "reminder": maker.reminders,
        "clue": maker.clues,
        "bulletin": maker.bulletins,
        "duty_adjustment": maker.adjustments,
        "subsidy_payment": maker.payments,
        "duty_evidence": maker.evidence,
    }
    counts = {}
    with store.transaction() as conn:
        for kind, make in makers.items():
            rows = list(make(SHARES[kind] * scale))
            conn.execute(kind_spec(kind).table.__table__.insert(), rows)  # type: ignore[attr-defined]
            counts[kind] = len(rows)
    store.close()
    return counts


def command_env(pycache: Path) -> dict[str, str]:
    """The command's environment: the passphrase, and its bytecode compiled once into
    ``pycache`` as an installed sanwu has it (a PYTHONDONTWRITEBYTECODE shell would
    otherwise compile every module on every run: some 0.1 s of each)."""
    env = {**os.environ, "SANWU_PASSPHRASE": PASSPHRASE, "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(store: Store, window: Window, runs: int) -> tuple[float, float, dict[str, int]]:
    """(first run, median of the runs) in seconds, and the figures."""
    times = []
    counted: dict[str, int] = {}
    for _run in range(runs):
        started = time.perf_counter()
        counted = figures(store.engine, window, Scope(("150202",)))
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times), counted


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
        print("  " + ", ".join(f"{kind} {n:,}" for kind, n in counts.items()))
        windows = {
            "this year to today (default)": Window(date(today.year, 1, 1), today),
            f"last year ({today.year - 1})": Window(
                date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
            ),
            "every day since 2000": Window(date(2000, 1, 1), today),
        }
        store = Store(home, passphrase=PASSPHRASE)
        shown: dict[str, int] = {}
        print(f"\n{'window':<30} {'first':>8} {'median':>8}   (the count in this process)")
        for name, window in windows.items():
            first, median, counted = timed(store, window, args.runs)
            shown = shown or counted
            print(f"{name:<30} {first * 1000:6.0f} ms {median * 1000:6.0f} ms")
        store.close()
        sanwu = [sys.executable, "-m", "sanwu", "--home", str(home)]
        env = command_env(Path(tmp) / "pycache")

        def process(*args: str) -> tuple[float, str]:
            """The median wall time of ``COMMAND_RUNS`` runs as new processes (after one
            that compiles the bytecode), and the last one's output."""
            times, out = [], ""
            subprocess.run([*sanwu, *args], cwd=ROOT, env=env, capture_output=True, check=True)
            for _run in range(COMMAND_RUNS):
                started = time.perf_counter()
                done = subprocess.run(
                    [*sanwu, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
                )
                times.append(time.perf_counter() - started)
                out = done.stdout
            return statistics.median(times), out

        took, out = process("report", "supervision", "--json")
        printed = json.loads(out)
        assert printed == shown, "the command counts what the function counts"
        base, _out = process("record", "list", "bulletin", "--json")
        print(f"\nsanwu report supervision --json, a new process: {took:.2f} s", end="")
        print(f" (median of {COMMAND_RUNS}, bytecode compiled; the count in this process above)")
        print(f"  (sanwu record list bulletin --json: {base:.2f} s: start, unlock, a small read)")
        print(f"\nthe figures, {windows['this year to today (default)'].start} to {today}:")
        for fig in FIGURES:
            print(f"  {fig.key:<26} {printed[fig.key]:>8,}  {fig.label_zh}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
