"""``sanwu demo``: central in a thread of this process with the Donghe demo data on
127.0.0.1, handing an enrolled, unlocked store to the client's app, so a newcomer sees
everything work. The only place the two sides meet in one process."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from central.admin import init_db, new_enroll_code, remind_once
from central.server import run_in_thread
from central.settings import CentralSettings
from client.demo import (
    DEMO_UNITS,
    DemoSetup,
    demo_home,
    open_demo_store,
    passphrase_notice,
    run_demo_app,
)
from client.i18n import set_language

__all__ = ["prepare_demo", "run_demo"]


def prepare_demo(home: Path, *, port: int = 0, role: str = "clerk") -> DemoSetup:
    """Start central in this process (a thread) and enroll the demo client of ``role``
    once (at its unit: ``client.demo.DEMO_UNITS``)."""
    home.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{home / 'demo-central.db'}"
    init_db(db_url, demo=True)
    remind_once(db_url, date.today())
    base_url, stop = run_in_thread(CentralSettings(db_url=db_url), host="127.0.0.1", port=port)
    try:
        store = open_demo_store(
            demo_home(home, role),
            base_url,
            lambda: new_enroll_code(db_url, unit=DEMO_UNITS[role], role=role),
        )
    except BaseException:
        stop()
        raise
    return DemoSetup(
        store=store, base_url=base_url, stop=stop, passphrase_notice=passphrase_notice()
    )


def run_demo(home: Path, *, lang: str | None = None, role: str = "clerk") -> int:
    """Everything ``sanwu demo`` does; the demo's data lives under ``home/demo``."""
    set_language(lang)
    return run_demo_app(prepare_demo(home / "demo", role=role), lang=lang)
