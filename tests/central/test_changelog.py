"""Change numbers under concurrent writers (central.changelog), on SQLite and PostgreSQL.

Writers in threads of their own (each with its own session, as uvicorn's worker threads
and processes have) push creates and edits, some to the same records and the same
natural keys, while readers pull page after page. Whatever the interleaving hypothesis
draws: no pull ever skips a change (a reader that applied every page it was served
holds exactly central's records at central's versions), the change numbers stay
gap-free with one version each, and every op is answered exactly once.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from central.changelog import last_seq
from central.db import make_engine
from central.pull import pull
from central.push import push
from central.tables import Device, OpResultRow, RecordVersion
from models.records import Disclosure
from sync.protocol import Op, OpStatus

from .conftest import DISTRICT, TOWN, VILLAGE, create_op, disclosure_fields, update_op

JOIN_S = 120.0
MAX_PULLS = 5_000
"""Bounds a reader's loop; it stops as soon as the writers are done and it caught up."""

_unique = itertools.count()
"""Device ids and natural keys stay apart across hypothesis's examples (one database)."""


def _month() -> str:
    """A month no other call returns (FIN-01 is disclosed monthly, from 1900 on)."""
    n = next(_unique)
    return f"{1900 + n // 12:04d}-{n % 12 + 1:02d}"


def _device(session: Session, org_code: str, role: str, scope: str) -> Device:
    device = Device(
        id=f"dev-{next(_unique):06d}",
        public_key="k" * 43,
        org_code=org_code,
        role=role,
        scope=scope,
        enrolled_at=datetime.now(UTC),
    )
    session.add(device)
    session.commit()
    return device


class Reader:
    """A supervisor's device pulling page after page, keeping what each page served."""

    def __init__(self, engine: Engine, device: Device, page: int) -> None:
        self.engine, self.device, self.page = engine, device, page
        self.cursor = 0
        self.held: dict[str, int] = {}
        """record id -> the version served last (pages applied in order)."""

    def pull_once(self) -> bool:
        with Session(self.engine, expire_on_commit=False) as session:
            answer = pull(session, device=self.device, after=self.cursor, limit=self.page)
        for change in answer.changes:
            self.held[change.record["id"]] = change.record["version"]
        assert answer.cursor >= self.cursor, "a cursor went back"
        self.cursor = answer.cursor
        return answer.more

    def read_until(self, done: threading.Event) -> None:
        for _ in range(MAX_PULLS):
            more = self.pull_once()
            if done.is_set() and not more:
                return


def _ops(plan_step: str, shared: list[str], clash: str, rng: random.Random, who: str) -> list[Op]:
    if plan_step == "create":
        return [
            create_op(**disclosure_fields(period=_month(), title=who))
            for _ in range(rng.randint(1, 5))
        ]
    if plan_step == "clash":  # every writer creates this natural key: one wins
        return [create_op(**disclosure_fields(period=clash, title=who))]
    target = rng.choice(shared)  # everyone edits these: merges and conflicts
    return [update_op(target, {"title": ("财务计划公开", f"{who}-{rng.random():.6f}")})]


def _run(targets: list[Callable[[], None]]) -> None:
    errors: list[BaseException] = []

    def guard(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # raised below, not lost in a thread
            errors.append(exc)

    threads = [threading.Thread(target=guard, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_S)
        assert not thread.is_alive(), "a thread did not finish in time"
    if errors:
        raise errors[0]


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plans=st.lists(
        st.lists(st.sampled_from(["create", "create", "clash", "edit"]), min_size=2, max_size=6),
        min_size=2,
        max_size=5,
    ),
    page=st.integers(min_value=1, max_value=7),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_no_pull_skips_a_change_under_concurrent_writers(
    db_url: str, plans: list[list[str]], page: int, seed: int
) -> None:
    engine = make_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            writers = [
                _device(session, VILLAGE, "clerk", VILLAGE)
                if i % 2
                else _device(session, TOWN, "town", TOWN[:9])
                for i in range(len(plans))
            ]
            seeder = _device(session, DISTRICT, "supervisor", DISTRICT[:6])
            shared_ops = [create_op(**disclosure_fields(period=_month()))]
            shared_ops += [create_op(**disclosure_fields(period=_month()))]
            push(session, device=seeder, ops=shared_ops, now=datetime.now(UTC))
            readers = [
                Reader(engine, _device(session, DISTRICT, "supervisor", DISTRICT[:6]), page)
                for _ in range(2)
            ]
            answered_before = session.exec(select(func.count()).select_from(OpResultRow)).one()
        shared = [op.record_id for op in shared_ops]
        clash = _month()
        pushed: list[tuple[Op, OpStatus]] = []
        writing_done = threading.Event()

        def writer(index: int) -> Callable[[], None]:
            def run() -> None:
                rng = random.Random(seed * 31 + index)
                device = writers[index]
                with Session(engine, expire_on_commit=False) as session:
                    for step in plans[index]:
                        ops = _ops(step, shared, clash, rng, device.id)
                        results = push(session, device=device, ops=ops, now=datetime.now(UTC))
                        pushed.extend((op, r.status) for op, r in zip(ops, results, strict=True))

            return run

        def writers_then_done() -> None:
            try:
                _run([writer(i) for i in range(len(plans))])
            finally:
                writing_done.set()

        _run(
            [
                writers_then_done,
                *(lambda r=r: r.read_until(writing_done) for r in readers),
            ]
        )

        with Session(engine) as session:
            top = last_seq(session)
            seqs = list(session.exec(select(RecordVersion.seq).order_by(col(RecordVersion.seq))))
            assert seqs == list(range(1, top + 1)), "change numbers are not gap-free"
            central = {row.id: row.version for row in session.exec(select(Disclosure))}
            answered = session.exec(select(func.count()).select_from(OpResultRow)).one()
        assert answered - answered_before == len(pushed), "an op was answered twice or never"
        refused = [status for _op, status in pushed if status is OpStatus.REJECTED]
        assert refused == [], "every op here is valid"
        for reader in readers:
            reader.read_until(writing_done)  # whatever came after its last page
            assert reader.cursor == top
            assert reader.held == central, "a reader missed a change: a pull skipped it"
    finally:
        engine.dispose()


class _Raced(Exception):
    """What psycopg raises when a push that committed first wrote the same key."""

    sqlstate = "23505"


def test_a_push_that_lost_a_race_runs_again_then_answers_busy(db_url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    from central.changelog import MAX_ATTEMPTS, in_turn
    from central.errors import Busy

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            tries: list[int] = []

            def lose_twice() -> str:
                tries.append(1)
                if len(tries) <= 2:
                    raise IntegrityError("INSERT", {}, _Raced())
                return "committed"

            always: list[int] = []

            def lose_always() -> str:
                always.append(1)
                raise IntegrityError("INSERT", {}, _Raced())

            if engine.dialect.name == "sqlite":  # one writer: a unique violation is a bug
                with pytest.raises(IntegrityError):
                    in_turn(session, lose_twice)
                assert len(tries) == 1
                return
            assert in_turn(session, lose_twice) == "committed"
            assert len(tries) == 3
            with pytest.raises(Busy) as refused:
                in_turn(session, lose_always)
            assert refused.value.status_code == 503
            assert len(always) == MAX_ATTEMPTS
    finally:
        engine.dispose()
