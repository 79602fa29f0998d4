"""The work central does by itself while it serves: the daily reminder pass at the
configured hour (``CentralSettings.remind_at``), with the SMS it sends queued, and the
delivery of queued SMS.

Exactly one process does it: the app's own with one worker, the supervising process
with ``--workers N`` (its workers then run none, so no pass runs twice and no SMS goes
out twice)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from central.reminders import DailyPass
from central.settings import CentralSettings
from central.sms.worker import start_sms_worker
from central.sms_link import queue_sms

__all__ = ["background_work", "start_daily_pass"]


def start_daily_pass(engine: Engine, settings: CentralSettings) -> DailyPass | None:
    """Start the daily pass in its thread when an hour is configured; None otherwise."""
    if settings.remind_at is None:
        return None
    daily = DailyPass(engine, at=settings.remind_at, sms=queue_sms)
    daily.start()
    return daily


@contextmanager
def background_work(engine: Engine, settings: CentralSettings) -> Iterator[None]:
    """The daily pass and the SMS worker (each when configured) for as long as it lasts."""
    daily = start_daily_pass(engine, settings)
    sms = None
    try:
        sms = start_sms_worker(engine) if settings.sms_worker else None
        yield
    finally:
        if daily is not None:
            daily.stop()
        if sms is not None:
            sms.stop()
