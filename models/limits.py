"""Bounds the wire, both databases and both ends share, declared without importing a
database library: the scheduled quick sync reads them through ``sync.protocol`` and must
start without SQLAlchemy."""

from __future__ import annotations

__all__ = ["BIG_INT_MAX", "INT_MAX"]

BIG_INT_MAX = 2**63 - 1
"""The largest value a 64-bit column (``models.sqltypes.BIG_INT``) and any SQL parameter
holds on both databases: change numbers, versions, ids from counters, cursors."""

INT_MAX = 2**31 - 1
"""The largest value a plain integer column holds on PostgreSQL (INTEGER is 32-bit
there; SQLite's is 64-bit, but both ends must take the same values): the cap of every
whole-number field whose column is not ``BIG_INT`` (``models.field_rules``)."""
