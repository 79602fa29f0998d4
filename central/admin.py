"""Administration entry points for central.cli (``python -m central`` and ``sanwu central``).

Each takes a database URL, opens its own engine and disposes of it, so the
callers need to know nothing about sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlmodel import Session, col, select

from central.assignments import assign
from central.catalogue import load_packaged, refresh_catalogue
from central.db import make_engine
from central.enrollment import make_enroll_code, revoke
from central.findings import central_secret
from central.migrate import upgrade
from central.reminders import LAST_RUN, run_pass
from central.rotation import seal_in_clear
from central.seed import (
    DEMO_BODY_UNITS,
    DEMO_DISCIPLINE_BODY,
    DEMO_DISTRICT,
    load_demo,
    load_org_units,
)
from central.tables import CentralSetting, Device
from sync.protocol import Role

__all__ = ["init_db", "list_devices", "new_enroll_code", "remind_once", "revoke_device"]


@contextmanager
def _session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def init_db(db_url: str, *, demo: bool = False) -> None:
    """Migrate to the newest schema, load the org tree and, when asked, the demo records.

    Safe to run again: every step is idempotent.
    """
    upgrade(db_url)
    seal_in_clear(db_url)  # what a central before sealing kept in clear; once
    with _session(db_url) as session:
        load_org_units(session)
        central_secret(session)  # made now, not by the first requests (they come at once)
        session.commit()
        if demo:
            load_packaged(session, district=DEMO_DISTRICT)
            assign(session, body=DEMO_DISCIPLINE_BODY, units=DEMO_BODY_UNITS)
            load_demo(session)
        refresh_catalogue(session)


def remind_once(db_url: str, today: date) -> bool:
    """The reminder pass for ``today`` unless it already ran that day (as the daily pass
    would skip it); whether it ran. ``sanwu demo`` calls it, so a supervisor trying the
    demo finds reminders and proposed warnings without knowing ``sanwu central remind``."""
    with _session(db_url) as session:
        row = session.get(CentralSetting, LAST_RUN)
        if row is not None and row.value >= today.isoformat():
            return False
        run_pass(session, today=today)
    return True


def new_enroll_code(db_url: str, *, unit: str, role: Role | str, ttl_s: int = 86_400) -> str:
    """A one-time enrollment code for ``role`` at ``unit``, valid ``ttl_s`` seconds."""
    with _session(db_url) as session:
        return make_enroll_code(session, unit=unit, role=role, ttl_s=ttl_s)


def revoke_device(db_url: str, device_id: str) -> None:
    """Refuse every later request of ``device_id``."""
    with _session(db_url) as session:
        revoke(session, device_id)


def list_devices(db_url: str) -> list[Device]:
    """Every enrolled device, oldest first (detached rows, safe to read after return)."""
    with _session(db_url) as session:
        return list(session.exec(select(Device).order_by(col(Device.enrolled_at))))
