"""Central as a real uvicorn subprocess on 127.0.0.1, for the benchmarks."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
