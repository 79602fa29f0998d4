"""The pieces the city benchmarks share: a city's org units, its databases, central's
writers' lock as PostgreSQL's log shows it, and the checks that nothing was lost.

包头市 has nine districts and counties; Sanwu codes them 150202 (东河区, the real tree in
models/data/donghe.json) and eight more here, each with towns and villages made up for
the benchmark (marked demo). Nothing leaves the machine.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.postgres import Cluster  # noqa: E402

DISTRICTS = {
    "150202": "东河区",
    "150203": "昆都仑区",
    "150204": "青山区",
    "150205": "石拐区",
    "150206": "白云鄂博矿区",
    "150207": "九原区",
    "150221": "土默特右旗",
    "150222": "固阳县",
    "150223": "达尔罕茂明安联合旗",
}
TOWNS_PER_DISTRICT = 5
VILLAGES_PER_TOWN = 11

LOCK_WAIT_MS = 50
"""PostgreSQL logs every lock wait longer than this (log_lock_waits, deadlock_timeout)."""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str
    parent: str | None


def city_units() -> list[Unit]:
    """Nine districts, five towns each, eleven villages a town: 495 villages."""
    units: list[Unit] = []
    for district, name in DISTRICTS.items():
        units.append(Unit(f"{district}000000", name, "district", None))
        for t in range(TOWNS_PER_DISTRICT):
            town = f"{district}{100 + t:03d}"
            units.append(Unit(f"{town}000", f"{name}{t + 1}镇", "town", f"{district}000000"))
            for v in range(VILLAGES_PER_TOWN):
                village = f"{town}{200 + v:03d}"
                units.append(Unit(village, f"{name}{t + 1}镇{v + 1}村", "village", f"{town}000"))
    return units


def villages() -> list[str]:
    return [u.code for u in city_units() if u.level == "village"]


def towns() -> list[str]:
    return [u.code for u in city_units() if u.level == "town"]


def add_city_units(db_url: str) -> None:
    """The benchmark's org units next to the Donghe tree (``central init`` loads that)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            have = set(conn.execute(sa.text("SELECT code FROM org_unit")).scalars())
            rows = [
                {"code": u.code, "name": u.name, "level": u.level, "parent": u.parent}
                for u in city_units()
                if u.code not in have
            ]
            if rows:
                conn.execute(
                    sa.text(
                        "INSERT INTO org_unit (code, name, level, parent, demo)"
                        " VALUES (:code, :name, :level, :parent, true)"
                    ),
                    rows,
                )
    finally:
        engine.dispose()


def bench_cluster(root: Path) -> Cluster:
    """A durable cluster (fsync on, as in production) that logs lock waits."""
    return Cluster(
        root,
        durable=True,
        settings=(
            "-c", "log_lock_waits=on",
            "-c", f"deadlock_timeout={LOCK_WAIT_MS}ms",
            "-c", "shared_buffers=512MB",
            "-c", "max_wal_size=4GB",
        ),
    )  # fmt: skip


_ACQUIRED = re.compile(r"\[(\d+)\] LOG:  process \d+ acquired \w+ on .* after ([0-9.]+) ms")
_WAITING = re.compile(r"\[(\d+)\] LOG:  process \d+ still waiting for \w+ on")
_STATEMENT = re.compile(r"\[(\d+)\] STATEMENT:  (\w+)\s+(?:FROM\s+|INTO\s+)?(\w+)")


@dataclass
class LockWaits:
    """Lock waits longer than LOCK_WAIT_MS that PostgreSQL logged in a span of its log, by
    the statement that waited (``UPDATE counter``: the writers' lock)."""

    waits: int = 0
    longest_ms: float = 0.0
    total_ms: float = 0.0
    by_statement: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.waits:
            return f"none over {LOCK_WAIT_MS} ms"
        where = ", ".join(
            f"{k} {n}" for k, n in sorted(self.by_statement.items(), key=lambda i: -i[1])
        )
        return (
            f"{self.waits} over {LOCK_WAIT_MS} ms, longest {self.longest_ms / 1000:.2f} s, "
            f"{self.total_ms / 1000:.1f} s in all ({where})"
        )


class LockLog:
    """Reads what the server log says about lock waits since the last mark."""

    def __init__(self, cluster: Cluster) -> None:
        self.path = cluster.root / "log"
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def since_mark(self) -> LockWaits:
        out = LockWaits()
        if not self.path.exists():
            return out
        waiting: set[str] = set()
        with self.path.open("r", errors="replace") as log:
            log.seek(self.offset)
            for line in log:
                match = _WAITING.search(line)
                if match:
                    out.waits += 1
                    waiting.add(match.group(1))
                    continue
                match = _ACQUIRED.search(line)
                if match:
                    waited = float(match.group(2))
                    out.longest_ms = max(out.longest_ms, waited)
                    out.total_ms += waited
                    continue
                match = _STATEMENT.search(line)
                if match and match.group(1) in waiting:
                    waiting.discard(match.group(1))
                    key = f"{match.group(2)} {match.group(3)}"
                    out.by_statement[key] = out.by_statement.get(key, 0) + 1
        return out


def log_problems(db_url: str, *, first_seq: int = 0) -> list[str]:
    """Central's own books after a run: change numbers gap-free and each a version, every
    version once, no op applied twice, the counter at the top."""
    engine = sa.create_engine(db_url)
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            top = conn.execute(sa.text("SELECT seq FROM counter")).scalar_one()
            count, low, high = conn.execute(
                sa.text("SELECT count(*), min(seq), max(seq) FROM record_version WHERE seq > :s"),
                {"s": first_seq},
            ).one()
            if count and (low != first_seq + 1 or high != top or count != top - first_seq):
                problems.append(
                    f"change numbers {low}..{high} ({count} rows) are not gap-free up to {top}"
                )
            doubled = conn.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT kind, record_id, version FROM record_version"
                    " GROUP BY kind, record_id, version HAVING count(*) > 1) AS d"
                )
            ).scalar_one()
            if doubled:
                problems.append(f"{doubled} record versions were written twice")
            twice = conn.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT op_id FROM record_version WHERE op_id IS NOT"
                    " NULL AND seq > :s GROUP BY op_id, record_id HAVING count(*) > 1) AS d"
                ),
                {"s": first_seq},
            ).scalar_one()
            if twice:
                problems.append(f"{twice} ops made more than one version of a record")
    finally:
        engine.dispose()
    return problems


def _processes() -> dict[int, tuple[int, str, float]]:
    """Every process: pid -> (parent pid, command line, CPU seconds so far)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[int, str, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick
        out[int(entry)] = (int(fields[1]), command.decode(errors="replace"), cpu)
    return out


def cpu_split(bench_pid: int) -> dict[str, float]:
    """CPU seconds used so far by central's processes, PostgreSQL's, and the device hosts
    (everything else the benchmark started): where a machine's cores go."""
    procs = _processes()
    split = {"devices": 0.0, "central": 0.0, "database": 0.0}
    for pid, (_parent, command, cpu) in procs.items():
        group = None
        walk, seen = pid, 0
        while walk in procs and seen < 64 and group is None:
            _up, line, _cpu = procs[walk]
            if "central serve" in line:
                group = "central"
            elif line.startswith("postgres"):
                group = "database"
            elif walk == bench_pid:
                group = "devices"
            walk, seen = procs[walk][0], seen + 1
        if group is not None and pid != bench_pid:
            split[group] += cpu
        del command
    return split
