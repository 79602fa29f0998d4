"""Central's daily reminder pass as ``serve`` runs it (``--remind-at``): once a day at its
hour by central's clock, never twice on a day, and a day ``sanwu central remind``
already ran is skipped. What a pass raises is tested in test_supervision_central.py."""

from __future__ import annotations

import logging
import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from central.admin import remind_once
from central.db import make_engine
from central.reminders import LAST_RUN, DailyPass, next_run
from central.tables import CentralSetting

MORNING = datetime(2026, 3, 2, 6, 59, tzinfo=UTC)


def _last_run(engine: Engine) -> str | None:
    with Session(engine) as session:
        row = session.get(CentralSetting, LAST_RUN)
        return row.value if row else None


def test_the_pass_runs_once_a_day_at_its_hour_by_centrals_clock(db_url: str) -> None:
    engine = make_engine(db_url)
    now = [MORNING]
    daily = DailyPass(engine, at=time(7, 0), clock=lambda: now[0])
    try:
        assert daily.tick() is None  # 06:59: not yet
        assert _last_run(engine) is None
        now[0] = MORNING + timedelta(minutes=1)
        ran = daily.tick()
        assert ran is not None and ran.today == date(2026, 3, 2)
        assert _last_run(engine) == "2026-03-02"
        now[0] = MORNING + timedelta(hours=12)
        assert daily.tick() is None  # the same day: done
        now[0] = MORNING + timedelta(days=1)
        assert daily.tick() is None  # the next day, 06:59
        now[0] = MORNING + timedelta(days=1, hours=3)
        ran = daily.tick()
        assert ran is not None and ran.today == date(2026, 3, 3)
    finally:
        engine.dispose()


def test_a_day_the_operator_already_ran_is_skipped(db_url: str) -> None:
    assert remind_once(db_url, today=date(2026, 3, 2))
    engine = make_engine(db_url)
    try:
        daily = DailyPass(engine, at=time(7, 0), clock=lambda: MORNING + timedelta(hours=2))
        assert daily.tick() is None
    finally:
        engine.dispose()


def test_serving_central_runs_it_in_its_thread_and_says_when(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(db_url)
    caplog.set_level(logging.INFO, logger="central.reminders")
    daily = DailyPass(
        engine, at=time(7, 0), clock=lambda: MORNING + timedelta(hours=1), check_every_s=0.01
    )
    daily.start()
    try:
        deadline = clock.monotonic() + 20
        while _last_run(engine) is None and clock.monotonic() < deadline:
            clock.sleep(0.02)
        assert _last_run(engine) == "2026-03-02"
    finally:
        daily.stop()
        engine.dispose()
    assert "reminder pass daily at 07:00; next at 2026-03-03 07:00:00+00:00" in caplog.text


def test_next_run_is_today_before_the_hour_and_tomorrow_after() -> None:
    at = time(7, 0)
    assert next_run(MORNING, at) == MORNING + timedelta(minutes=1)
    assert next_run(MORNING + timedelta(minutes=1), at) == MORNING + timedelta(days=1, minutes=1)
