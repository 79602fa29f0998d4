"""PostgreSQL for the tests and benchmarks: a server, and a fresh database on it per test.

The server is ``SANWU_TEST_DATABASE_URL`` when set (a URL whose user may CREATE
DATABASE, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); else a
private cluster this process starts with ``initdb`` (from PATH or
/usr/lib/postgresql/*/bin) in a temporary directory, listening on 127.0.0.1 on a free
port, run as an unprivileged user when we are root (PostgreSQL refuses root), and
stopped at exit. ``.ci/run`` starts its cluster inline, in shell, before its virtual
environment exists (so without this module), the same way (initdb in a temporary
directory, 127.0.0.1, a free port, an unprivileged user) and exports its URL as
``SANWU_TEST_DATABASE_URL``. By hand, ``python -m tests.postgres start DIR`` starts one
that outlives the process (it prints the URL to export) for several runs to share.

Without either the PostgreSQL runs are skipped with the reason; with
``SANWU_REQUIRE_POSTGRES=1`` (CI) that is a failure instead.

    python -m tests.postgres start DIR [--durable]   prints the server's URL
    python -m tests.postgres stop DIR
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ENV_URL = "SANWU_TEST_DATABASE_URL"
ENV_REQUIRE = "SANWU_REQUIRE_POSTGRES"
START_TIMEOUT_S = 60.0
REACH_TIMEOUT_S = 10.0
"""How long a given server may take to answer before its runs are skipped (or fail)."""
UNPRIVILEGED = ("postgres", "nobody")
"""Who runs the cluster when we are root: the distribution's user, else nobody."""

FAST = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
"""For test clusters only: nothing there needs to survive a power cut."""


def give_central_key(monkeypatch: Any) -> None:
    """Central's data key for a run on PostgreSQL, from SANWU_CENTRAL_KEY as an operator
    gives it (docs/DEPLOYMENT.md): there is no file beside the database to keep it in.
    Central processes a test starts afterwards inherit it."""
    monkeypatch.setenv("SANWU_CENTRAL_KEY", base64.b64encode(os.urandom(32)).decode())


class Unavailable(RuntimeError):
    """No PostgreSQL to test on; the message says why."""


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: PATH first, else the newest Debian/Ubuntu install."""
    found = shutil.which("initdb")
    if found:  # a link on PATH leads to the install with the other tools (pg_dump...)
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run_as() -> list[str]:
    """The prefix that runs a command as an unprivileged user (empty unless root)."""
    if os.geteuid() != 0:
        return []
    for name in UNPRIVILEGED:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"]
    raise Unavailable("running as root and no unprivileged user (postgres, nobody) to run it")


def _owner() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED:
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    return None


@dataclass
class Cluster:
    """A private PostgreSQL cluster in ``root`` (its data, socket and log)."""

    root: Path
    port: int = 0
    durable: bool = False
    """False (tests): fsync and synchronous commit off. True (benchmarks): defaults."""
    settings: tuple[str, ...] = ()
    """More ``-c name=value`` settings for the server."""

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _tool(self, name: str) -> str:
        where = bin_dir()
        if where is None:
            raise Unavailable("no initdb on PATH or under /usr/lib/postgresql")
        return str(where / name)

    def start(self) -> str:
        """initdb (first time), then start on 127.0.0.1; returns the admin URL."""
        self.root.mkdir(parents=True, exist_ok=True)
        owner = _owner()
        if owner is not None:
            os.chown(self.root, *owner)
        prefix = _run_as()
        if not (self.data / "PG_VERSION").exists():
            made = subprocess.run(
                [*prefix, self._tool("initdb"), "-D", str(self.data), "--auth=trust",
                 "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                capture_output=True, text=True, timeout=START_TIMEOUT_S,
            )  # fmt: skip
            if made.returncode != 0:  # e.g. a parent directory the user may not enter
                raise Unavailable(f"initdb in {self.root} failed: {made.stderr.strip()}")
        self.port = self.port or free_port()
        options = [
            "-h", "127.0.0.1", "-p", str(self.port), "-k", str(self.root),
            "-c", "max_connections=300",
            *(() if self.durable else FAST),
            *self.settings,
        ]  # fmt: skip
        started = subprocess.run(
            [*prefix, self._tool("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
             "-o", " ".join(options), "-w", "-t", str(int(START_TIMEOUT_S)), "start"],
            capture_output=True, text=True, timeout=START_TIMEOUT_S + 10,
        )  # fmt: skip
        if started.returncode != 0:
            log = (self.root / "log").read_text(errors="replace")[-2000:]
            raise Unavailable(f"pg_ctl start failed: {started.stderr.strip()}\n{log}")
        (self.root / "port").write_text(str(self.port))
        return self.url

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        subprocess.run(
            [*_run_as(), self._tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            capture_output=True, timeout=START_TIMEOUT_S,
        )  # fmt: skip


@dataclass
class Server:
    """A PostgreSQL server the tests may create and drop databases on."""

    admin_url: str
    engine: sa.Engine = field(init=False)
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    count: int = 0

    def __post_init__(self) -> None:
        self.engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def url_of(self, name: str) -> str:
        return str(sa.make_url(self.admin_url).set(database=name).render_as_string(False))

    def create(self, *, template: str | None = None) -> str:
        """A new empty database, or a copy of the database ``template`` (made once and
        migrated: far quicker than migrating each test's database); returns its URL."""
        self.count += 1
        name = f"sanwu_{self.token}_{self.count}"
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}{copy}")
        return self.url_of(name)

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        with self.engine.connect() as conn:
            names = conn.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                (f"sanwu_{self.token}_%",),
            ).scalars()
            for name in list(names):
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.engine.dispose()


def _reachable(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        deadline = time.monotonic() + REACH_TIMEOUT_S
        while True:
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")
                return
            except sa.exc.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise Unavailable(f"{url}: not reachable ({exc.orig})") from exc
                time.sleep(0.2)
    finally:
        engine.dispose()


def required() -> bool:
    return os.environ.get(ENV_REQUIRE, "") not in ("", "0")


def open_server() -> Server:
    """The tests' server: ``SANWU_TEST_DATABASE_URL``, else a private cluster stopped at
    exit. Raises Unavailable with the reason when there is none."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise Unavailable("psycopg is not installed (pip install -e '.[postgres]')") from exc
    url = os.environ.get(ENV_URL)
    if not url:
        if bin_dir() is None:
            raise Unavailable(f"no {ENV_URL} and no initdb to start a cluster with")
        root = Path(tempfile.mkdtemp(prefix="sanwu-pg-"))
        cluster = Cluster(root)
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        atexit.register(cluster.stop)
        url = cluster.start()
    _reachable(url)
    return Server(url)


def server_or_skip() -> Server:
    """``open_server``, or the test skipped with the reason (failed instead when
    SANWU_REQUIRE_POSTGRES=1: CI never skips the PostgreSQL runs)."""
    import pytest

    try:
        return open_server()
    except Unavailable as exc:
        if required():
            pytest.fail(f"PostgreSQL is required here ({ENV_REQUIRE}=1): {exc}")
        pytest.skip(f"PostgreSQL runs skipped: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.postgres", description=__doc__)
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("dir", type=Path)
    parser.add_argument("--durable", action="store_true", help="fsync on (benchmarks)")
    args = parser.parse_args(argv)
    cluster = Cluster(args.dir, durable=args.durable)
    if args.action == "stop":
        cluster.stop()
        return 0
    url = cluster.start()
    _reachable(url)
    sys.stdout.write(url + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
