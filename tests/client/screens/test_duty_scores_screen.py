"""The duty score table and a unit's items under Pilot, with the real store: a supervisor
opens the table from the duty screen (t), changes the year, opens a unit (Enter), reads
an item's records and what each counts for, shows the missing items only, and scores an
item (a): a bad value is named under its field, a good one shows at once and in the
table; a department's clerk goes straight to its own items and is offered no score key;
a village's clerk is offered no table; a town's table is empty and says why."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input

from client.identity import Identity
from client.screens.duty_scores import AdjustForm, DutyScoresScreen, DutyUnitScreen
from client.store import Store
from sync.protocol import PullResponse
from sync.signing import new_private_key
from tests.client.duty_data import BODY, DEPT_A, DEPT_B, evidence
from tests.client.screens.conftest import make_app, screen_text
from tests.client.screens.test_supervision_screens import supervisor_store
from tests.stores import open_store


def unit_store(home: Path, org_code: str, role: str = "clerk", scope: str = "") -> Store:
    store = open_store(home)
    store.save_identity(
        Identity(
            device_id=f"dev-{org_code}",
            private_key=new_private_key(),
            server_url="http://127.0.0.1:9",
            org_code=org_code,
            org_name="单位",
            role=role,
            scope=scope or org_code,
        )
    )
    return store


def this_years_evidence(store: Store) -> None:
    """The clock of these tests is 2026-11-05."""
    evidence(
        store, DEPT_A, "ZT-001", "2026-03-10", "制定2026年度党风廉政建设工作计划\n经党组会审议"
    )
    evidence(store, DEPT_A, "ZT-002", "2026-02-20")
    evidence(store, DEPT_A, "ZT-026", "2026-02-01")
    evidence(store, DEPT_A, "ZT-026", "2026-07-15")
    evidence(store, DEPT_A, "ZT-026", "2026-07-20")
    evidence(store, DEPT_B, "ZT-001", "2026-05-01")
    evidence(store, BODY, "JD-001", "2026-02-01")


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Store]:
    with supervisor_store(tmp_path / "s") as store:
        this_years_evidence(store)
        yield store


def _keys(app: Any) -> set[str]:
    return {binding.key for (_node, binding, _enabled, _tip) in app.active_bindings.values()}


def _cursor_to(table: DataTable[Any], key: str) -> None:
    table.move_cursor(row=table.get_row_index(key))


async def test_a_supervisor_reads_the_table_and_scores_an_item(supervisor: Store) -> None:
    app = make_app(supervisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert "t" in _keys(app)
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DutyScoresScreen)
        assert [row.org_code for row in screen.rows[:2]] == [DEPT_A, DEPT_B]
        assert len(screen.rows) == 101
        text = screen_text(app)
        assert "2026年度履职得分" in text and "区委办公室缺项：ZT-003" in text
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.year == 2025 and "2025年度履职得分（已锁定）" in screen_text(app)
        assert {row.score for row in screen.rows} == {0}
        await pilot.press("right_square_bracket")
        await pilot.pause()

        await pilot.press("enter")
        await pilot.pause()
        unit = app.screen
        assert isinstance(unit, DutyUnitScreen) and unit.org_code == DEPT_A
        assert "第1名" in screen_text(app)
        items = unit.query_one("#unit-items", DataTable)
        _cursor_to(items, "ZT-026")
        await pilot.pause()
        text = screen_text(app)
        assert "03-31 按时 · 06-30 逾期补记 · 09-30 按时 · 12-31 未到期" in text
        assert "2026-07-20 ZT-026工作记实 06-30 逾期补记" in text
        await pilot.press("m")
        await pilot.pause()
        assert all(row.item.missing for row in unit.rows) and unit.rows
        await pilot.press("m")
        await pilot.pause()

        _cursor_to(items, "ZT-001")
        assert "a" in _keys(app)
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AdjustForm)
        form.query_one("#f-points", Input).value = "4"
        form.query_one("#f-reason", Input).value = "计划未经党组会审议"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "超过该指标的分值" in screen_text(app)
        form.query_one("#f-points", Input).value = "2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is unit
        first = unit.rows[0]
        assert (first.indicator.code, str(first.item.score)) == ("ZT-001", "2")
        assert "监督层级于 2026-11-05 赋分 2 分，理由：计划未经党组会审议" in screen_text(app)
        (adjustment,) = supervisor.list_records("duty_adjustment")
        assert (adjustment["org_code"], adjustment["year"]) == (DEPT_A, 2026)

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.rows[0].org_code == DEPT_A and screen.rows[0].score == 6.25


async def test_a_departments_clerk_sees_its_own_items_only(tmp_path: Path) -> None:
    with unit_store(tmp_path / "d", DEPT_A) as store:
        evidence(store, DEPT_A, "ZT-001", "2026-03-10")
        app = make_app(store)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("4", "t")
            await pilot.pause()
            unit = app.screen
            assert isinstance(unit, DutyUnitScreen) and unit.org_code == DEPT_A
            assert unit.detail is not None and unit.detail.score == 3
            assert "第" not in screen_text(app).splitlines()[0]  # no rank on one's own
            assert "a" not in _keys(app)


async def test_a_village_clerk_has_no_table_and_a_town_an_empty_one(
    enrolled: Store, tmp_path: Path
) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert "t" not in _keys(app)
    with unit_store(tmp_path / "t", "150202101000", "town", "150202101") as town:
        app = make_app(town)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("4", "t")
            await pilot.pause()
            assert isinstance(app.screen, DutyScoresScreen) and app.screen.rows == []
            assert "本设备所辖单位没有适用的履职考核指标" in screen_text(app)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DutyScoresScreen)


async def test_the_table_scores_with_the_districts_late_share(supervisor: Store) -> None:
    """The screens score late evidence with the share central handed down with a pull,
    not a fixed half: DEPT_B's one late record earns nothing at a share of 0."""
    app = make_app(supervisor)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DutyScoresScreen)
        late = {row.org_code: row.score for row in screen.rows}[DEPT_B]
        assert late == Decimal("1.5")
        handed = PullResponse(changes=[], cursor=supervisor.cursor(), more=False)
        supervisor.apply_pull(handed.model_copy(update={"duty_late_share": "0"}))
        screen.refresh_data()
        await pilot.pause()
        assert {row.org_code: row.score for row in screen.rows}[DEPT_B] == 0
        await pilot.press("escape")
