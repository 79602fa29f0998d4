"""A record's history on the wire: every version central holds (who, when, what
changed), personal values masked by central. Central answers it, a device reads it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["HistoryEntry", "HistoryResponse"]


class HistoryEntry(BaseModel):
    version: int
    seq: int
    device_id: str
    op_id: str | None
    at: str
    org_code: str
    changes: dict[str, list[Any]]
    """``{field: [from, to]}`` in wire values; personal values masked."""


class HistoryResponse(BaseModel):
    kind: str
    record_id: str
    versions: list[HistoryEntry]
