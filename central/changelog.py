"""Numbering the change log: gap-free change numbers, committed in order, with writers
that wait on each other only for the last moments of a push.

A push works with provisional numbers (-1, -2, ... from ``Numbering.next``) while it
loads, checks, merges and writes its records, without any lock shared by all writers.
Only at the end does ``Numbering.publish`` take the single ``counter`` row (``UPDATE
counter SET seq = seq + n RETURNING seq``) and turn its provisional numbers into final
ones; the caller then writes the change-log rows and commits at once. The row lock is
held from that UPDATE to the commit, so the counter moves only with a commit (the
numbers are gap-free) and the next writer gets its numbers only after this one
committed (they commit in order). A pull reads the counter and never reads past it:
every number up to it is committed and visible.

What keeps a merge right without a lock over the whole push is each record's own row
lock: a push loads the records its ops touch ``FOR UPDATE`` in one order (kind, then
id), so two pushes editing one record take turns, while pushes to different records
run side by side. A natural key or an op id two pushes write at once is caught by its
unique index (the second waits for the first's commit, then fails); such a push, or
one PostgreSQL picked as a deadlock's victim, is run again from the start
(``in_turn``).

SQLite lets one process write at a time anyway; there ``begin`` takes its write lock
first, as before: an SQLite read transaction that writes later may be refused
(SQLITE_BUSY) when another writer committed in between.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Table, exc, update
from sqlmodel import Session, col, select

from central.errors import Busy
from central.tables import Counter, RecordVersion

__all__ = ["MAX_ATTEMPTS", "Numbering", "change_check", "in_turn", "last_seq"]

CHECK_LENGTH = 16
"""Hex digits of a change's check: 64 bits, enough to tell two changes apart."""

T = TypeVar("T")

MAX_ATTEMPTS = 8
"""Tries of one push on PostgreSQL before it is answered 503 (the device retries later)."""

_RETRIED = frozenset({"23505", "40001", "40P01"})
"""SQLSTATEs cured by running the push again: unique_violation (a key or an op id that a
push committing first wrote too), serialization_failure, deadlock_detected."""


def last_seq(session: Session) -> int:
    """The highest change number committed so far: a pull's horizon."""
    return session.exec(select(Counter.seq).where(col(Counter.id) == 1)).first() or 0


def change_check(session: Session, seq: int) -> str | None:
    """What names the change numbered ``seq`` (None at 0, or when the log lacks it): a
    device keeps it with its cursor and sends it back, so a central restored from an
    older backup, whose number ``seq`` is missing or another change, is found out."""
    if seq <= 0:
        return None
    row = session.exec(
        select(
            RecordVersion.kind,
            RecordVersion.record_id,
            RecordVersion.version,
            RecordVersion.op_id,
        ).where(col(RecordVersion.seq) == seq)
    ).first()
    if row is None:
        return None
    kind, record_id, version, op_id = row
    named = f"{seq}|{kind}|{record_id}|{version}|{op_id or ''}"
    return hashlib.sha256(named.encode("utf-8")).hexdigest()[:CHECK_LENGTH]


def _on_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


class Numbering:
    """Change numbers for one push transaction: provisional while it works, final from
    ``publish`` on (just before the commit)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0
        self.base = 0
        """The last number before this push's own (set by ``publish``)."""

    def begin(self) -> None:
        """On SQLite, take the database's write lock now (see the module's docstring)."""
        if _on_sqlite(self.session):
            self.session.exec(update(Counter).where(col(Counter.id) == 1).values(seq=Counter.seq))

    def next(self) -> int:
        """A provisional number: negative, never mistaken for a final one."""
        self.count += 1
        return -self.count

    def final(self, seq: int) -> int:
        """The final number of ``seq``; a number already final is returned as it is."""
        return self.base - seq if seq < 0 else seq

    def publish(self, tables: list[Table]) -> None:
        """Take the counter row for this push's numbers (held until the commit that must
        follow at once) and renumber its rows of ``tables`` that carry provisional ones."""
        if not self.count:
            return
        top = self.session.execute(
            update(Counter)
            .where(col(Counter.id) == 1)
            .values(seq=Counter.seq + self.count)
            .returning(col(Counter.seq))
        ).scalar()
        if top is None:  # a database made without the migration's row
            self.session.add(Counter(id=1, seq=self.count))
            self.session.flush()
            top = self.count
        self.base = int(top) - self.count
        for table in tables:
            # Only this transaction's rows can be negative: no other's are visible to it.
            self.session.execute(
                update(table).where(table.c.seq < 0).values(seq=self.base - table.c.seq)
            )


def _retriable(error: BaseException) -> bool:
    return isinstance(error, exc.DBAPIError) and (getattr(error.orig, "sqlstate", None) in _RETRIED)


def in_turn(session: Session, attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (one whole transaction that commits) until it commits: once on
    SQLite; on PostgreSQL again after a write race (rolled back, short jittered pause),
    at most MAX_ATTEMPTS times, then Busy (503: the device retries next round)."""
    attempts = 1 if _on_sqlite(session) else MAX_ATTEMPTS
    for number in range(attempts):
        try:
            return attempt()
        except BaseException as error:
            session.rollback()
            if not _retriable(error) or _on_sqlite(session):
                raise
            if number + 1 == attempts:
                raise Busy(
                    "busy",
                    f"other writers to the same records got in the way {attempts} times; "
                    "nothing of this push applied, send it again",
                ) from error
        time.sleep(random.uniform(0, 0.005 * 2**number))
    raise AssertionError("unreachable")
