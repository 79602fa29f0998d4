"""Delivering due SMS in the background of the central service, every few seconds.

A daemon thread, not an asyncio task: a pass does blocking HTTP and database work,
which must not stall the event loop that serves the devices. ``start_sms_worker`` is
called from the app's lifespan and starts nothing when no sender is configured; a
misconfigured sender or a missing data key stops the start-up with one clear line,
rather than a service that silently never sends. A failed pass is logged (no phone in
it) and the next one runs as usual.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Self

from sqlalchemy import Engine
from sqlmodel import Session

from central.clock import utcnow
from central.sealing import load_key
from central.sms.config import SmsConfig, make_sender, sms_config
from central.sms.queue import DeliveryReport, deliver_due
from central.sms.sender import SmsSender

__all__ = ["SmsWorker", "start_sms_worker"]

log = logging.getLogger("central.sms")


class SmsWorker:
    thread_name = "sanwu-sms"

    def __init__(
        self,
        engine: Engine,
        sender: SmsSender,
        *,
        per_minute: int,
        interval_s: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._sender = sender
        self._per_minute = per_minute
        self._interval_s = interval_s
        self._clock = clock
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def run_once(self) -> DeliveryReport:
        """One pass now, in a session of its own."""
        with Session(self._engine) as session:
            return deliver_due(
                session,
                self._sender,
                now=self._clock(),
                per_minute=self._per_minute,
                keep_going=lambda: not self._stopping.is_set(),
            )

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception(
                    "SMS delivery pass failed; the next one runs in %gs", self._interval_s
                )
            self._stopping.wait(self._interval_s)

    def start(self) -> Self:
        self._thread.start()
        log.info("SMS worker started (%s, %d a minute)", self._sender.name, self._per_minute)
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop after the message in hand (if any), then close the sender."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        self._sender.close()


def start_sms_worker(engine: Engine, config: SmsConfig | None = None) -> SmsWorker | None:
    """A started worker when a sender is configured (``central.sms.config``), else None."""
    config = config or sms_config()
    if config.sender is None:
        return None
    load_key(engine.url)  # fail now, not on every pass, when central has no data key
    sender = make_sender(config)
    worker = SmsWorker(engine, sender, per_minute=config.per_minute, interval_s=config.interval_s)
    return worker.start()
