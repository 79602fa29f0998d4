"""Central's settings: one small immutable object passed to ``create_app`` and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sync.protocol import PULL_PAGE_MAX


@dataclass(frozen=True, kw_only=True)
class CentralSettings:
    """What an operator may tune; everything else is fixed by the protocol."""

    db_url: str
    """SQLAlchemy URL: ``sqlite:///path/central.db``, or ``postgresql+psycopg://...`` at scale."""
    signature_window_s: int = 300
    """Largest accepted difference between a request's time and central's clock."""
    max_body_bytes: int = 64 * 1024 * 1024
    """Largest request body after decompression (and before) of a request whose headers
    name an enrolled device: beyond it, 413."""
    unsigned_body_bytes: int = 64 * 1024
    """Largest body of any other request (enrollment; anyone not yet known): read no
    further before the sender is known, so strangers cannot fill central's memory."""
    body_budget_bytes: int = 160 * 1024 * 1024
    """Most bytes of request bodies held at once by one process; a body that would pass
    it is 503 with Retry-After. At least ``max_body_bytes``, or the largest push never fits."""
    pull_page_default: int = 1000
    pull_page_max: int = PULL_PAGE_MAX
    echo_sql: bool = False
    remind_at: time | None = None
    """Central's clock time at which the daily reminder pass runs (None: only when
    ``sanwu central remind`` is run)."""
    central_secret: str | None = None
    """Keys the hashes of ID numbers kept beside payments (duplicate findings); None: the
    SANWU_CENTRAL_SECRET environment variable, else a random one kept in the database."""
    sms_worker: bool = True
    """Deliver queued SMS in the background while serving, when the environment names a
    sender (``central.sms.config``); without one nothing starts."""
