"""A closed year's duty items stand (``models.rules.duty``): neither its adjustments nor
the evidence that may count in it change once the year has closed, whoever writes it;
the same check runs on the device and at central (``rules.permissions.check_change``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from models.rules.actors import Actor
from models.rules.duty import check_evidence, evidence_year, year_close
from models.rules.permissions import check_change
from models.rules.refusals import Refusal

TODAY = date(2026, 12, 5)
"""2025 closed on 2026-01-31; 2026 is open."""
DEPT = "150202900001"
CLERK = Actor("clerk", DEPT, (DEPT,))
DISTRICT = Actor("supervisor", "150202000000", ("150202",))


class _NoLookup:
    def record(self, kind: str, record_id: str) -> Mapping[str, Any] | None:
        return None

    def feedback_of(self, warning_id: str) -> list[Mapping[str, Any]]:
        return []


def evidence(day: str) -> dict[str, Any]:
    return {
        "id": "0190b7c4-0000-7000-8000-0000000000e1",
        "org_code": DEPT,
        "indicator_code": "ZT-001",
        "occurred_on": day,
        "description": "党组会议记录",
        "attachments": [],
    }


def created(day: str) -> dict[str, tuple[Any, Any]]:
    return {name: (None, value) for name, value in evidence(day).items()}


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2025, 3, 1), 2025),
        (date(2026, 1, 31), 2025),  # makes up 2025's items late, until 2025 closes
        (date(2026, 2, 1), 2026),
        (date(2026, 12, 31), 2026),
    ],
)
def test_the_earliest_year_a_record_may_change(day: date, year: int) -> None:
    assert evidence_year(day) == year
    assert day <= year_close(year)


@pytest.mark.parametrize("actor", [CLERK, DISTRICT])
@pytest.mark.parametrize(
    ("day", "year"), [("2025-03-01", "2025"), ("2024-06-30", "2024"), ("2026-01-15", "2025")]
)
def test_evidence_of_a_closed_year_is_not_recorded(actor: Actor, day: str, year: str) -> None:
    refusal = check_change(actor, "duty_evidence", None, created(day), _NoLookup(), today=TODAY)
    assert refusal == Refusal("evidence_year_closed", "occurred_on", {"year": year})
    assert year in refusal.english()


@pytest.mark.parametrize("day", ["2026-02-01", "2026-12-05"])
def test_evidence_of_an_open_year_is_recorded(day: str) -> None:
    assert (
        check_change(CLERK, "duty_evidence", None, created(day), _NoLookup(), today=TODAY) is None
    )
    # Before 2025 closed, its evidence still went in.
    early = date(2026, 1, 31)
    assert check_evidence(None, created("2025-03-01"), today=early) is None


def test_edits_and_deletes_read_the_old_date_and_the_new() -> None:
    closed, open_ = evidence("2025-03-01"), evidence("2026-03-01")
    moved_back = {"occurred_on": ("2026-03-01", "2025-03-01")}
    moved_out = {"occurred_on": ("2025-03-01", "2026-03-01")}
    text = {"description": ("党组会议记录", "改")}
    for current, changes in ((open_, moved_back), (closed, moved_out), (closed, text)):
        refusal = check_change(CLERK, "duty_evidence", current, changes, _NoLookup(), today=TODAY)
        assert refusal is not None and refusal.params == {"year": "2025"}
    deleting = check_change(
        CLERK, "duty_evidence", closed, {}, _NoLookup(), deleting=True, today=TODAY
    )
    assert deleting is not None and deleting.rule == "evidence_year_closed"
    assert check_change(CLERK, "duty_evidence", open_, text, _NoLookup(), today=TODAY) is None
    assert (
        check_change(CLERK, "duty_evidence", open_, {}, _NoLookup(), deleting=True, today=TODAY)
        is None
    )


def test_the_sentence_is_chinese_and_names_the_year() -> None:
    from models.i18n import load_po

    refusal = check_evidence(None, created("2025-03-01"), today=TODAY)
    assert refusal is not None
    sentence = load_po("zh_CN")[refusal.msgid].format(**refusal.params)
    assert "2025" in sentence and "锁定" in sentence
