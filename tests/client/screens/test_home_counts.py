"""The counts a home shows and the screen they lead to agree, for every role: the open
warnings on the home are the warnings screen's open ones (the district office, a town,
one village), and a town that narrows its home to one village finds the same number
with the warnings screen's unit filter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select

from client.store import Store
from tests.client.conftest import VILLAGE
from tests.client.screens.conftest import make_app, screen_text
from tests.client.screens.test_duty_scores_screen import unit_store
from tests.client.screens.test_supervision_screens import a_warning, supervisor_store
from tests.stores import arrived

OTHER_VILLAGE = "150202101201"
"""Another village of the same town."""
OTHER_TOWN_VILLAGE = "150202102200"
TOWN = "150202101000"

WARNINGS: tuple[tuple[str, str], ...] = (
    (VILLAGE, "issued"),
    (VILLAGE, "returned"),
    (VILLAGE, "closed"),
    (OTHER_VILLAGE, "rectifying"),
    (OTHER_VILLAGE, "verifying"),
    (OTHER_TOWN_VILLAGE, "received"),
    (OTHER_TOWN_VILLAGE, "closed"),
)


def _fill(store: Store, scope: str) -> None:
    for number, (org_code, status) in enumerate(WARNINGS):
        if not org_code.startswith(scope):
            continue
        arrived(
            store,
            "warning",
            a_warning(
                status,
                org_code=org_code,
                title=f"预警{number}",
                closed_on="2026-11-01" if status == "closed" else None,
                return_reason="照片不清楚" if status == "returned" else "",
            ),
        )


def _expected(scope: str) -> int:
    return sum(org.startswith(scope) and status != "closed" for org, status in WARNINGS)


def _home_open(text: str) -> int:
    found = re.search(r"未销号预警 (\d+) 件", text)
    assert found, text
    return int(found.group(1))


def _screen_open(text: str) -> int:
    found = re.search(r"预警：未办结 (\d+) 条", text)
    assert found, text
    return int(found.group(1))


def _store(role: str, home: Path) -> tuple[Store, str]:
    if role == "supervisor":
        return supervisor_store(home), "150202"
    if role == "town":
        return unit_store(home, TOWN, role="town", scope="150202101"), "150202101"
    return unit_store(home, VILLAGE), VILLAGE


@pytest.mark.parametrize("role", ["clerk", "town", "supervisor"])
async def test_the_home_and_the_warnings_screen_count_the_same(role: str, tmp_path: Path) -> None:
    store, scope = _store(role, tmp_path / role)
    _fill(store, scope)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        on_home = _home_open(screen_text(app))
        await pilot.press("5")
        await pilot.pause()
        on_screen = _screen_open(screen_text(app))
    store.close()
    assert on_home == on_screen == _expected(scope)


async def test_a_town_narrowed_to_one_village_counts_as_the_unit_filter(tmp_path: Path) -> None:
    store, scope = _store("town", tmp_path / "town")
    _fill(store, scope)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        home: Any = app.screen
        home.query_one(Select).value = OTHER_VILLAGE
        await pilot.pause()
        await pilot.pause()
        on_home = _home_open(screen_text(app))
        await pilot.press("5")
        await pilot.pause()
        app.screen.query_one("#w-unit", Select).value = OTHER_VILLAGE
        await pilot.pause()
        on_screen = _screen_open(screen_text(app))
    store.close()
    assert on_home == on_screen == _expected(OTHER_VILLAGE) == 2
