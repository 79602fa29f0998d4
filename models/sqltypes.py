"""Column types both ends share.

``BIG_INT`` is 64-bit everywhere: BIGINT on PostgreSQL (its INTEGER is 32-bit, so a
change number past 2^31-1 or ¥21.47 million in fen would not fit), and plain INTEGER
on SQLite, which is already 64-bit and must stay INTEGER for a rowid primary key to
count by itself. Declared once so every column that holds a change number, a version,
an id from a counter, a size or money names the same type.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer

__all__ = ["BIG_INT", "is_big_int"]

BIG_INT = BigInteger().with_variant(Integer(), "sqlite")


def is_big_int(column_type: Any) -> bool:
    """Whether a column of this type is 64-bit on both databases (``BIG_INT``); any other
    integer column is 32-bit on PostgreSQL, and its field is capped to fit
    (``models.limits.INT_MAX``)."""
    return isinstance(column_type, BigInteger)
