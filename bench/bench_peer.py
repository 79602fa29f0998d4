"""Sanwu's sync against the reference peer (PouchDB to a CouchDB-compatible server).

    python bench/bench_peer.py [--docs N]

Loads the documents the peer was measured on (../shared/bench/), maps each
onto a Sanwu disclosure so every field's information travels, then through a
counting proxy on loopback measures, as the peer was measured (TCP payload
both ways, headers included): the first push, the first pull into an empty
device, a push and a pull after 1% changed, and a round with nothing to do.
Prints requests and bytes beside the peer's figures.

Mapping: village_code -> one of Donghe's villages (by a stable hash); body ->
content, with the amount written into it; author -> responsible; created_at ->
disclosed_on; title kept. Sanwu allows one disclosure per unit, catalogue item
and period (the natural key), and the peer's documents all share one period,
so each village's documents are spread over the eight finance items and the
months counting back from the document's period.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from central_process import central_process  # noqa: E402
from wire_proxy import WireProxy  # noqa: E402

from central.admin import init_db, new_enroll_code  # noqa: E402
from client.store import Store  # noqa: E402
from client.syncing import enroll, sync_round  # noqa: E402
from models.catalog import load_catalog  # noqa: E402
from models.orgs import load_org_units  # noqa: E402

DOCS = ROOT.parent / "shared" / "bench" / "pouchdb-peer-34057.jsonl.gz"
DISTRICT = "150202000000"
PASSPHRASE = "bench"
"""The bench homes' passphrase (fresh homes in a temporary directory)."""

PEER = {
    "first push": (1368, 34.5e6, 13.8e6),
    "push after 1% changed": (19, 363e3, 150e3),
    "first pull": (1709, 37.9e6, 14.4e6),
    "pull after 1% changed": (25, 396e3, 156e3),
    "nothing changed (push+pull)": (10, 6.4e3, 6.4e3),
}
"""phase -> (requests, bytes uncompressed, bytes gzip both ways), N = 34,057."""


def load_docs(limit: int) -> list[dict[str, Any]]:
    with gzip.open(DOCS, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for _, line in zip(range(limit), lines, strict=False)]


def _months_back(period: str, n: int) -> str:
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 - n
    return f"{index // 12}-{index % 12 + 1:02d}"


def to_disclosures(docs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    villages = sorted(u.code for u in load_org_units() if u.level in ("village", "community"))
    finance = sorted(c.code for c in load_catalog().values() if c.domain == "finance")
    used: dict[str, int] = {}
    for doc in docs:
        digest = hashlib.sha256(doc["village_code"].encode()).digest()
        village = villages[int.from_bytes(digest[:4], "big") % len(villages)]
        n = used.get(village, 0)
        used[village] = n + 1
        yield {
            "org_code": village,
            "catalog_code": finance[n % len(finance)],
            "period": _months_back(doc["period"], n // len(finance)),
            "title": doc["title"],
            "content": f"{doc['body']}（金额：{doc['amount']}元）",
            "channels": ["board"],
            "disclosed_on": doc["created_at"][:10],
            "responsible": doc["author"],
            "status": "published",
        }


def measure(label: str, store: Store, proxy: WireProxy, rows: list[str]) -> None:
    up0, down0, _ = proxy.counters.snapshot()
    started = time.perf_counter()
    report = sync_round(store)
    seconds = time.perf_counter() - started
    up, down, _ = proxy.counters.snapshot()
    wire = (up - up0) + (down - down0)
    line = f"{label:<30} {report.requests:7d} {wire / 1e6:10.3f} MB {seconds:8.2f} s"
    peer = PEER.get(label)
    if peer is not None:
        requests, plain, gzipped = peer
        line += (
            f"   | peer {requests:5d} req {plain / 1e6:7.2f} MB ({gzipped / 1e6:5.2f} gz)"
            f"   ratio req {report.requests / requests:5.3f} bytes {wire / plain:5.3f}"
            f" ({wire / gzipped:5.3f} of gz)"
        )
    print(line, flush=True)
    rows.append(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=34_057)
    args = parser.parse_args()
    docs = load_docs(args.docs)
    records = list(to_disclosures(docs))
    print(f"{len(records)} documents; peer figures are for N = 34,057\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_url = f"sqlite:///{work / 'central.db'}"
        init_db(db_url)
        with central_process(db_url) as (_url, port), WireProxy("127.0.0.1", port) as proxy:
            first = Store(work / "a", passphrase=PASSPHRASE)
            second = Store(work / "b", passphrase=PASSPHRASE)
            for store in (first, second):
                code = new_enroll_code(db_url, unit=DISTRICT, role="supervisor")
                enroll(store, proxy.url, code)
            started = time.perf_counter()
            ids = [first.add("disclosure", record) for record in records]
            print(f"saved locally in {time.perf_counter() - started:.1f} s\n")
            print(f"{'phase':<30} {'req':>7} {'on the wire':>13} {'time':>10}")
            rows: list[str] = []
            measure("first push", first, proxy, rows)
            measure("first pull", second, proxy, rows)
            changed = ids[::100]
            for record_id in changed:
                _, record = first.get(record_id)
                first.edit(record_id, {"title": record["title"] + "（更正）"})
            measure("push after 1% changed", first, proxy, rows)
            measure("pull after 1% changed", second, proxy, rows)
            measure("nothing changed (push+pull)", second, proxy, rows)
            first.close()
            second.close()


if __name__ == "__main__":
    main()
