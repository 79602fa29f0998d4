"""The home's attention table beyond one unit: a supervising office's home counts the
bulletins it issued as issued ("已印发通报"), never as bulletins naming it ("被通报"),
which a home says only for bulletins naming its own unit; and the town's home lists
every village's items with the village in a column of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Select

from client.store import Store
from tests.client.conftest import VILLAGE
from tests.client.screens.conftest import TODAY, make_app, screen_text
from tests.client.screens.test_supervision_screens import a_warning
from tests.stores import arrived, enrolled_as, open_store

OTHER = "150202101201"
DISTRICT = "150202000000"
TOWN = "150202101000"


def _bulletin(org_code: str, named: list[str], title: str) -> dict[str, Any]:
    return {
        "org_code": org_code,
        "title": title,
        "doc_no": "东纪通〔2026〕1号",
        "period_from": "2026-07-01",
        "period_to": "2026-09-30",
        "body": "一、基本情况",
        "named_units": named,
        "issued_on": TODAY.isoformat(),
    }


def _fill(store: Store) -> None:
    arrived(store, "bulletin", _bulletin(DISTRICT, [VILLAGE, OTHER], "区纪委通报"))
    arrived(store, "bulletin", _bulletin(TOWN, [VILLAGE], "镇纪委通报"))


async def _home_text(store: Store, village: str = "") -> str:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        if village:
            app.screen.query_one("#home-village", Select).value = village
            await pilot.pause()
            await pilot.pause()
        return screen_text(app)


async def test_issued_bulletins_are_not_named_ones(tmp_path: Path) -> None:
    with enrolled_as(open_store(tmp_path / "s"), "supervisor") as supervisor:
        _fill(supervisor)
        text = await _home_text(supervisor)
    # The district issued one; the town's names units of the district, not the district.
    assert "已印发通报 1 份" in text and "被通报" not in text
    assert "已印发通报：区纪委通报" in text and "通报所辖单位 1 份" in text

    with enrolled_as(open_store(tmp_path / "t"), "town") as town:
        _fill(town)
        text = await _home_text(town)
        one_village = await _home_text(town, VILLAGE)
    assert "已印发通报 1 份" in text and "通报所辖单位 1 份" in text and "被通报" not in text
    # Narrowed to one village: the district's bulletin names that village.
    assert "被通报 1 次" in one_village and "已印发通报 1 份" in one_village

    with enrolled_as(open_store(tmp_path / "c"), "clerk") as clerk:
        _fill(clerk)
        text = await _home_text(clerk)
    assert "被通报 2 次" in text and "已印发通报" not in text


async def test_the_town_home_has_a_village_column(tmp_path: Path) -> None:
    with enrolled_as(open_store(tmp_path / "t"), "town") as town:
        for org_code, title in ((VILLAGE, "预警甲"), (OTHER, "预警乙")):
            arrived(town, "warning", a_warning("received", org_code=org_code, title=title))
        app = make_app(town)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#home-warnings", DataTable)
            headers = [str(column.label) for column in table.ordered_columns]
            rows = [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]
    assert headers[:2] == ["预警或提醒", "村"]
    whose = sorted((row[0], row[1]) for row in rows)
    assert whose == [("预警乙", "杨圪塄村"), ("预警甲", "黑麻板村")]
