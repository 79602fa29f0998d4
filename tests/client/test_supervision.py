"""The supervision loop at a device's end, against central in process (the real app,
real SQLite files, httpx): every step the store takes, every refusal it makes before
saving, the same refusal central makes of the same change (same rule, same sentence),
and a refused change taken back so the device agrees with central again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central.admin import init_db, new_enroll_code
from central.app import create_app
from central.settings import CentralSettings
from client.errors import RuleRefused
from client.i18n import set_language
from client.labels import refusal_text
from client.store import Store
from client.syncing import enroll, sync_round
from models.rules.refusals import Refusal
from models.rules.warnings import Step, is_legal
from sync.protocol import Action, Op
from sync.transport import HttpxTransport
from tests.stores import open_store

VILLAGE = "150202101200"
DISTRICT = "150202000000"
TODAY = date(2026, 12, 5)
PROBLEMS = ["财务公开逾期", "未上传公开栏照片", "缺少监委会意见"]


class Central:
    def __init__(self, tmp_path: Path) -> None:
        self.db_url = f"sqlite:///{tmp_path / 'central.db'}"
        init_db(self.db_url)
        self.client = TestClient(create_app(CentralSettings(db_url=self.db_url)))
        self.client.__enter__()
        self.transport = HttpxTransport("http://testserver", client=self.client)
        self.tmp = tmp_path

    def device(self, name: str, unit: str, role: str) -> Store:
        store = open_store(self.tmp / name)
        enroll(
            store,
            "http://testserver",
            new_enroll_code(self.db_url, unit=unit, role=role),
            transport=self.transport,
        )
        return store

    def sync(self, *stores: Store) -> None:
        for store in stores:
            sync_round(store, transport=self.transport)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    set_language("zh_CN")
    running = Central(tmp_path)
    yield running
    running.close()


@pytest.fixture
def sides(central: Central) -> Iterator[tuple[Store, Store]]:
    supervisor = central.device("district", DISTRICT, "supervisor")
    clerk = central.device("village", VILLAGE, "clerk")
    yield supervisor, clerk
    supervisor.close()
    clerk.close()


def issue(central: Central, supervisor: Store, clerk: Store, *units: str) -> list[str]:
    made = supervisor.supervision.issue(
        list(units or [VILLAGE]),
        {
            "doc_type": "suggestion",
            "title": "关于规范三务公开的监督建议书",
            "problems": "\n".join(PROBLEMS),
            "reply_due": "2026-12-20",
        },
        today=TODAY,
    )
    central.sync(supervisor, clerk)
    return made


def state(store: Store, warning_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    warning = store.get(warning_id)[1]
    feedback = [f for f in store.list_records("feedback") if f["warning_id"] == warning_id]
    return warning, feedback


def agree(central: Central, warning_id: str, *stores: Store) -> None:
    """Every device holds what central holds of the warning and its feedback, legal (each
    device syncs twice round: what one pushed, the others pull)."""
    central.sync(*stores)
    central.sync(*stores)
    seen = []
    for store in stores:
        warning, feedback = state(store, warning_id)
        assert is_legal(warning, feedback)
        seen.append(
            (
                {k: warning[k] for k in ("status", "rectified", "return_reason", "closed_on")},
                sorted((f["id"], f["verdict"], f["completed"]) for f in feedback),
            )
        )
    assert all(view == seen[0] for view in seen), seen


def test_the_whole_loop_on_the_devices(central: Central, sides: tuple[Store, Store]) -> None:
    supervisor, clerk = sides
    (warning_id,) = issue(central, supervisor, clerk)
    clerk.supervision.step(warning_id, Step.SIGN, today=TODAY)
    agree(central, warning_id, supervisor, clerk)
    clerk.supervision.step(
        warning_id, Step.COMPLETE, today=TODAY, progress="已整改两项", rectified=["1", "2"]
    )
    agree(central, warning_id, supervisor, clerk)
    supervisor.supervision.step(warning_id, Step.RETURN, today=TODAY, note="照片不清楚")
    agree(central, warning_id, supervisor, clerk)
    warning, _feedback = state(clerk, warning_id)
    assert (warning["status"], warning["return_reason"]) == ("returned", "照片不清楚")
    clerk.supervision.step(
        warning_id, Step.COMPLETE, today=TODAY, progress="补齐", rectified=["1", "2", "3"]
    )
    agree(central, warning_id, supervisor, clerk)
    supervisor.supervision.step(warning_id, Step.ACCEPT, today=TODAY)
    agree(central, warning_id, supervisor, clerk)
    warning, feedback = state(clerk, warning_id)
    assert (warning["status"], warning["rectified"]) == ("closed", ["1", "2", "3"])
    assert [f["verdict"] for f in sorted(feedback, key=lambda f: f["reported_on"] + f["id"])] == [
        "returned",
        "accepted",
    ]
    assert clerk.status().quarantined == supervisor.status().quarantined == 0


def test_a_document_to_several_units_is_one_record_each(
    central: Central, sides: tuple[Store, Store]
) -> None:
    supervisor, clerk = sides
    made = issue(central, supervisor, clerk, VILLAGE, "150202101201")
    assert len(made) == 2
    assert [w["id"] for w in clerk.list_records("warning")] == [made[0]]


@pytest.mark.parametrize(
    ("who", "step", "rule"),
    [
        ("clerk", Step.ACCEPT, "supervisor_only"),
        ("supervisor", Step.SIGN, "unit_only"),
        ("clerk", Step.REPORT, "bad_step"),  # not signed yet
    ],
)
def test_a_device_refuses_what_central_refuses_in_the_same_words(
    central: Central, sides: tuple[Store, Store], who: str, step: Step, rule: str
) -> None:
    supervisor, clerk = sides
    (warning_id,) = issue(central, supervisor, clerk)
    store = clerk if who == "clerk" else supervisor
    with pytest.raises(RuleRefused) as local:
        store.supervision.step(warning_id, step, today=TODAY, note="x")
    assert local.value.refusal.rule == rule
    # The same change sent to central by a device that skipped its own check.
    warning = store.get(warning_id)[1]
    target = {"accept": "closed", "sign": "received", "report": "rectifying"}[step.value]
    op = Op(
        op_id=f"op-{rule}",
        kind="warning",
        record_id=warning_id,
        action=Action.UPDATE,
        changes={"status": (warning["status"], target)},
        base_version=warning["version"],
        recorded_at="2026-12-05T08:00:00Z",
    )
    from sync.central_api import CentralAPI

    identity = store.require_identity()
    api = CentralAPI(
        central.transport, device_id=identity.device_id, private_key=identity.private_key
    )
    (result,) = api.push([op]).results
    assert result.error is not None and result.error.rule == rule
    theirs = Refusal(result.error.rule, result.error.field, result.error.params)
    assert refusal_text("warning", theirs) == refusal_text("warning", local.value.refusal)
    assert "只有" in refusal_text("warning", theirs) or "不能" in refusal_text("warning", theirs)


def test_a_refused_edit_is_taken_back(central: Central, sides: tuple[Store, Store]) -> None:
    """The supervisor's device is a round behind: the village signed meanwhile, so the
    problems are fixed. Its edit is refused by central and central's warning taken back:
    it agrees again (the refused op stays in its queue for support staff)."""
    supervisor, clerk = sides
    (warning_id,) = issue(central, supervisor, clerk)
    clerk.supervision.step(warning_id, Step.SIGN, today=TODAY)
    central.sync(clerk)
    supervisor.edit(warning_id, {"problems": "财务公开逾期"})  # still 已下发 on this device
    agree(central, warning_id, supervisor, clerk)
    warning = supervisor.get(warning_id)[1]
    assert (warning["status"], warning["problems"]) == ("received", "\n".join(PROBLEMS))
    (queued,) = supervisor.queue()
    assert queued.state == "refused" and "fixed_after_issue" in queued.last_error


def test_a_refused_report_is_retired(central: Central, sides: tuple[Store, Store]) -> None:
    """Two PCs of one village: one reported the work done; the other, a round behind,
    reports progress. Central refuses it (the warning waits for its verdict): that PC
    retires its report and takes central's warning back."""
    supervisor, clerk = sides
    second = central.device("village-2", VILLAGE, "clerk")
    (warning_id,) = issue(central, supervisor, clerk)
    clerk.supervision.step(warning_id, Step.SIGN, today=TODAY)
    central.sync(clerk, second)
    clerk.supervision.step(warning_id, Step.COMPLETE, today=TODAY, progress="完成", rectified=["1"])
    central.sync(clerk)
    late = second.supervision.step(warning_id, Step.REPORT, today=TODAY, progress="进展")
    agree(central, warning_id, supervisor, clerk, second)
    assert late.feedback_id is not None
    assert second.get(late.feedback_id)[1]["deleted"] is True
    assert second.get(warning_id)[1]["status"] == "verifying"
    assert second.status().quarantined == 2
    second.close()
