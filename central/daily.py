"""The work central does by itself while it serves: the daily reminder pass at the
configured hour (``CentralSettings.remind_at``), with the SMS it sends queued."""

from __future__ import annotations

from sqlalchemy import Engine

from central.reminders import DailyPass
from central.settings import CentralSettings
from central.sms_link import queue_sms

__all__ = ["start_daily_pass"]


def start_daily_pass(engine: Engine, settings: CentralSettings) -> DailyPass | None:
    """Start the daily pass in its thread when an hour is configured; None otherwise."""
    if settings.remind_at is None:
        return None
    daily = DailyPass(engine, at=settings.remind_at, sms=queue_sms)
    daily.start()
    return daily
