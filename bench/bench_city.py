"""A city on loopback: 包头市's nine districts, a few hundred devices, a million records.

    python bench/bench_city.py [--per-town 11] [--records 1000000] [--small 100000]
                               [--workers 1,4] [--databases sqlite,postgresql]
                               [--hosts 4] [--threads 4] [--creates 10] [--days 2]

Per database: central's database gets ``--small`` records (bulk-loaded, as central's
push writes them), central starts (a real ``sanwu central serve`` process, on
PostgreSQL as a private durable cluster: fsync on) and every device enrolls: in each
of the 9 districts one clerk per village (5 towns of ``--per-town`` villages), one town
staff per town and one supervisor, each a real home driven by the real sync engine,
hosted ``--hosts`` processes running ``--threads`` rounds at a time. Then:

1. morning peak at the small size: every clerk enters ``--creates`` disclosures, then
   every device runs one round (push, pull) at once;
2. central grows to ``--records`` (bulk-loaded; devices are told they have seen them)
   and the same morning peak runs again, once per worker count (PostgreSQL);
3. a day of edits with conflicts, ``--days`` times: clerks and town staff edit the
   same records (the same field: a conflict for whoever pushes second; another field:
   a clean merge), everyone syncs, conflicts are resolved (mine or theirs at random),
   everyone syncs again;
4. everyone syncs until nothing is left to send, and the books are checked: central's
   change numbers gap-free with one version each, no version written twice, and every
   device holding exactly central's records of its scope that changed during the run.

Prints, side by side per database and worker count: ops applied per second, pull
records per second, p50/p99 round time, the phase's wall time and the CPU seconds the
devices, central and the database used in it (where the cores went), lock waits over
50 ms (PostgreSQL's log), and whether anything was lost or doubled. Nothing leaves
the machine. Not part of the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from central_process import central_process  # noqa: E402
from city import (  # noqa: E402
    DISTRICTS,
    TOWNS_PER_DISTRICT,
    LockLog,
    LockWaits,
    add_city_units,
    bench_cluster,
    cpu_split,
    log_problems,
)
from city_devices import DeviceSpec, make_template, serve  # noqa: E402
from city_load import preload  # noqa: E402

from central.admin import init_db  # noqa: E402
from central.db import make_engine  # noqa: E402
from central.enrollment import make_enroll_code  # noqa: E402
from tests.postgres import free_port  # noqa: E402

HOST_TIMEOUT_S = 3600.0
MAX_SETTLE_ROUNDS = 6
RATIO_TARGET = 1.5
"""A device's round at ``--records`` may take at most this times its round at ``--small``."""


@dataclass
class Figures:
    label: str
    database: str
    workers: int
    phase: str
    """"small" or "large" (a morning peak at ``--small`` or ``--records``), or "day"."""
    central_records: int
    ops: int
    pulled: int
    seconds: float
    rounds: list[float]
    errors: list[str]
    waits: LockWaits | None
    cpu: dict[str, float]
    """CPU seconds of the phase: devices, central, database."""

    def row(self) -> str:
        rounds = sorted(self.rounds)
        p50 = statistics.median(rounds) * 1000
        p99 = rounds[max(0, int(len(rounds) * 0.99) - 1)] * 1000
        waits = str(self.waits) if self.waits is not None else "n/a (SQLite)"
        cpu = "/".join(f"{self.cpu[k]:.0f}" for k in ("devices", "central", "database"))
        return (
            f"{self.label:<26}{self.central_records:>10,}{self.ops / self.seconds:>9.0f}"
            f"{self.pulled / self.seconds:>10.0f}{p50:>9.0f}{p99:>9.0f}{len(self.errors):>7}"
            f"{self.seconds:>7.0f}  {cpu:<14}{waits}"
        )


HEADER = (
    f"{'central':<26}{'records':>10}{'ops/s':>9}{'pulled/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'errors':>7}{'wall s':>7}  {'cpu s d/c/db':<14}lock waits"
)


@dataclass
class City:
    """The device hosts (processes), each with its share of the devices."""

    pipes: list[Any] = field(default_factory=list)
    procs: list[Any] = field(default_factory=list)

    def start(self, hosts: int, homes: Path, threads: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        for i in range(hosts):
            mine, theirs = ctx.Pipe()
            where = homes / f"host{i}"
            where.mkdir(parents=True)
            proc = ctx.Process(target=serve, args=(theirs, str(where), threads), daemon=True)
            proc.start()
            self.pipes.append(mine)
            self.procs.append(proc)

    def all(self, command: str, *args: Any, split: list[Any] | None = None) -> list[Any]:
        """Send ``command`` to every host at once (``split``: a list dealt out among them
        as the first argument) and wait for every answer."""
        for i, pipe in enumerate(self.pipes):
            first = (split[i :: len(self.pipes)],) if split is not None else ()
            pipe.send((command, (*first, *args)))
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(HOST_TIMEOUT_S):
                raise RuntimeError(f"a device host did not answer {command!r} in time")
            status, value = pipe.recv()
            if status != "ok":
                raise RuntimeError(value)
            answers.append(value)
        return answers

    def stop(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("close", ()))
                pipe.poll(60)
            except (BrokenPipeError, OSError):
                pass
        for proc in self.procs:
            proc.join(60)
            if proc.is_alive():
                proc.kill()


def device_plan(per_town: int) -> list[tuple[str, str, str]]:
    """(name, unit, role) of every device: a clerk per village, town staff per town, a
    supervisor per district."""
    plan = []
    for district in DISTRICTS:
        plan.append((f"sup-{district}", f"{district}000000", "supervisor"))
        for t in range(TOWNS_PER_DISTRICT):
            town = f"{district}{100 + t:03d}"
            plan.append((f"town-{town}", f"{town}000", "town"))
            for v in range(per_town):
                plan.append((f"clerk-{town}{200 + v:03d}", f"{town}{200 + v:03d}", "clerk"))
    return plan


def codes_for(db_url: str, plan: list[tuple[str, str, str]]) -> list[DeviceSpec]:
    engine = make_engine(db_url)
    try:
        from sqlmodel import Session

        with Session(engine) as session:
            day = 86_400
            return [
                DeviceSpec(
                    name, unit, role, make_enroll_code(session, unit=unit, role=role, ttl_s=day)
                )
                for name, unit, role in plan
            ]
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Phase:
    """Which database, worker count and phase a row measures (its label says it)."""

    database: str
    workers: int
    name: str

    def label(self, what: str) -> str:
        return f"{self.database} x{self.workers} {what}"


def round_figures(
    city: City, phase: Phase, label: str, records: int, lock_log: LockLog | None
) -> tuple[Figures, list[Any]]:
    if lock_log is not None:
        lock_log.mark()
    before = cpu_split(os.getpid())
    started = time.perf_counter()
    answers = city.all("round")
    seconds = time.perf_counter() - started
    after = cpu_split(os.getpid())
    results = [r for part in answers for r in part]
    figures = Figures(
        label=label,
        database=phase.database,
        workers=phase.workers,
        phase=phase.name,
        central_records=records,
        ops=sum(r[2] for r in results),
        pulled=sum(r[3] for r in results),
        seconds=seconds,
        rounds=[r[1] for r in results],
        errors=[f"{r[0]}: {r[5]}" for r in results if r[5]],
        waits=lock_log.since_mark() if lock_log is not None else None,
        cpu={k: after[k] - before[k] for k in after},
    )
    return figures, results


def morning(
    city: City, phase: Phase, creates: int, records: int, lock_log: LockLog | None
) -> Figures:
    city.all("create", creates)
    figures, _ = round_figures(city, phase, phase.label("morning"), records, lock_log)
    city.all("round")  # catch up with what others pushed during the peak
    return figures


def run_database(database: str, args: Any, work: Path) -> tuple[list[Figures], list[str]]:
    cluster = None
    lock_log: LockLog | None = None
    if database == "sqlite":
        db_url = f"sqlite:///{work / 'central.db'}"
    else:
        cluster = bench_cluster(Path(tempfile.mkdtemp(prefix="sanwu-pg-")))
        cluster.start()
        admin = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE city")
        admin.dispose()
        db_url = cluster.url.rsplit("/", 1)[0] + "/city"
        lock_log = LockLog(cluster)
    workers = [1] if database == "sqlite" else [int(w) for w in args.workers.split(",")]
    rows: list[Figures] = []
    problems: list[str] = []
    city = City()
    port = free_port()  # the devices' server URL stays the same across central's restarts
    try:
        init_db(db_url)
        add_city_units(db_url)
        plan = device_plan(args.per_town)
        villages = sorted(unit for _n, unit, role in plan if role == "clerk")
        started = time.perf_counter()
        top = preload(db_url, villages, args.small)
        print(f"  {database}: {top:,} records loaded in {time.perf_counter() - started:.0f} s")
        template = work / "template"
        make_template(template)
        city.start(args.hosts, work / "homes", args.threads)
        specs = codes_for(db_url, plan)
        with central_process(db_url, workers=workers[0], timeout_s=120, port=port) as (url, _port):
            started = time.perf_counter()
            city.all("enroll", url, str(template), split=specs)
            print(f"  {len(specs)} devices enrolled in {time.perf_counter() - started:.0f} s")
            city.all("skip_to", top)
            small = Phase(database, workers[0], "small")
            rows.append(morning(city, small, args.creates, top, lock_log))
        started = time.perf_counter()
        top = preload(db_url, villages, args.records - args.small)
        print(f"  {database}: grown to {top:,} records in {time.perf_counter() - started:.0f} s")
        city.all("skip_to", top)
        for count in workers:
            with central_process(db_url, workers=count, timeout_s=120, port=port):
                large = Phase(database, count, "large")
                rows.append(morning(city, large, args.creates, top, lock_log))
        with central_process(db_url, workers=workers[-1], timeout_s=120, port=port):
            for day in range(args.days):
                city.all("edit", day)
                phase = Phase(database, workers[-1], "day")
                day_rows, _ = round_figures(
                    city, phase, phase.label(f"day {day + 1}"), top, lock_log
                )
                rows.append(day_rows)
                city.all("resolve", day)
                city.all("round")
            for _ in range(MAX_SETTLE_ROUNDS):
                left = [sum(x) for x in zip(*city.all("outstanding"), strict=True)]
                if left == [0, 0]:
                    break
                city.all("resolve", 99)
                city.all("round")
            else:
                problems.append(f"still outstanding after settling (ops, conflicts): {left}")
            city.all("round")  # every device pulls what the last pushes made
        problems += log_problems(db_url)
        for part in city.all("verify", db_url, args.small):
            problems += part
    finally:
        city.stop()
        if cluster is not None:
            cluster.stop()
            shutil.rmtree(cluster.root, ignore_errors=True)
    return rows, problems


def ratio_line(database: str, results: list[Figures]) -> str:
    """p50 round at the large size over p50 at the small size, both 1-worker morning
    peaks of ``database``, against the target. The rows are found by phase: the
    mornings' creates put central past the sizes asked for."""

    def one(phase: str) -> Figures | None:
        return next(
            (r for r in results if (r.database, r.workers, r.phase) == (database, 1, phase)),
            None,
        )

    small, large = one("small"), one("large")
    if small is None or large is None or not small.rounds or not large.rounds:
        return f"{database}: no 1-worker morning peak at both sizes (run with --workers 1,...)"
    ratio = statistics.median(large.rounds) / statistics.median(small.rounds)
    verdict = "met" if ratio <= RATIO_TARGET else "NOT met"
    return (
        f"{database}: p50 round (1 worker) at {large.central_records:,} / at "
        f"{small.central_records:,} records = {ratio:.2f}x "
        f"(target <= {RATIO_TARGET}x: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--per-town", type=int, default=11, help="villages per town (11: 495)")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--workers", default="1,4", help="PostgreSQL worker counts")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--hosts", type=int, default=4, help="device host processes")
    parser.add_argument("--threads", type=int, default=4, help="rounds at once per host")
    parser.add_argument("--creates", type=int, default=10, help="new records per clerk a morning")
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()
    devices = len(device_plan(args.per_town))
    print(
        f"city: {len(DISTRICTS)} districts, {devices} devices, {args.small:,} -> "
        f"{args.records:,} records; {args.hosts} hosts x {args.threads} rounds at once; "
        f"{multiprocessing.cpu_count()} cores"
    )
    results: list[Figures] = []
    problems: dict[str, list[str]] = {}
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix=f"sanwu-city-{database}-") as tmp:
            rows, found = run_database(database, args, Path(tmp))
        results += rows
        problems[database] = found
    print()
    print(HEADER)
    for figures in results:
        print(figures.row())
    print()
    for database in problems:
        print(ratio_line(database, results))
    for database, found in problems.items():
        if not found:
            print(f"{database}: nothing lost or doubled")
            continue
        print(f"{database}: {len(found)} problems: " + "; ".join(found[:5]))
    errors = [e for r in results for e in r.errors]
    for error in errors[:10]:
        print(f"  round error: {error}")


if __name__ == "__main__":
    main()
