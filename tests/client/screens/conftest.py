"""Helpers for driving the app's screens under Pilot with a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from client.app import SanwuApp
from client.i18n import set_language
from client.store import Store
from sync.protocol import ConflictInfo, OpResult, OpStatus

TODAY = date(2026, 11, 5)


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    set_language("zh_CN")
    yield
    set_language("zh_CN")


def make_app(store: Store, **kwargs: Any) -> SanwuApp:
    return SanwuApp(store, clock=lambda: TODAY, **kwargs)


async def open_first_disclosure(pilot: Any) -> None:
    """From the home screen: the disclosures list (2), then the first one's detail."""
    from client.screens.disclosure_detail import DisclosureDetail

    await pilot.press("2")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DisclosureDetail)


def screen_text(app: SanwuApp) -> str:
    """Everything the current screen shows, as plain text."""
    from textual.widgets import DataTable, Static

    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, DataTable):
            for row in range(widget.row_count):
                parts.append(" ".join(str(cell) for cell in widget.get_row_at(row)))
        elif isinstance(widget, Static):
            parts.append(str(widget.render()))
    return "\n".join(parts)


def make_conflict(store: Store, record_id: str, field: str, theirs: Any) -> None:
    """Answer the record's pending op as central would when someone else changed ``field``."""
    ops = store.pending_ops(after_seq=0, limit=100)
    op = next(op for _seq, op in ops if op.record_id == record_id)
    mine = op.changes[field][1]
    base = op.changes[field][0]
    store.apply_push_results(
        [op],
        [
            OpResult(
                op_id=op.op_id,
                status=OpStatus.PARTIAL,
                version=2,
                seq=7,
                received_at="2026-11-05T02:00:00Z",
                conflicts=[
                    ConflictInfo(field=field, base=base, mine=mine, theirs=theirs, version=2)
                ],
            )
        ],
    )
