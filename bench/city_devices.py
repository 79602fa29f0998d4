"""The city's devices for bench_city.py: real homes (client.store.Store), real rounds
(client.syncing.sync_round: the sync engine over HTTP to central on 127.0.0.1), hosted
by a few processes that each run their devices' rounds from a pool of threads.

A host takes commands from the benchmark through a pipe and answers each with plain
data: ``enroll``, ``create``, ``edit``, ``round``, ``resolve``, ``skip_to``, ``verify``,
``close``. Every loop is bounded.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSPHRASE = "bench-city"
PRELOAD_DEVICE = "city-preload"
"""city_load.PRELOAD_DEVICE: the author of the bulk-loaded records."""


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    unit: str
    role: str
    code: str
    """A one-time enrollment code made by the benchmark."""


def _cheap_kdf() -> None:
    """Unlocking costs about 0.15 s by design; 500 homes opened here need not pay it."""
    import client.crypto

    client.crypto.DEFAULT_PARAMS = client.crypto.KdfParams(n=2**4)


@dataclass
class Host:
    homes: Path
    threads: int
    stores: dict[str, Any]
    specs: dict[str, DeviceSpec]
    entered: dict[str, int]

    # ---- commands --------------------------------------------------------------------

    def enroll(self, specs: list[DeviceSpec], url: str, template: str) -> int:
        from client.store import Store
        from client.syncing import enroll

        for spec in specs:
            home = self.homes / spec.name
            shutil.copytree(template, home)
            store = Store(home, passphrase=PASSPHRASE)
            enroll(store, url, spec.code, device_name=spec.name)
            self.stores[spec.name] = store
            self.specs[spec.name] = spec
        return len(specs)

    def skip_to(self, top: int) -> None:
        """Every device has pulled up to ``top`` already (the records bulk-loaded below it
        are old news to the city's devices)."""
        from client.identity import CURSOR, CURSOR_CHECK, CURSOR_JOURNAL
        from client.store.settings import put_setting

        for store in self.stores.values():
            with store.transaction() as conn:
                put_setting(conn, CURSOR, str(top))
                put_setting(conn, CURSOR_CHECK, "")  # central names it with the next page
                put_setting(conn, CURSOR_JOURNAL, "[]")

    def create(self, per_clerk: int) -> int:
        """Each clerk enters ``per_clerk`` new disclosures of its village (months from
        2500 on: the bulk-loaded ones are 1900 on)."""
        from models.catalog import load_catalog

        item = min(c.code for c in load_catalog().values() if c.period == "monthly")
        made = 0
        for name, store in self.stores.items():
            spec = self.specs[name]
            if spec.role != "clerk":
                continue
            for _ in range(per_clerk):
                n = self.entered.get(name, 0)
                self.entered[name] = n + 1
                store.add(
                    "disclosure",
                    {
                        "org_code": spec.unit,
                        "catalog_code": item,
                        "period": f"{2500 + n // 12:04d}-{n % 12 + 1:02d}",
                        "title": f"{spec.unit}-{n:04d}",
                        "content": "收支明细见公开栏。" * 6,
                        "channels": ["board", "wechat"],
                    },
                )
                made += 1
        return made

    def edit(self, day: int) -> int:
        """A day's edits: each clerk retitles two of today's records of its village; town
        staff retitle one of them in each village (a conflict with the clerk, whoever
        pushes second) and amend another's content (a clean merge)."""
        edits = 0
        for name, store in self.stores.items():
            spec = self.specs[name]
            if spec.role not in ("clerk", "town"):
                continue
            mine = sorted(
                (r for r in store.list_records("disclosure") if r["period"] >= "2500"),
                key=lambda r: r["id"],
            )
            by_village: dict[str, list[dict[str, Any]]] = {}
            for record in mine:
                by_village.setdefault(record["org_code"], []).append(record)
            for records in by_village.values():
                if not records:
                    continue
                first = records[(2 * day) % len(records)]
                if spec.role == "clerk":
                    second = records[(2 * day + 1) % len(records)]
                    for record in {first["id"]: first, second["id"]: second}.values():
                        store.edit(record["id"], {"title": f"{record['title']}/c{day}"})
                        edits += 1
                else:
                    other = records[(2 * day + 5) % len(records)]
                    store.edit(first["id"], {"title": f"{first['title']}/t{day}"})
                    store.edit(other["id"], {"content": f"{other['content']}（镇审{day}）"})
                    edits += 2
        return edits

    def round(self) -> list[tuple[str, float, int, int, int, str]]:
        """One sync round of every device, ``threads`` at a time, in a shuffled order."""
        from client.syncing import sync_round

        names = list(self.stores)
        random.shuffle(names)

        def one(name: str) -> tuple[str, float, int, int, int, str]:
            started = time.perf_counter()
            try:
                report = sync_round(self.stores[name])
                error = ""
            except Exception as exc:  # counted and reported by the benchmark
                return (
                    name,
                    time.perf_counter() - started,
                    0,
                    0,
                    0,
                    f"{type(exc).__name__}: {exc}",
                )
            took = time.perf_counter() - started
            return (name, took, report.pushed, report.pulled, report.conflicts, error)

        with ThreadPoolExecutor(self.threads) as pool:
            return list(pool.map(one, names))

    def resolve(self, seed: int) -> int:
        from sync.resolution import Choice

        rng = random.Random(seed)
        resolved = 0
        for store in self.stores.values():
            for conflict in store.conflicts():
                store.resolve(conflict.id, Choice.MINE if rng.random() < 0.5 else Choice.THEIRS)
                resolved += 1
        return resolved

    def outstanding(self) -> tuple[int, int]:
        ops = conflicts = 0
        for store in self.stores.values():
            status = store.status()
            ops += status.pending + status.quarantined
            conflicts += status.conflicts
        return ops, conflicts

    def verify(self, db_url: str, base_seq: int) -> list[str]:
        """Each device holds exactly central's records of its scope that devices made or
        changed (after ``base_seq``, not bulk-loaded): id, version, title, content,
        deleted. No pull skipped or doubled anything."""
        import sqlalchemy as sa

        problems: list[str] = []
        engine = sa.create_engine(db_url)
        try:
            with engine.connect() as conn:
                for name, store in self.stores.items():
                    scope = store.require_identity().scope
                    central = {
                        row[0]: tuple(row[1:])
                        for row in conn.execute(
                            sa.text(
                                "SELECT id, version, title, content, deleted FROM disclosure"
                                " WHERE seq > :base AND org_code LIKE :scope"
                                " AND updated_by != :loaded"
                            ),
                            {"base": base_seq, "scope": scope + "%", "loaded": PRELOAD_DEVICE},
                        )
                    }
                    local = _local_rows(store.path, list(central))
                    missing = set(central) - set(local)
                    differing = [i for i in central if i in local and local[i] != central[i]]
                    if missing or differing:
                        problems.append(
                            f"{name}: {len(missing)} records missing, {len(differing)} differ"
                        )
        finally:
            engine.dispose()
        return problems

    def close(self) -> None:
        for store in self.stores.values():
            store.close()


def _local_rows(path: Path, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        out: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT id, version, title, content, deleted FROM disclosure WHERE id IN ({marks})"
            )
            for row in conn.execute(sql, chunk):
                out[row[0]] = (row[1], row[2], row[3], bool(row[4]))
        return out
    finally:
        conn.close()


def serve(pipe: Connection, homes: str, threads: int) -> None:
    """A host process: runs commands from ``pipe`` until ``close``."""
    _cheap_kdf()
    host = Host(Path(homes), threads, {}, {}, {})
    for _ in range(10_000):
        command, args = pipe.recv()
        try:
            if command == "close":
                host.close()
                pipe.send(("ok", None))
                return
            pipe.send(("ok", getattr(host, command)(*args)))
        except Exception as exc:  # the benchmark stops and says why
            pipe.send(("error", f"{command}: {type(exc).__name__}: {exc}"))


def make_template(path: Path) -> None:
    """One empty, migrated home to copy for every device (a migration per home costs a
    second; a copy, a millisecond)."""
    _cheap_kdf()
    from client.store import Store

    Store(path, passphrase=PASSPHRASE).close()
