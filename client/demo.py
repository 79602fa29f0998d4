"""The client's part of ``sanwu demo``: the demo home's store, enrolled once as the clerk
of 黑麻板村 (or with ``--role``, as another role at its unit, in a home of its own), and
the app over it. Central's part (a thread serving the Donghe demo data)
is the top-level ``sanwu.demo``'s: the client never imports central."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from client import crypto
from client.i18n import _
from client.store import Store
from client.syncing import enroll

DEMO_VILLAGE = "150202101200"
"""黑麻板村 of 沙尔沁镇, a real village of Donghe."""
DEMO_UNITS = {
    "clerk": DEMO_VILLAGE,
    "town": "150202101000",  # 沙尔沁镇
    "supervisor": "150202000000",  # 东河区 (its 纪委监委)
    "support": "150202000000",
}
"""Whom ``sanwu demo --role`` enrolls as: each role at its demo unit, in a home of its own."""


def demo_home(base: Path, role: str) -> Path:
    """The demo home of a role (the clerk's keeps the name it always had)."""
    return base / ("client" if role == "clerk" else f"client-{role}")


DEMO_PASSPHRASE = crypto.DEMO_PASSPHRASE
"""The demo home's passphrase when SANWU_PASSPHRASE is not set; shown on screen (demo data
only, never a real home's: the command line refuses it for any other)."""


def demo_passphrase() -> str:
    return os.environ.get("SANWU_PASSPHRASE") or DEMO_PASSPHRASE


def passphrase_notice() -> str:
    """What to tell the newcomer about the demo home's passphrase (shown inside the app)."""
    if demo_passphrase() == DEMO_PASSPHRASE:
        return _("Demo data; its passphrase is {passphrase}").format(passphrase=DEMO_PASSPHRASE)
    return _("Demo data, unlocked with SANWU_PASSPHRASE")


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


def open_demo_store(home: Path, base_url: str, new_code: Callable[[], str]) -> Store:
    """The demo home's store, unlocked, enrolled with ``base_url`` on first use (a code
    from ``new_code``); later uses only follow the port, which may differ each time."""
    store = Store(home, passphrase=demo_passphrase())
    try:
        if store.identity is None:
            enroll(store, base_url, new_code(), device_name="demo")
        else:
            store.set_server_url(base_url)
    except BaseException:
        store.close()
        raise
    return store


def run_demo_app(setup: DemoSetup, *, lang: str | None = None) -> int:
    """The app over the demo store, syncing at once; central stops when it closes."""
    from client.app import run_app

    try:
        return run_app(setup.store, lang=lang, sync_on_start=True, notice=setup.passphrase_notice)
    finally:
        setup.close()
        # Again after the app, where the terminal keeps it (the app's screen is gone).
        sys.stderr.write(f"sanwu demo: {setup.passphrase_notice}\n")
