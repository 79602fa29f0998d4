"""Seeded rounds of editing and syncing through a fault-injecting proxy, then the proof:
after the faults stop, every device and central hold the same records, every op was
applied exactly once, nothing any device saved was lost, every attached file reached
central whole, and every file town staff asked for arrived intact.

Used by tests/faults (a short seeded run in CI) and bench/bench_faults.py (long runs).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from central.admin import new_enroll_code
from client.attachments import Attachments
from client.store import Store
from client.syncing import enroll, sync_round
from sync.errors import SyncError
from sync.protocol_attachments import sha256_bytes
from sync.resolution import Choice
from tests.e2e.conftest import Central, child_env, village
from tests.faults.fault_proxy import FaultPlan, FaultProxy

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ("title", "content", "responsible")
SETTLE_ROUNDS = 12
PASSPHRASE = "fault-injection"


@dataclass
class Device:
    name: str
    store: Store
    index: int
    created: set[str] = field(default_factory=set)
    creates: int = 0
    attached: set[str] = field(default_factory=set)
    """Digests of the files this device attached to its records."""
    asked: set[str] = field(default_factory=set)
    """Digests this device asked central for."""


@dataclass
class Outcome:
    rounds: int
    faults: Counter[str]
    central_kills: int
    client_kills: int
    sync_failures: int
    ops_applied: int
    records: int
    conflicts_resolved: int
    problems: list[str]
    files_attached: int = 0
    files_fetched: int = 0

    def summary(self) -> str:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        verdict = "CONVERGED" if not self.problems else "FAILED: " + "; ".join(self.problems)
        return (
            f"rounds {self.rounds}; faults injected {sum(self.faults.values())} ({faults}); "
            f"central SIGKILLs {self.central_kills}; client SIGKILLs {self.client_kills}; "
            f"failed syncs {self.sync_failures}; ops applied {self.ops_applied}; "
            f"records {self.records}; conflicts resolved {self.conflicts_resolved}; "
            f"files attached {self.files_attached}, fetched {self.files_fetched}; {verdict}"
        )


def _disclosure(device: Device, rng: random.Random) -> dict[str, Any]:
    device.creates += 1
    n = device.creates
    return {
        "org_code": village(200 + device.index % 2),
        "catalog_code": "FIN-0" + str(1 + n % 8),
        # Each device has its own years, so creates never share a natural key.
        "period": f"{1900 + device.index * 30 + n // 96}-{(n // 8) % 12 + 1:02d}",
        "title": f"{device.name} 公开 {n}",
        "content": "收支明细" * rng.randint(1, 40),
        "channels": ["board"],
    }


def _attach(device: Device, rng: random.Random) -> str:
    """A file of 20-300 KB (random bytes: photos do not compress either), copied in."""
    folder = device.store.home.parent / "files"
    folder.mkdir(exist_ok=True)
    path = folder / f"{device.name}-{device.creates}.jpg"
    path.write_bytes(rng.randbytes(rng.randint(20_000, 300_000)))
    digest = Attachments(device.store).add_file(path)
    device.attached.add(digest)
    return digest


def _ask_for_files(device: Device, rng: random.Random) -> None:
    """Town staff open a few records and ask for their photos."""
    named = {d for r in device.store.list_records("disclosure") for d in r["attachments"] or []}
    files = Attachments(device.store)
    wanted = {d for d in named if not files.here(d) and rng.random() < 0.5}
    files.want(wanted)
    device.asked |= wanted


def _act(device: Device, rng: random.Random) -> None:
    """One thing a person does: mostly edits, some new entries (a quarter of them with a
    photo), a few deletions."""
    live = [  # what this device may still change (a published one is the town's)
        r
        for r in device.store.list_records("disclosure")
        if r["status"] in ("draft", "returned") or device.store.review.reviews(r["org_code"])
    ]
    roll = rng.random()
    if not live or roll < 0.3:
        values = _disclosure(device, rng)
        if rng.random() < 0.25:
            values["attachments"] = [_attach(device, rng)]
        device.created.add(device.store.add("disclosure", values))
        return
    record = rng.choice(live)
    if roll < 0.35:
        device.store.delete(record["id"])
        return
    name = rng.choice(FIELDS)
    device.store.edit(record["id"], {name: f"{device.name}-{rng.randint(0, 9999)}"})


def _sync_in_process(device: Device) -> bool:
    try:
        sync_round(device.store)
    except SyncError:
        return False
    return True


def _sync_killed(device: Device, rng: random.Random) -> None:
    """``sanwu sync`` as a process of its own, SIGKILLed at a random moment."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sanwu", "--home", str(device.store.home), "sync"],
        cwd=ROOT,
        env={**child_env(), "SANWU_PASSPHRASE": PASSPHRASE},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=0.6 + rng.random() * 1.2)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)


def _resolve_all(device: Device, rng: random.Random) -> int:
    resolved = 0
    for conflict in device.store.conflicts():
        choice = Choice.MINE if rng.random() < 0.5 else Choice.THEIRS
        device.store.resolve(conflict.id, choice)
        resolved += 1
    return resolved


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("recorded_at", "received_at", "seq")}


def run_scenario(
    workdir: Path,
    *,
    seed: int,
    rounds: int,
    kill_every: int = 4,
    devices: int = 3,
    db_url: str | None = None,
) -> Outcome:
    """Run ``rounds`` of faulty syncing with ``devices`` devices, settle, check. Central's
    database is a SQLite file in ``workdir``, or ``db_url`` (an empty database)."""
    rng = random.Random(seed)
    central = Central(workdir / "central", db_url)
    central.init()
    central.start()
    plan = FaultPlan(seed=seed)
    proxy = FaultProxy(central.port, plan).start()
    stores: list[Device] = []
    central_kills = client_kills = failures = resolved = 0
    problems: list[str] = []
    try:
        units = [(village(200), "clerk"), (village(201), "clerk"), ("150202101000", "town")]
        plan.enabled = False
        for index in range(devices):
            unit, role = units[index % len(units)]
            store = Store(workdir / f"device{index}", passphrase=PASSPHRASE)
            enroll(store, proxy.url, new_enroll_code(central.db_url, unit=unit, role=role))
            stores.append(Device(name=f"d{index}", store=store, index=index))
        plan.enabled = True

        for number in range(rounds):
            for device in stores:
                for _ in range(rng.randint(1, 4)):
                    _act(device, rng)
                if device.store.require_identity().role == "town":
                    _ask_for_files(device, rng)
            killer: threading.Timer | None = None
            if number % kill_every == kill_every - 1:
                killer = threading.Timer(rng.random() * 0.4, central.kill)
                killer.start()
                central_kills += 1
            for device in stores:
                if number % kill_every == 1 and device.index == number % devices:
                    _sync_killed(device, rng)
                    client_kills += 1
                elif not _sync_in_process(device):
                    failures += 1
                resolved += _resolve_all(device, rng)
            if killer is not None:
                killer.join()
                central.ensure_running()

        # The faults stop; everyone syncs and decides until nothing moves.
        plan.enabled = False
        central.ensure_running()
        for _ in range(SETTLE_ROUNDS):
            for device in stores:
                if not _sync_in_process(device):
                    failures += 1
                resolved += _resolve_all(device, rng)
            busy = any(
                d.store.queue()
                or d.store.conflicts()
                or Attachments(d.store).uploads(limit=1)
                or Attachments(d.store).wanted(limit=1)
                for d in stores
            )
            if not busy:
                break
        for device in stores:  # one more pull each, so everyone has the last word
            _sync_in_process(device)
        problems = _check(central, stores)
        problems += _check_files(central, stores)
        ops_applied = central.query("SELECT count(*) FROM op_result")[0][0]
        records = central.query("SELECT count(*) FROM disclosure WHERE deleted = false")[0][0]
        files_attached = sum(len(d.attached) for d in stores)
        files_fetched = sum(len(d.asked) for d in stores)
    finally:
        proxy.stop()
        for device in stores:
            device.store.close()
        central.stop()
    return Outcome(
        rounds=rounds,
        faults=Counter(plan.injected),
        central_kills=central_kills,
        client_kills=client_kills,
        sync_failures=failures,
        ops_applied=ops_applied,
        records=records,
        conflicts_resolved=resolved,
        problems=problems,
        files_attached=files_attached,
        files_fetched=files_fetched,
    )


def _check(central: Central, devices: list[Device]) -> list[str]:
    problems: list[str] = []
    duplicates = central.query(
        "SELECT op_id, count(*) FROM record_version WHERE op_id IS NOT NULL"
        " GROUP BY op_id HAVING count(*) > 1"
    )
    if duplicates:
        problems.append(f"{len(duplicates)} ops applied more than once")
    central_ids = {row[0] for row in central.query("SELECT id FROM disclosure")}
    for device in devices:
        if device.store.queue():
            problems.append(f"{device.name} still has {len(device.store.queue())} ops queued")
        if device.store.conflicts():
            problems.append(f"{device.name} still has open conflicts")
        retired = {
            r["id"]
            for r in device.store.list_records("disclosure", include_deleted=True)
            if r["deleted"] and r["version"] == 0
        }
        lost = device.created - central_ids - retired
        if lost:
            problems.append(f"{device.name}: {len(lost)} saved records never reached central")
        scope = device.store.require_identity().scope
        mine = {
            r["id"]: _comparable(r)
            for r in device.store.list_records("disclosure", include_deleted=True)
            if r["version"] > 0
        }
        theirs = {
            r["id"]: _comparable(r)
            for org in {r["org_code"] for r in mine.values()} | _units(central, scope)
            for r in central.records("disclosure", org)
        }
        if mine != theirs:
            differing = {k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)}
            problems.append(f"{device.name} differs from central on {len(differing)} records")
    return problems


def _check_files(central: Central, devices: list[Device]) -> list[str]:
    """Every attached file central whole (it checks the digest as the last chunk lands),
    nothing left to send, and every file asked for here and intact."""
    problems: list[str] = []
    whole = {row[0] for row in central.query("SELECT digest FROM attachment WHERE complete")}
    for device in devices:
        files = Attachments(device.store)
        synced = {
            digest
            for record in device.store.list_records("disclosure", include_deleted=True)
            if record["version"] > 0
            for digest in record["attachments"] or []
        }
        # A file whose record was deleted before it ever synced has nowhere to go.
        missing = (device.attached & synced) - whole
        if missing:
            problems.append(f"{device.name}: {len(missing)} attached files never reached central")
        if files.uploads(limit=1):
            problems.append(f"{device.name} still has files to send")
        for digest in device.asked:
            if not files.here(digest) or sha256_bytes(files.blob(digest)) != digest:
                problems.append(f"{device.name}: file {digest[:12]} asked for did not arrive")
    return problems


def _units(central: Central, scope: str) -> set[str]:
    rows = central.query(
        "SELECT DISTINCT org_code FROM disclosure WHERE org_code LIKE ?", (scope + "%",)
    )
    return {row[0] for row in rows}
