"""Central's clock: aware UTC, as the UTCDateTime columns require."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
