"""Column types both ends share.

``BIG_INT`` is 64-bit everywhere: BIGINT on PostgreSQL (its INTEGER is 32-bit, so a
change number past 2^31-1 or ¥21.47 million in fen would not fit), and plain INTEGER
on SQLite, which is already 64-bit and must stay INTEGER for a rowid primary key to
count by itself. Declared once so every column that holds a change number, a version,
an id from a counter, a size or money names the same type.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer

__all__ = ["BIG_INT"]

BIG_INT = BigInteger().with_variant(Integer(), "sqlite")
