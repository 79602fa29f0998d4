"""Running central with uvicorn: in the foreground (one process, or worker processes on
one socket), or in a thread for the embedded demo.

The socket is bound before uvicorn starts, so the real port (also for port 0)
is known and announced before the first request can arrive.
"""

from __future__ import annotations

import functools
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from central.app import create_app
from central.daily import background_work
from central.db import make_engine
from central.settings import CentralSettings

__all__ = ["Tls", "run_in_thread", "serve"]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass(frozen=True)
class Tls:
    """A certificate chain and its key (PEM files): central then speaks HTTPS."""

    certfile: str
    keyfile: str


def _url(host: str, sock: socket.socket, tls: Tls | None = None) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"


def _config(app: Any, *, log_level: str, tls: Tls | None, workers: int = 1) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        factory=workers > 1,
        workers=workers,
        log_level=log_level,
        access_log=False,  # URLs carry record ids only, but keep the log quiet and small
        lifespan="on",
        ssl_certfile=tls.certfile if tls else None,
        ssl_keyfile=tls.keyfile if tls else None,
    )


def _server(settings: CentralSettings, *, log_level: str, tls: Tls | None) -> uvicorn.Server:
    return uvicorn.Server(_config(create_app(settings), log_level=log_level, tls=tls))


def worker_app(settings: CentralSettings) -> FastAPI:
    """A worker process's app (``--workers N``): the same app, and a watch on the parent so
    that a worker never outlives it (a SIGKILLed parent cannot stop its workers)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    return create_app(settings)


def serve(
    settings: CentralSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_level: str = "warning",
    tls: Tls | None = None,
    workers: int = 1,
) -> None:
    """Serve until interrupted; prints ``central listening on URL`` once the port is bound.

    With ``workers`` > 1 (PostgreSQL only: see central.cli) the bound socket is shared by
    that many worker processes, each with its own app and connection pool; this process
    only supervises them (restarting one that dies) and stops them on SIGINT or SIGTERM,
    and runs central's own background work (``central.daily``) once for all of them.
    """
    sock = _bind(host, port)
    try:
        sys.stdout.write(f"central listening on {_url(host, sock, tls)}\n")
        sys.stdout.flush()
        if workers <= 1:
            _server(settings, log_level=log_level, tls=tls).run(sockets=[sock])
            return
        quiet = replace(settings, remind_at=None, sms_worker=False)
        app = functools.partial(worker_app, quiet)
        config = _config(app, log_level=log_level, tls=tls, workers=workers)
        engine = make_engine(settings.db_url, echo=settings.echo_sql)
        try:
            with background_work(engine, settings):
                Multiprocess(config, sockets=[sock]).run()
        finally:
            engine.dispose()
    finally:
        sock.close()


def run_in_thread(
    settings: CentralSettings,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    timeout_s: float = 10.0,
    tls: Tls | None = None,
) -> tuple[str, Callable[[], None]]:
    """Start central in a daemon thread; returns its base URL and a function that stops it."""
    sock = _bind(host, port)
    server = _server(settings, log_level="warning", tls=tls)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="central", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout_s)
            sock.close()
            raise RuntimeError("central did not start (see the log above)")
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout_s)
        sock.close()

    return _url(host, sock, tls), stop
