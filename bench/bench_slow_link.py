"""Sync over a modelled village line: 256 kbit/s each way, 300 ms round trips.

    python bench/bench_slow_link.py [--docs 1000] [--kbps 256] [--rtt-ms 300]

Syncs the first N of the reference peer's documents (see bench_peer.py for the
mapping) through the throttling proxy: first push, first pull into an empty
device, then a 10-document incremental push. Prints each time next to its
floor: compressed bytes / bandwidth + round trips x RTT (one round trip per
request; the proxy adds no delay to a TCP handshake). Target: within
1.3x of the floor. Loopback only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_peer import load_docs, to_disclosures  # noqa: E402
from central_process import central_process  # noqa: E402
from wire_proxy import LinkModel, WireProxy  # noqa: E402

from central.admin import init_db, new_enroll_code  # noqa: E402
from client.store import Store  # noqa: E402
from client.syncing import enroll, sync_round  # noqa: E402

DISTRICT = "150202000000"
PASSPHRASE = "bench-slow-link"


def _store(path: Path) -> Store:
    return Store(path, passphrase=PASSPHRASE)


def measure(label: str, store: Store, proxy: WireProxy, kbps: float, rtt_ms: float) -> None:
    up0, down0, conns0 = proxy.counters.snapshot()
    started = time.perf_counter()
    report = sync_round(store)
    seconds = time.perf_counter() - started
    up, down, conns = proxy.counters.snapshot()
    bandwidth = kbps * 1000 / 8
    # Each direction has its own bandwidth; the busier one bounds the transfer.
    transfer = max(up - up0, down - down0) / bandwidth
    trips = report.requests  # the proxy models no handshake delay, so connections are free
    floor = transfer + trips * rtt_ms / 1000
    print(
        f"{label:<26} {seconds:7.2f} s   floor {floor:7.2f} s   ratio {seconds / floor:5.2f}"
        f"   ({report.requests} requests, {conns - conns0} connections,"
        f" {(up - up0) / 1e3:.1f} KB up, {(down - down0) / 1e3:.1f} KB down)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--kbps", type=float, default=256)
    parser.add_argument("--rtt-ms", type=float, default=300)
    args = parser.parse_args()
    records = list(to_disclosures(load_docs(args.docs)))
    print(f"{len(records)} documents at {args.kbps:g} kbit/s, {args.rtt_ms:g} ms round trips\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_url = f"sqlite:///{work / 'central.db'}"
        init_db(db_url)
        with central_process(db_url) as (_url, port):
            link = LinkModel(kbps=args.kbps, rtt_ms=args.rtt_ms)
            with WireProxy("127.0.0.1", port, link) as proxy:
                first, second = _store(work / "a"), _store(work / "b")
                for store in (first, second):
                    code = new_enroll_code(db_url, unit=DISTRICT, role="supervisor")
                    enroll(store, proxy.url, code)
                ids = [first.add("disclosure", record) for record in records]
                measure("first push", first, proxy, args.kbps, args.rtt_ms)
                measure("first pull", second, proxy, args.kbps, args.rtt_ms)
                for record_id in ids[:10]:
                    _, record = first.get(record_id)
                    first.edit(record_id, {"title": record["title"] + "（更正）"})
                measure("10-document push", first, proxy, args.kbps, args.rtt_ms)
                first.close()
                second.close()


if __name__ == "__main__":
    main()
