"""The 108-indicator duty list."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib.resources import files

import pytest

from models.duty import (
    SUBJECTS,
    due_dates,
    indicator_by_code,
    load_indicators,
    total_points,
    traffic_light,
)


def test_exactly_108_with_unique_codes() -> None:
    indicators = load_indicators()
    assert len(indicators) == 108
    assert len(indicator_by_code()) == 108
    codes = [ind.code for ind in indicators]
    assert all(re.fullmatch(r"(ZT|JD)-[0-9]{3}", code) for code in codes)
    main = [c for c in codes if c.startswith("ZT-")]
    supervisory = [c for c in codes if c.startswith("JD-")]
    assert main == [f"ZT-{n:03d}" for n in range(1, len(main) + 1)]
    assert supervisory == [f"JD-{n:03d}" for n in range(1, len(supervisory) + 1)]


def test_every_subject_has_indicators_with_positive_points() -> None:
    indicators = load_indicators()
    assert {ind.subject for ind in indicators} == set(SUBJECTS)
    for ind in indicators:
        assert ind.points > 0
        assert ind.name and ind.group and ind.evidence
        assert (ind.responsibility == "supervisory") == (ind.subject == "discipline")


def test_published_team_examples() -> None:
    team = [ind for ind in load_indicators() if ind.subject == "team"]
    by_name = {ind.name: ind for ind in team}
    assert by_name["制定年度党风廉政建设主体责任工作计划（方案）"].points == 3
    assert by_name["召开会议对年度党风廉政建设工作作出部署"].points == 3
    meetings = [ind for ind in team if "专题会议" in ind.name]
    assert [ind.points for ind in meetings] == [1, 1]


def test_total_points_adds_up() -> None:
    assert total_points() == sum(ind.points for ind in load_indicators())
    assert total_points() == sum(total_points(subject) for subject in SUBJECTS)
    assert total_points("nobody") == 0


def test_file_says_it_is_illustrative() -> None:
    raw = json.loads(
        files("models").joinpath("data/duty_indicators.json").read_text(encoding="utf-8")
    )
    assert "illustrative" in raw["note"].lower()


def test_due_dates() -> None:
    by_code = indicator_by_code()
    plan = by_code["ZT-001"]
    assert plan.deadline == "03-31"
    assert due_dates(plan, 2026) == (date(2026, 3, 31),)
    kinds = {ind.deadline: ind for ind in load_indicators()}
    assert due_dates(kinds["quarterly"], 2026) == (
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
    )
    assert due_dates(kinds["half_year"], 2026) == (date(2026, 6, 30), date(2026, 12, 31))
    assert due_dates(kinds["yearly"], 2026) == (date(2026, 12, 31),)
    assert due_dates(kinds["ongoing"], 2026) == ()


@pytest.mark.parametrize(
    ("today", "done", "light"),
    [
        (date(2026, 3, 1), False, ""),
        (date(2026, 3, 21), False, "yellow"),
        (date(2026, 3, 31), False, "yellow"),
        (date(2026, 4, 1), False, "red"),
        (date(2026, 4, 1), True, "green"),
    ],
)
def test_traffic_light(today: date, done: bool, light: str) -> None:
    assert traffic_light(date(2026, 3, 31), today, done=done) == light
