"""Snapshots with a frozen clock of the record screens added for editing, deleting and
history: a warning's whole history (central's kept versions beside this computer's,
central unreachable) at 80x24 and 120x40, and the question a delete asks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from client.app import SanwuApp
from client.i18n import set_language
from client.record_history import keep
from client.screens.record_history import FETCHING
from client.store import Store
from sync.protocol_history import HistoryEntry, HistoryResponse
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import arrived

TODAY = date(2026, 11, 5)
WARNING_ID = "0190b7c4-0000-7000-8000-0000000000d1"
WAIT_STEPS = 200


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield


def _app(store: Store) -> SanwuApp:
    return SanwuApp(store, clock=lambda: TODAY)


def _warning_with_history(store: Store) -> None:
    arrived(
        store,
        "warning",
        {
            "id": WARNING_ID,
            "org_code": VILLAGE,
            "doc_type": "suggestion",
            "title": "关于规范三务公开工作的监督建议书（更正）",
            "problems": "财务公开逾期\n未上传公开栏照片",
            "issued_on": "2026-10-20",
            "reply_due": "2026-11-20",
        },
        version=2,
    )
    created = {
        "org_code": [None, VILLAGE],
        "doc_type": [None, "suggestion"],
        "title": [None, "关于规范三务公开工作的监督建议书"],
        "status": [None, "issued"],
    }
    keep(
        store.engine,
        HistoryResponse(
            kind="warning",
            record_id=WARNING_ID,
            versions=[
                HistoryEntry(
                    version=1,
                    seq=11,
                    device_id="dev-district-01",
                    op_id=None,
                    at="2026-10-20T02:00:00Z",
                    org_code=VILLAGE,
                    changes=created,
                ),
                HistoryEntry(
                    version=2,
                    seq=12,
                    device_id="dev-district-01",
                    op_id=None,
                    at="2026-10-20T03:30:00Z",
                    org_code=VILLAGE,
                    changes={
                        "title": [
                            "关于规范三务公开工作的监督建议书",
                            "关于规范三务公开工作的监督建议书（更正）",
                        ]
                    },
                ),
            ],
        ),
        now=datetime(2026, 11, 4, 1, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_record_history(enrolled: Store, snap_compare: Any, size: tuple[int, int]) -> None:
    _warning_with_history(enrolled)

    async def go(pilot: Any) -> None:
        await pilot.press("5", "h")
        await pilot.pause()
        for _step in range(WAIT_STEPS):  # central (127.0.0.1:9) refuses at once: offline
            if getattr(pilot.app.screen, "history_state", FETCHING) != FETCHING:
                break
            await pilot.pause(0.02)
        assert pilot.app.screen.history_state == "offline"
        await pilot.pause()

    assert snap_compare(_app(enrolled), terminal_size=size, run_before=go)


def test_delete_asks_first(enrolled: Store, snap_compare: Any) -> None:
    arrived(enrolled, "disclosure", {**disclosure(), "org_code": VILLAGE})

    async def go(pilot: Any) -> None:
        await pilot.press("2", "d")
        await pilot.pause()

    assert snap_compare(_app(enrolled), terminal_size=(80, 24), run_before=go)
