"""End-to-end fixtures: central as a real uvicorn subprocess on 127.0.0.1, clients as
real ``sanwu`` CLI subprocesses, each with its own home, over real SQLite files; central's
database is a SQLite file, then a PostgreSQL database (each test runs on both).

Everything waits with a deadline; every process started here is terminated (then
killed) in teardown. One central serves the whole session (tests use distinct
villages so they cannot see each other's records); the function-scoped
``central`` fixture restarts it when an earlier test left it down.

A Python start costs about a second here, so independent CLI calls run concurrently
(``run_parallel``) and cheap read-only looks into SQLite files replace CLI calls where
the CLI is not what is under test. ``E2E_TIMING=1 pytest -s tests/e2e`` prints the
time of every subprocess.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import DATABASES
from tests.postgres import Server

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable

START_TIMEOUT_S = 30.0
CLI_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0

TOWN = "150202101000"  # 沙尔沁镇
DISTRICT = "150202000000"


E2E_PASSPHRASE = "e2e passphrase"
E2E_CENTRAL_KEY = base64.b64encode(bytes(range(32))).decode("ascii")
"""Every central's data key (``central.sealing``), as an operator gives it on PostgreSQL,
where no file beside the database can keep it: it seals central's bundle key."""


def village(n: int) -> str:
    """The n-th village of 沙尔沁镇: 200 黑麻板村 (demo data lives there), 201, 202, ..."""
    return f"150202101{n:03d}"


def child_env() -> dict[str, str]:
    """The environment of every subprocess: no proxies (loopback only), no stray homes."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
        and not k.startswith("SANWU_")
        and not k.startswith("PYTEST_")
    }
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["SANWU_PASSPHRASE"] = E2E_PASSPHRASE  # every client home's data key
    env["SANWU_CENTRAL_KEY"] = E2E_CENTRAL_KEY
    env["PYTHONUNBUFFERED"] = "1"
    return env


def stop_process(proc: subprocess.Popen[Any], timeout: float = STOP_TIMEOUT_S) -> None:
    """Terminate, then kill after ``timeout``; always reaped."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def run_cmd(
    args: Sequence[str],
    *,
    check: bool = True,
    timeout: float = CLI_TIMEOUT_S,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    proc = subprocess.run(
        list(args),
        cwd=ROOT,
        env=child_env() | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if os.environ.get("E2E_TIMING"):
        shown = " ".join(a for a in args[2:] if not a.startswith("/"))[:80]
        sys.stderr.write(f"[{time.monotonic() - started:5.2f}s] {shown}\n")
    if check and proc.returncode != 0:
        raise AssertionError(
            f"command failed with exit {proc.returncode}: {' '.join(args)}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


def run_many(
    commands: Sequence[Sequence[str]], *, timeout: float = CLI_TIMEOUT_S
) -> list[subprocess.CompletedProcess[str]]:
    """Run independent commands concurrently (the machine has 2 cores; starts dominate)."""
    procs = [
        subprocess.Popen(
            list(c),
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in commands
    ]
    results = []
    started = time.monotonic()
    deadline = started + timeout
    try:
        for cmd, proc in zip(commands, procs, strict=True):
            out, err = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
            results.append(subprocess.CompletedProcess(list(cmd), proc.returncode, out, err))
    finally:
        for proc in procs:
            stop_process(proc)
    if os.environ.get("E2E_TIMING"):
        sys.stderr.write(f"[{time.monotonic() - started:5.2f}s] {len(procs)} in parallel\n")
    return results


# ---- central --------------------------------------------------------------------------


class Central:
    """A real central: ``python -m central serve`` over a SQLite file in ``workdir``, or
    over ``db_url`` (an empty PostgreSQL database)."""

    def __init__(self, workdir: Path, db_url: str | None = None, *, workers: int = 1) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workers = workers
        """``serve --workers``: worker processes (PostgreSQL only)."""
        self.db_path = workdir / "central.db"
        if db_url and db_url.startswith("sqlite:///"):
            self.db_path = Path(db_url.removeprefix("sqlite:///"))
        self.db_url = db_url or f"sqlite:///{self.db_path}"
        self.database = "sqlite" if self.db_url.startswith("sqlite") else "postgresql"
        self.port = 0  # the first start lets the OS choose; restarts keep the port
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None
        self.log: list[str] = []
        self._reader: threading.Thread | None = None
        self._listening = threading.Event()
        self._found: list[str] = []
        self.starts = 0
        self.code_pool: dict[tuple[str, str], list[str]] = {}
        self.env: dict[str, str] = {}
        """Extra environment of the serving process (an SMS sender, say)."""
        self.key_env: dict[str, str] = {}
        """Central's data key, as an operator gives it on PostgreSQL (docs/DEPLOYMENT.md):
        no file beside the database keeps it there. SQLite keeps it beside the file."""
        if self.database == "postgresql":
            given = os.environ.get("SANWU_CENTRAL_KEY")  # tests.postgres.give_central_key
            key = given or base64.b64encode(os.urandom(32)).decode("ascii")
            self.key_env = {"SANWU_CENTRAL_KEY": key}

    # -- administration (its own subprocesses, like an operator's shell)

    def init(self) -> None:
        run_cmd(
            [PY, "-m", "central", "init", "--demo", "--db", self.db_url],
            timeout=120,
            env=self.key_env,
        )

    def enroll_code(self, unit: str, role: str) -> str:
        out = run_cmd(
            [
                PY,
                "-m",
                "sanwu",
                "central",
                "enroll-code",
                "--db",
                self.db_url,
                "--unit",
                unit,
                "--role",
                role,
            ]
        ).stdout.strip()
        assert out and "\n" not in out, f"enroll-code should print the code alone: {out!r}"
        return out

    def make_code_pool(self, specs: Sequence[tuple[str, str]], per_spec: int) -> None:
        """Many one-time codes in ONE process (the same admin call ``enroll-code`` makes):
        a Python start costs about a second, and tests need a dozen codes."""
        script = (
            "import json, sys\n"
            "from central.admin import new_enroll_code\n"
            "db, specs, n = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])\n"
            "print(json.dumps([[u, r, [new_enroll_code(db, unit=u, role=r) for _ in range(n)]]"
            " for u, r in specs]))\n"
        )
        out = run_cmd([PY, "-c", script, self.db_url, json.dumps(list(specs)), str(per_spec)])
        for unit, role, codes in json.loads(out.stdout):
            self.code_pool.setdefault((unit, role), []).extend(codes)

    def take_code(self, unit: str, role: str) -> str:
        pool = self.code_pool.get((unit, role))
        return pool.pop() if pool else self.enroll_code(unit, role)

    def revoke(self, device_id: str) -> subprocess.CompletedProcess[str]:
        return run_cmd([PY, "-m", "sanwu", "central", "revoke", device_id, "--db", self.db_url])

    # -- the process

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, *, wait: bool = True) -> None:
        """Start serving; with ``wait=False`` return at once (call ``wait_listening`` before
        a client needs it), so a test can do local work while central boots."""
        assert not self.running, "central is running already"
        proc = subprocess.Popen(
            [
                PY,
                "-m",
                "central",
                "serve",
                "--db",
                self.db_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            cwd=ROOT,
            env=child_env() | self.key_env | self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.proc = proc
        self.starts += 1
        listening = threading.Event()
        found: list[str] = []
        pattern = re.compile(r"central listening on (http://127\.0\.0\.1:(\d+))")

        def read() -> None:
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    self.log.append(line.rstrip("\n"))
                    match = pattern.search(line)
                    if match and not listening.is_set():
                        found.append(match.group(1))
                        listening.set()
            except Exception:  # a closed pipe at teardown: nothing to report
                pass
            finally:
                listening.set()

        self._reader = threading.Thread(target=read, name="central-log", daemon=True)
        self._reader.start()
        self._listening, self._found = listening, found
        if wait:
            self.wait_listening()

    def wait_listening(self) -> None:
        listening, found = self._listening, self._found
        if not listening.wait(START_TIMEOUT_S) or not found:
            tail = "\n".join(self.log[-30:])
            self.kill()
            raise AssertionError(f"central did not announce it was listening:\n{tail}")
        url = found[0]
        if self.url:
            assert url == self.url, f"central came back on another address: {url} != {self.url}"
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])

    def _reap(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT_S)
        self.proc = None
        self._reader = None

    def stop(self) -> None:
        """A polite stop (SIGTERM, then SIGKILL after a timeout)."""
        self._reap()

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush; whatever was in flight is cut."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(STOP_TIMEOUT_S)
        self._reap()

    def restart(self) -> None:
        if self.running:
            self.stop()
        self.start()

    def ensure_running(self) -> None:
        if self.running:
            self.wait_listening()
        else:
            self._reap()
            self.start()

    # -- reading its database (read-only, for assertions)

    def _rows(self, sql: str, params: Sequence[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of ``sql`` (``?`` placeholders on both databases)."""
        if self.database == "sqlite":
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)
            try:
                cursor = conn.execute(sql, tuple(params))
                names = [d[0] for d in cursor.description or ()]
                return names, cursor.fetchall()
            finally:
                conn.close()
        import psycopg

        url = sa.make_url(self.db_url).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(False)) as conn:
            cursor = conn.execute(sql.replace("?", "%s"), tuple(params))  # type: ignore[arg-type]
            names = [d.name for d in cursor.description or ()]
            return names, [tuple(row) for row in cursor.fetchall()]

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read central's database (read-only by intent) on either database."""
        return self._rows(sql, params)[1]

    def records(self, kind: str, org_code: str) -> list[dict[str, Any]]:
        """Central's rows of one unit, as comparable values (see ``comparable``)."""
        names, rows = self._rows(
            f"SELECT * FROM {kind} WHERE org_code = ? ORDER BY id", (org_code,)
        )
        out = []
        for row in rows:
            record = dict(zip(names, row, strict=True))
            for name in ("channels", "attachments"):
                if isinstance(record.get(name), str):
                    record[name] = json.loads(record[name])
            record["deleted"] = bool(record["deleted"])
            record.pop("seq", None)  # not in the client's wire form
            for name, value in record.items():  # PostgreSQL's dates, as SQLite's text
                if isinstance(value, date) and not isinstance(value, datetime):
                    record[name] = value.isoformat()
            out.append(comparable(record))
        return out


def parse_ts(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record with timestamps as aware datetimes, so text formats do not matter."""
    out = dict(record)
    for name in ("recorded_at", "received_at"):
        if name in out:
            out[name] = parse_ts(out[name])
    return out


@pytest.fixture(scope="session", params=DATABASES)
def central_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Central]:
    """One central per database for the session: every e2e test runs against SQLite and
    against PostgreSQL (an empty database on ``pg_server``, initialised by the CLI)."""
    db_url: str | None = None
    pg: Server | None = None
    if request.param == "postgresql":
        pg = request.getfixturevalue("pg_server")
        db_url = pg.create()
    server = Central(tmp_path_factory.mktemp(f"central-{request.param}"), db_url)
    server.init()
    server.start(wait=False)  # the codes are made while it boots
    server.make_code_pool(
        [(village(n), "clerk") for n in range(200, 212)] + [(TOWN, "town")], per_spec=2
    )
    server.wait_listening()
    try:
        yield server
    finally:
        server.stop()
        if pg is not None and db_url is not None:
            pg.drop(db_url)


@pytest.fixture
def central(central_server: Central) -> Central:
    """The session's central, up (restarted if an earlier test left it down)."""
    central_server.ensure_running()
    return central_server


# ---- clients ----------------------------------------------------------------------------


@dataclass
class Client:
    home: Path
    unit: str = ""
    role: str = ""
    device_id: str = ""
    calls: list[str] = field(default_factory=list)

    def cmd(self, *args: str) -> list[str]:
        return [PY, "-m", "sanwu", "--home", str(self.home), *args]

    def run(
        self, *args: str, check: bool = True, timeout: float = CLI_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        self.calls.append(" ".join(args))
        return run_cmd(self.cmd(*args), check=check, timeout=timeout)

    def json(self, *args: str) -> Any:
        proc = self.run(*args)
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"not JSON from {args}: {proc.stdout!r}") from exc

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.cmd(*args),
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    # -- conveniences over the CLI

    def add(self, kind: str, values: dict[str, Any]) -> str:
        out = self.run("record", "add", kind, "--json", json.dumps(values, ensure_ascii=False))
        record_id = out.stdout.strip()
        assert re.fullmatch(r"[0-9a-f-]{36}", record_id), record_id
        return record_id

    def edit(self, record_id: str, values: dict[str, Any]) -> str:
        return self.run(
            "record", "edit", record_id, "--json", json.dumps(values, ensure_ascii=False)
        ).stdout

    def sync(self) -> dict[str, Any]:
        figures: dict[str, Any] = self.json("sync", "--json")
        return figures

    def records(
        self, kind: str = "disclosure", org_code: str | None = None
    ) -> list[dict[str, Any]]:
        rows = self.json("record", "list", kind, "--json")
        return sorted(
            (comparable(r) for r in rows if org_code is None or r["org_code"] == org_code),
            key=lambda r: r["id"],
        )

    def queue(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.json("queue", "list", "--json")
        return rows

    def conflicts(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.json("conflicts", "list", "--json")
        return rows

    # -- reading its database (read-only): cheap checks where a CLI start (~1 s) is not
    # what is under test

    def db_count(self, sql: str, params: Sequence[Any] = ()) -> int:
        conn = sqlite3.connect(f"file:{self.home / 'sanwu.db'}?mode=ro", uri=True, timeout=10)
        try:
            return int(conn.execute(sql, tuple(params)).fetchone()[0])
        finally:
            conn.close()

    def pending(self) -> int:
        """Ops in the outbox (pending or quarantined)."""
        return self.db_count("SELECT count(*) FROM outbox")

    def open_conflicts(self) -> int:
        return self.db_count("SELECT count(*) FROM conflict WHERE resolved_at IS NULL")


def enroll_all(central: Central, clients: Sequence[Client]) -> None:
    """Enroll several homes at once (codes made one by one, enrollments concurrently)."""
    codes = [central.take_code(c.unit, c.role) for c in clients]
    results = run_many(
        [
            c.cmd("enroll", "--server", central.url, "--code", code, "--name", c.home.name)
            for c, code in zip(clients, codes, strict=True)
        ]
    )
    for client, proc in zip(clients, results, strict=True):
        assert proc.returncode == 0, f"enroll failed: {proc.stdout}\n{proc.stderr}"
        match = re.search(r"设备编号：(\S+)", proc.stdout)
        assert match, proc.stdout
        client.device_id = match.group(1)
        assert f"已登记为 {client.unit}" in proc.stdout, proc.stdout


MakeClient = Callable[..., Client]


@pytest.fixture
def make_client(central: Central, tmp_path: Path) -> MakeClient:
    """``make_client(unit, role)`` → an enrolled Client with its own home."""
    counter = iter(range(1000))

    def make(unit: str, role: str, *, enroll: bool = True) -> Client:
        client = Client(home=tmp_path / f"{role}-{unit}-{next(counter)}", unit=unit, role=role)
        client.home.mkdir(parents=True)
        if enroll:
            enroll_all(central, [client])
        return client

    return make


@pytest.fixture
def make_clients(central: Central, tmp_path: Path) -> Callable[..., list[Client]]:
    """``make_clients((unit, role), ...)`` → several enrolled clients, enrolled concurrently."""
    counter = iter(range(1000))

    def make(*specs: tuple[str, str]) -> list[Client]:
        clients = []
        for unit, role in specs:
            client = Client(home=tmp_path / f"m{next(counter)}-{role}-{unit}", unit=unit, role=role)
            client.home.mkdir(parents=True)
            clients.append(client)
        enroll_all(central, clients)
        return clients

    return make


def disclosure(org_code: str | None = None, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "catalog_code": "FIN-01",
        "period": "2031-10",
        "title": "十月财务公开",
        "content": "本月收支明细见公开栏。",
        "channels": ["board", "wechat"],
        "disclosed_on": "2031-11-05",
        "responsible": "张三",
    }
    if org_code is not None:
        values["org_code"] = org_code
    values.update(overrides)
    return values


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.005) -> bool:
    """Poll ``predicate`` until true or ``timeout``; returns whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


BULK_SCRIPT = """
import os
import sys
from pathlib import Path
from client.store import Store
home, org_code, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
# This script is its own edge: the passphrase comes from child_env(), as the CLI's does.
with Store(Path(home), passphrase=os.environ["SANWU_PASSPHRASE"]) as store:
    for i in range(count):
        store.add("subsidy_project", {
            "org_code": org_code, "category": "agriculture", "name": f"{tag}-{i:05d}",
        })
print(count)
"""


def bulk_add(client: Client, org_code: str, count: int, tag: str) -> None:
    """Many records through the real store (one transaction each), in one process."""
    run_cmd([PY, "-c", BULK_SCRIPT, str(client.home), org_code, str(count), tag], timeout=120)


def run_parallel(*calls: tuple[Client, Sequence[str]]) -> list[subprocess.CompletedProcess[str]]:
    """The same CLI calls as ``Client.run`` (checked), on different homes, concurrently."""
    for client, args in calls:
        client.calls.append(" ".join(args))
    results = run_many([client.cmd(*args) for client, args in calls])
    for proc in results:
        if proc.returncode != 0:
            raise AssertionError(
                f"command failed with exit {proc.returncode}: {' '.join(proc.args)}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
    return results


def sync_all(*clients: Client) -> list[dict[str, Any]]:
    """``sanwu sync --json`` on each client, one after the other (order matters)."""
    return [client.sync() for client in clients]


def assert_converged(
    central: Central,
    clients: Sequence[Client],
    *,
    kind: str = "disclosure",
    org_code: str,
    ignore: Sequence[str] = ("recorded_at",),
    ids: Sequence[str] | None = None,
    listed: dict[Path, str] | None = None,
) -> list[dict[str, Any]]:
    """Every client holds exactly central's live records of ``org_code``, field by field
    (system columns included, minus ``ignore``), read through ``sanwu record list --json``.
    Returns central's records (the ones every client holds); ``ids`` narrows the
    comparison to those records; ``listed`` (home -> JSON text) keeps the listings
    for a second call on other ids, to spare the CLI starts.

    ``recorded_at`` is left out by default only because of a known product bug (an
    editing device keeps its own timestamp, microseconds off central's): the
    dedicated ``test_recorded_at_matches_central_after_edit`` holds that line, so the
    scenario tests report their own findings instead of all failing on that one.
    Every other column must be identical after sync: version, updated_by,
    received_at and deleted included."""
    want = [
        {k: v for k, v in r.items() if k not in ignore}
        for r in central.records(kind, org_code)
        if not r["deleted"] and (ids is None or r["id"] in ids)
    ]
    assert want, f"central holds no {kind} of {org_code}"
    listed = {} if listed is None else listed
    missing = [c for c in clients if c.home not in listed]
    if missing:
        fetched = run_parallel(*((c, ("record", "list", kind, "--json")) for c in missing))
        listed.update((c.home, proc.stdout) for c, proc in zip(missing, fetched, strict=True))
    for client in clients:
        got = sorted(
            (
                {k: v for k, v in comparable(r).items() if k not in ignore}
                for r in json.loads(listed[client.home])
                if r["org_code"] == org_code and (ids is None or r["id"] in ids)
            ),
            key=lambda r: r["id"],
        )
        assert [r["id"] for r in got] == [r["id"] for r in want], (
            f"{client.role} device holds other records than central"
        )
        for mine, theirs in zip(got, want, strict=True):
            differing = {
                name: (mine.get(name), theirs.get(name))
                for name in set(mine) | set(theirs)
                if mine.get(name) != theirs.get(name)
            }
            assert not differing, (
                f"{client.role} device's record {mine['id']} differs from central's "
                f"(device, central): {differing}"
            )
    return want


@pytest.fixture
def pg_drop_create(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Drop a PostgreSQL database of the tests' server and make it again, empty (a
    restore's first step); unused on SQLite."""

    def again(url: str) -> None:
        server: Server = request.getfixturevalue("pg_server")
        name = sa.make_url(url).database
        with server.engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")

    return again
