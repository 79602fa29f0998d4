"""Central as a real uvicorn subprocess on 127.0.0.1, for the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from central.sealing import ENV_KEY, ENV_KEY_FILE, key_file_of, new_key_text  # noqa: E402


@lru_cache(maxsize=1)
def _run_key() -> str:
    """One random data key per bench run: every central it starts on the same database
    (restarts with other worker counts) must open what the first one sealed."""
    return new_key_text()


def central_env(db_url: str) -> dict[str, str]:
    """The caller's environment, plus a data key when it gives none and central has no
    file beside the database to keep one in (PostgreSQL: serve refuses to start
    without it, ``central.sealing``)."""
    env = dict(os.environ)
    if not env.get(ENV_KEY) and not env.get(ENV_KEY_FILE) and key_file_of(db_url) is None:
        env[ENV_KEY] = _run_key()
    return env


@contextmanager
def central_process(
    db_url: str, *, timeout_s: float = 30.0, workers: int = 1, port: int = 0
) -> Iterator[tuple[str, int]]:
    """Serve ``db_url`` on a loopback port (``port``, or a free one) with ``workers``
    processes (PostgreSQL only); yields (base URL, port); stops it after."""
    command = [sys.executable, "-m", "central", "serve", "--db", db_url, "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workers", str(workers)],
        cwd=ROOT,
        env=central_env(db_url),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        url = ""
        while not url and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "listening on" in line:
                url = line.rsplit(" ", 1)[-1].strip()
        if not url:
            raise RuntimeError("central did not start")
        yield url, int(url.rsplit(":", 1)[-1])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
