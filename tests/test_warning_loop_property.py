"""Any sequence of role actions on a warning, from any device, in any order of syncs,
keeps every device's and central's state a legal state of the machine, and after
everyone has synced they all hold the same. Real stores, central in process (the app,
SQLite files, httpx); hypothesis chooses who does what and when they sync."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlmodel import Session, col, select

from central.admin import init_db, new_enroll_code
from central.app import create_app
from central.db import make_engine
from central.settings import CentralSettings
from client.errors import RuleRefused
from client.store import Store
from client.syncing import enroll, sync_round
from models.kinds import kind_spec, row_to_wire
from models.records import Feedback, SupervisionWarning
from models.rules.warnings import Step, is_legal
from sync.transport import HttpxTransport
from tests.stores import open_store

VILLAGE = "150202101200"
TODAY = date(2026, 12, 5)
DEVICES = ("supervisor", "clerk", "second clerk")


def view(warning: dict[str, Any], feedback: list[dict[str, Any]]) -> tuple[Any, ...]:
    live = sorted((f["id"], f["verdict"], f["completed"]) for f in feedback if not f["deleted"])
    return (warning["status"], warning["rectified"], warning["return_reason"], tuple(live))


class WarningLoop(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.dir = TemporaryDirectory()
        root = Path(self.dir.name)
        self.db_url = f"sqlite:///{root / 'central.db'}"
        init_db(self.db_url)
        self.client = TestClient(create_app(CentralSettings(db_url=self.db_url)))
        self.client.__enter__()
        self.transport = HttpxTransport("http://testserver", client=self.client)
        self.stores: dict[str, Store] = {}
        for name, unit, role in (
            ("supervisor", "150202000000", "supervisor"),
            ("clerk", VILLAGE, "clerk"),
            ("second clerk", VILLAGE, "clerk"),
        ):
            store = open_store(root / name.replace(" ", "-"))
            code = new_enroll_code(self.db_url, unit=unit, role=role)
            enroll(store, "http://testserver", code, transport=self.transport)
            self.stores[name] = store
        (self.warning_id,) = self.stores["supervisor"].supervision.issue(
            [VILLAGE],
            {
                "doc_type": "suggestion",
                "title": "监督建议书",
                "problems": "一\n二\n三",
                "reply_due": "2026-12-20",
            },
            today=TODAY,
        )
        self.sync_all()

    def teardown(self) -> None:
        for store in getattr(self, "stores", {}).values():
            store.close()
        if hasattr(self, "client"):
            self.client.__exit__(None, None, None)
            self.dir.cleanup()

    def sync_all(self) -> None:
        for _twice in range(2):
            for store in self.stores.values():
                sync_round(store, transport=self.transport)

    def local(self, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        store = self.stores[name]
        warning = store.get(self.warning_id)[1]
        feedback = [
            f for f in store.list_records("feedback", include_deleted=True)
            if f["warning_id"] == self.warning_id
        ]  # fmt: skip
        return warning, feedback

    def central(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        engine = make_engine(self.db_url)
        try:
            with Session(engine) as session:
                warning = session.get(SupervisionWarning, self.warning_id)
                assert warning is not None
                rows = session.exec(
                    select(Feedback).where(col(Feedback.warning_id) == self.warning_id)
                ).all()
                return row_to_wire(kind_spec("warning"), warning), [
                    row_to_wire(kind_spec("feedback"), row) for row in rows
                ]
        finally:
            engine.dispose()

    @rule(
        who=st.sampled_from(DEVICES),
        step=st.sampled_from(list(Step)),
        items=st.lists(st.sampled_from(["1", "2", "3"]), max_size=3),
    )
    def act(self, who: str, step: Step, items: list[str]) -> None:
        with contextlib.suppress(RuleRefused):  # refused before saving: nothing written
            self.stores[who].supervision.step(
                self.warning_id, step, today=TODAY, progress="进展", rectified=items, note="理由"
            )

    @rule(who=st.sampled_from(DEVICES))
    def sync(self, who: str) -> None:
        sync_round(self.stores[who], transport=self.transport)

    @invariant()
    @precondition(lambda self: hasattr(self, "stores"))
    def every_end_is_legal(self) -> None:
        for name in DEVICES:
            warning, feedback = self.local(name)
            live = [f for f in feedback if not f["deleted"]]
            assert is_legal(warning, live), (name, warning, live)
        warning, feedback = self.central()
        assert is_legal(warning, [f for f in feedback if not f["deleted"]]), (warning, feedback)

    @rule()
    def everyone_syncs_and_agrees(self) -> None:
        self.sync_all()
        expected = view(*self.central())
        for name in DEVICES:
            assert view(*self.local(name)) == expected, name


WarningLoop.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=14,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWarningLoop = WarningLoop.TestCase
