"""Central's writers under concurrent pushes: throughput, push times and the lock waits.

    python bench/bench_writers.py [--writers 49] [--pushes 20] [--batch 50]
                                  [--configs sqlite:1,postgresql:1,postgresql:4]

Each writer is a village clerk's device (signed requests through sync.central_api, as
the engine sends them) pushing ``--pushes`` batches of ``--batch`` new disclosures, all
writers at once, from a few client processes. Prints, per central (database and worker
processes): ops applied per second, p50/p99/max push time, and the lock waits over
50 ms PostgreSQL logged (log_lock_waits); then checks that every op was applied once
and the change numbers are gap-free. Central runs as a real uvicorn subprocess on
127.0.0.1 and PostgreSQL as a private durable cluster (fsync on); nothing leaves the
machine. Not part of the test run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from central_process import central_process  # noqa: E402
from city import LockLog, LockWaits, add_city_units, bench_cluster, log_problems, villages  # noqa: E402

from central.admin import init_db, new_enroll_code  # noqa: E402
from models.ids import new_id  # noqa: E402
from models.kinds import timestamp_to_wire  # noqa: E402
from sync.central_api import CentralAPI  # noqa: E402
from sync.protocol import Action, EnrollRequest, Op, OpStatus  # noqa: E402
from sync.signing import new_private_key, public_key_b64  # noqa: E402
from sync.transport import HttpxTransport  # noqa: E402

CLIENT_PROCS = 4


def _ops(village: str, writer: int, push: int, batch: int) -> list[Op]:
    now = timestamp_to_wire(datetime.now(UTC)) or ""
    ops = []
    for i in range(batch):
        n = push * batch + i
        values = {
            "org_code": village,
            "catalog_code": "FIN-01",
            "period": f"{1900 + n // 12:04d}-{n % 12 + 1:02d}",
            "title": f"写入者{writer}第{n}条",
            "content": "收支明细见公开栏。" * 8,
            "status": "draft",
        }
        ops.append(
            Op(
                op_id=new_id(),
                kind="disclosure",
                record_id=new_id(),
                action=Action.CREATE,
                changes={k: (None, v) for k, v in values.items()},
                recorded_at=now,
            )
        )
    return ops


def _writer(url: str, code: str, village: str, writer: int, args: Any, out: list[Any]) -> None:
    key = new_private_key()
    transport = HttpxTransport(url, allow_http=True)
    try:
        api = CentralAPI(transport)
        device = api.enroll(EnrollRequest(code=code, public_key=public_key_b64(key))).device_id
        api = CentralAPI(transport, device_id=device, private_key=key)
        batches = [_ops(village, writer, p, args.batch) for p in range(args.pushes)]
        out.append(("ready", 0.0, 0))
        for ops in batches:
            started = time.perf_counter()
            answer = api.push(ops)
            took = time.perf_counter() - started
            applied = sum(r.status is OpStatus.APPLIED for r in answer.results)
            out.append(("push", took, applied))
    finally:
        transport.close()


def _client_proc(url: str, jobs: list[tuple[str, str, int]], args: Any, queue: Any) -> None:
    out: list[Any] = []
    threads = [
        threading.Thread(target=_writer, args=(url, code, village, w, args, out))
        for code, village, w in jobs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    queue.put(out)


def run(db_url: str, workers: int, args: Any, lock_log: LockLog | None) -> dict[str, Any]:
    init_db(db_url)
    add_city_units(db_url)
    chosen = villages()[: args.writers]
    codes = [new_enroll_code(db_url, unit=v, role="clerk") for v in chosen]
    with central_process(db_url, workers=workers) as (url, _port):
        if lock_log is not None:
            lock_log.mark()
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        jobs = [(codes[w], chosen[w], w) for w in range(args.writers)]
        procs = [
            ctx.Process(target=_client_proc, args=(url, jobs[i::CLIENT_PROCS], args, queue))
            for i in range(CLIENT_PROCS)
        ]
        started = time.perf_counter()
        for proc in procs:
            proc.start()
        results = [queue.get(timeout=1800) for _ in procs]
        wall = time.perf_counter() - started
        for proc in procs:
            proc.join(60)
    waits = lock_log.since_mark() if lock_log is not None else None
    pushes = sorted(took for part in results for kind, took, _n in part if kind == "push")
    applied = sum(n for part in results for kind, _t, n in part if kind == "push")
    return {
        "wall": wall,
        "applied": applied,
        "pushes": pushes,
        "waits": waits,
        "problems": log_problems(db_url),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=49)
    parser.add_argument("--pushes", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--configs", default="sqlite:1,postgresql:1,postgresql:4")
    args = parser.parse_args()
    expected = args.writers * args.pushes * args.batch
    print(f"{args.writers} writers x {args.pushes} pushes x {args.batch} creates = {expected} ops")
    print(f"{'central':<18}{'ops/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}  lock waits")
    with tempfile.TemporaryDirectory(prefix="sanwu-writers-") as tmp:
        cluster = None
        try:
            for config in args.configs.split(","):
                database, workers = config.split(":")
                if database == "sqlite":
                    db_url = f"sqlite:///{Path(tmp) / f'central-{workers}.db'}"
                    lock_log = None
                else:
                    if cluster is None:  # its own directory: PostgreSQL's user must enter it
                        cluster = bench_cluster(Path(tempfile.mkdtemp(prefix="sanwu-pg-")))
                        cluster.start()
                    import sqlalchemy as sa

                    admin = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
                    name = f"writers_{workers}"
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f"CREATE DATABASE {name}")
                    admin.dispose()
                    db_url = cluster.url.rsplit("/", 1)[0] + f"/{name}"
                    lock_log = LockLog(cluster)
                got = run(db_url, int(workers), args, lock_log)
                pushes = got["pushes"]
                p50 = statistics.median(pushes) * 1000
                p99 = pushes[max(0, int(len(pushes) * 0.99) - 1)] * 1000
                waits: LockWaits | None = got["waits"]
                print(
                    f"{database + ' x' + workers:<18}{got['applied'] / got['wall']:>9.0f}"
                    f"{p50:>9.0f}{p99:>9.0f}{pushes[-1] * 1000:>9.0f}  "
                    f"{waits if waits is not None else 'n/a (SQLite: one writer at a time)'}"
                )
                problems = got["problems"]
                if got["applied"] != expected:
                    problems.append(f"{got['applied']} of {expected} ops applied")
                for problem in problems:
                    print(f"  PROBLEM: {problem}")
        finally:
            if cluster is not None:
                cluster.stop()
                shutil.rmtree(cluster.root, ignore_errors=True)


if __name__ == "__main__":
    main()
