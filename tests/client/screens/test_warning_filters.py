"""The warnings list's filters under Pilot, each on its own (type, status, overdue; the
unit filter is tests/client/screens/test_home_counts.py's), and "overdue" read one way:
the days-left column says late exactly for the warnings the overdue filter keeps, the
district's ``warnings_overdue`` figure counts them, and the home counts them too. A
report waiting for verification (待验收) past its reply date is none of them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from textual.widgets import Checkbox, DataTable, Select

from client.analysis.figures import figures
from client.store import Store
from models.figure_counts import Scope, Window
from tests.client.conftest import VILLAGE
from tests.client.screens.conftest import TODAY, make_app, screen_text
from tests.client.screens.test_supervision_screens import a_warning, supervisor_store
from tests.stores import arrived

OTHER = "150202101201"

# (title, doc_type, status, reply_due, the unit's report: None, "waiting" or "returned")
WARNINGS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("未到期建议书", "suggestion", "issued", "2026-11-20", None),
    ("待验收逾期", "suggestion", "verifying", "2026-11-02", "waiting"),
    ("整改中逾期", "warning", "rectifying", "2026-11-01", None),
    ("退回后逾期", "reminder_letter", "returned", "2026-10-30", "returned"),
    ("已销号", "warning", "closed", "2026-10-01", None),
    ("今天到期", "notice", "received", TODAY.isoformat(), None),
)
OVERDUE = {"整改中逾期", "退回后逾期"}


def _fill(store: Store) -> None:
    for number, (title, doc_type, status, due, report) in enumerate(WARNINGS):
        warning_id = arrived(
            store,
            "warning",
            a_warning(
                status,
                org_code=VILLAGE if number % 2 else OTHER,
                title=title,
                doc_type=doc_type,
                issued_on="2026-10-01",
                reply_due=due,
                closed_on="2026-10-20" if status == "closed" else None,
                return_reason="照片不清楚" if status == "returned" else "",
            ),
        )
        if report is not None:
            arrived(
                store,
                "feedback",
                {
                    "warning_id": warning_id,
                    "org_code": VILLAGE if number % 2 else OTHER,
                    "reported_on": "2026-10-25",
                    "progress": "已整改",
                    "completed": True,
                    "verdict": "returned" if report == "returned" else "",
                    "judged_on": "2026-10-28" if report == "returned" else None,
                },
            )


def _rows(app: Any) -> dict[str, list[str]]:
    """The warnings table's rows: title -> its cells."""
    table = app.screen.query_one("#warnings", DataTable)
    rows = [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]
    return {row[0]: row for row in rows}


async def _choose(pilot: Any, selector: str, value: Any) -> None:
    widget = pilot.app.screen.query_one(selector)
    widget.value = value
    await pilot.pause()
    await pilot.pause()


async def test_type_status_and_overdue_filters(tmp_path: Path) -> None:
    store = supervisor_store(tmp_path / "s")
    _fill(store)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("5")
        await pilot.pause()
        every = _rows(app)
        assert set(every) == {w[0] for w in WARNINGS}

        await _choose(pilot, "#w-type", "warning")
        assert set(_rows(app)) == {w[0] for w in WARNINGS if w[1] == "warning"}
        await _choose(pilot, "#w-status", "rectifying")
        assert set(_rows(app)) == {"整改中逾期"}  # both filters at once
        await _choose(pilot, "#w-type", Select.NULL)
        await _choose(pilot, "#w-status", "verifying")
        assert set(_rows(app)) == {"待验收逾期"}
        await _choose(pilot, "#w-status", Select.NULL)

        await _choose(pilot, "#w-overdue", True)
        assert app.screen.query_one("#w-overdue", Checkbox).value
        kept = _rows(app)
        assert "共 2 条" in screen_text(app)
        await _choose(pilot, "#w-overdue", False)
        assert set(_rows(app)) == set(every)
        await pilot.press("1")
        await pilot.pause()
        on_home = re.search(r"逾期 (\d+) 件", screen_text(app))
    counted = figures(store.engine, Window(date(2026, 1, 1), TODAY), Scope(("150202",)))
    store.close()

    late = {title for title, cells in every.items() if cells[-1].startswith("逾期")}
    assert set(kept) == late == OVERDUE
    assert every["待验收逾期"][-1] == ""  # its reply date no longer runs: not late
    assert every["已销号"][-1] == ""
    assert every["今天到期"][-1] == "今天到期"
    assert counted["warnings_overdue"] == len(OVERDUE)
    assert on_home is not None and int(on_home.group(1)) == len(OVERDUE)
