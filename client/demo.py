"""``sanwu demo``: an embedded central with Donghe demo data on 127.0.0.1, a client
enrolled as the clerk of 黑麻板村, then the app, so a newcomer sees everything work."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from client.store import Store
from client.syncing import enroll

DEMO_VILLAGE = "150202101200"
"""黑麻板村 of 沙尔沁镇, a real village of Donghe."""
DEMO_PASSPHRASE = "sanwu-demo"
"""The demo home's passphrase when SANWU_PASSPHRASE is not set; shown on screen (demo data
only, never a real home's)."""


def demo_passphrase() -> str:
    return os.environ.get("SANWU_PASSPHRASE") or DEMO_PASSPHRASE


@dataclass
class DemoSetup:
    store: Store
    base_url: str
    stop: Callable[[], None]
    passphrase_notice: str = ""
    """What to show the newcomer about the local passphrase (a notify or the sub-title)."""

    def close(self) -> None:
        self.store.close()
        self.stop()


def prepare_demo(home: Path, *, port: int = 0) -> DemoSetup:
    """Start central in this process (a thread) and enroll the demo client once."""
    from central.admin import init_db, new_enroll_code
    from central.server import run_in_thread
    from central.settings import CentralSettings

    home.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{home / 'demo-central.db'}"
    init_db(db_url, demo=True)
    base_url, stop = run_in_thread(CentralSettings(db_url=db_url), host="127.0.0.1", port=port)
    try:
        store = Store(home / "client", passphrase=demo_passphrase())
        if store.identity is None:
            code = new_enroll_code(db_url, unit=DEMO_VILLAGE, role="clerk")
            enroll(store, base_url, code, device_name="demo")
        else:
            store.set_server_url(base_url)  # the port may differ from last time
    except BaseException:
        stop()
        raise
    notice = (
        f"demo passphrase: {DEMO_PASSPHRASE}"
        if demo_passphrase() == DEMO_PASSPHRASE
        else "demo data unlocked with SANWU_PASSPHRASE"
    )
    return DemoSetup(store=store, base_url=base_url, stop=stop, passphrase_notice=notice)


def run_demo(home: Path, *, lang: str | None = None) -> int:
    from client.app import run_app

    setup = prepare_demo(home / "demo")
    sys.stderr.write(f"sanwu demo: {setup.passphrase_notice}\n")
    try:
        return run_app(setup.store, lang=lang, sync_on_start=True)
    finally:
        setup.close()
