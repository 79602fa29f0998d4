"""Duty scores at the devices' ends, on real SQLite files: the table of the whole district
(ranked within each level, each unit's missing items) and within narrower scopes, one
unit's items down to the records and what each counts for, and a supervisor's score for
an item: created, edited in place (its versions the history, at central too), read by
the unit after a sync; refused to the unit and once the year has closed; a bad value
named by its field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from client import queries
from client.analysis.duty_scores import score_rows, unit_detail
from client.errors import RuleRefused, ValidationFailed
from client.labels import refusal_text
from client.store import Store
from models.duty import indicators_for
from models.rules.scoring import ScoringSettings, Status
from tests.client.duty_data import (
    AFTER,
    BODY,
    DEPT_A,
    DEPT_B,
    DEPT_C,
    OPEN_YEAR,
    YEAR,
    district_home,
    evidence,
)
from tests.client.test_supervision import Central, central  # noqa: F401  (fixture)


@pytest.fixture
def district(tmp_path: Path) -> Iterator[Store]:
    with district_home(tmp_path / "district") as store:
        yield store


def test_the_table_ranks_every_scored_unit_within_its_level(district: Store) -> None:
    rows = score_rows(district.engine, YEAR, today=AFTER, scope="150202")
    assert len(rows) == 77 + 24
    departments = [row for row in rows if row.level == "department"]
    assert [row.level for row in rows] == ["department"] * 77 + ["discipline"] * 24
    top = {row.org_code: row for row in departments[:3]}
    assert list(top) == [DEPT_A, DEPT_B, DEPT_C]
    assert [top[code].rank for code in top] == [1, 2, 3]
    assert departments[-1].rank == 3  # the 75 units with nothing share third place
    a = top[DEPT_A]
    assert a.name and a.max == sum(Decimal(str(i.points)) for i in indicators_for("department"))
    assert a.score == Decimal(3) + Decimal(str(indicators_for("department")[1].points))
    assert "ZT-001" not in a.missing and "ZT-002" not in a.missing
    assert len(a.missing) == len(indicators_for("department")) - 2
    assert top[DEPT_B].score == Decimal("1.5")
    body = next(row for row in rows if row.org_code == BODY)
    assert body.rank == 1 and "JD-001" not in body.missing
    # The deleted record counts for nothing.
    assert "ZT-002" in top[DEPT_C].missing
    # A late record earns the share the district sets.
    lenient = score_rows(
        district.engine, YEAR, today=AFTER, settings=ScoringSettings(Decimal(1)), scope=DEPT_B
    )
    assert [(row.org_code, row.score) for row in lenient] == [(DEPT_B, Decimal(3))]


def test_a_narrower_scope_scores_only_its_units(district: Store) -> None:
    body = score_rows(district.engine, YEAR, today=AFTER, scope=f"{BODY},{DEPT_B}")
    assert [(row.org_code, row.rank) for row in body] == [(DEPT_B, 1), (BODY, 1)]
    town = score_rows(district.engine, YEAR, today=AFTER, scope="150202101")
    assert town == []  # no indicator applies to villages in the list as it stands


def test_a_units_items_down_to_the_records(district: Store) -> None:
    extra = evidence(district, DEPT_B, "ZT-001", "2025-05-02", "补充记实")
    detail = unit_detail(district.engine, DEPT_B, YEAR, today=AFTER)
    assert detail.score == Decimal("1.5") and "ZT-001" not in detail.missing
    first = detail.items[0]
    assert (first.indicator.code, first.item.status) == ("ZT-001", Status.LATE)
    # Newest first; the earliest spare record made the due date up, the other adds nothing.
    assert [row.occurred_on for row in first.evidence] == [date(2025, 5, 2), date(2025, 5, 1)]
    assert first.evidence[0].id == extra and first.evidence[0].counts_for is None
    made_up = first.evidence[1].counts_for
    assert made_up is not None and made_up.due == date(2025, 3, 31)
    assert first.evidence[1].description == "ZT-001工作记实"
    assert detail.items[1].item.status is Status.MISSING


def test_a_supervisors_score_is_one_record_edited_in_place(district: Store) -> None:
    today = date.today()
    first = district.scoring.adjust(
        DEPT_A, OPEN_YEAR, "zt-001", points="2", reason="计划未经党组会审议", today=today
    )
    again = district.scoring.adjust(
        DEPT_A, OPEN_YEAR, "ZT-001", points="2.5", reason="补充了会议纪要", today=today
    )
    assert again == first
    (stored,) = district.list_records("duty_adjustment")
    assert (stored["points"], stored["reason"], stored["year"]) == (
        "2.5",
        "补充了会议纪要",
        OPEN_YEAR,
    )
    assert stored["adjusted_on"] == today.isoformat()
    assert [entry.action for entry in queries.history(district.engine, first)] == [
        "create",
        "update",
    ]
    detail = unit_detail(district.engine, DEPT_A, OPEN_YEAR, today=today)
    item = detail.items[0].item
    assert (item.status, item.score) == (Status.ADJUSTED, Decimal("2.5"))
    assert item.adjustment is not None and item.adjustment.reason == "补充了会议纪要"
    # By a record: its unit and indicator, the year it counts for.
    record = evidence(district, DEPT_B, "ZT-003", f"{OPEN_YEAR}-06-01")
    made = district.scoring.adjust_evidence(record, points="0.5", reason="材料不全", today=today)
    adjustment = district.get(made)[1]
    assert (adjustment["org_code"], adjustment["indicator_code"]) == (DEPT_B, "ZT-003")
    assert (adjustment["evidence_id"], adjustment["year"]) == (record, OPEN_YEAR)


def test_an_adjustment_by_a_late_record_is_for_the_year_it_counts_in(district: Store) -> None:
    """08-10 evidence on an item due 06-30 would be on time for next year's due date, yet
    this year's table counts it late: the adjustment is for this year, the one it counts
    in (``rules.scoring.counted_in``), not the next."""
    today = date(OPEN_YEAR, 12, 5)
    record = evidence(district, DEPT_C, "ZT-009", f"{OPEN_YEAR}-08-10")
    detail = unit_detail(district.engine, DEPT_C, OPEN_YEAR, today=today)
    (item,) = [row.item for row in detail.items if row.item.code == "ZT-009"]
    assert item.status is Status.LATE and item.slots[0].evidence is not None
    made = district.scoring.adjust_evidence(record, points="0.5", reason="逾期补记", today=today)
    assert district.get(made)[1]["year"] == OPEN_YEAR


@pytest.mark.parametrize(
    ("unit", "code", "points", "reason", "field"),
    [
        (DEPT_A, "ZT-001", "3.5", "多给了", "points"),  # ZT-001 is worth 3
        (DEPT_A, "ZT-001", "abc", "不是数字", "points"),
        (DEPT_A, "ZT-001", "1", "  ", "reason"),
        ("150202101200", "ZT-001", "1", "村不适用", "indicator_code"),
        (DEPT_A, "JD-001", "1", "监督责任是纪检组织的", "indicator_code"),
        (DEPT_A, "XX-001", "1", "没有这个指标", "indicator_code"),
    ],
)
def test_a_bad_score_names_its_field(
    district: Store, unit: str, code: str, points: str, reason: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as failed:
        district.scoring.adjust(
            unit, OPEN_YEAR, code, points=points, reason=reason, today=date.today()
        )
    assert {error.field for error in failed.value.errors} == {field}
    assert district.list_records("duty_adjustment") == []


def test_a_closed_year_is_locked(district: Store) -> None:
    with pytest.raises(RuleRefused) as refused:
        district.scoring.adjust(
            DEPT_A, OPEN_YEAR - 2, "ZT-001", points="1", reason="迟了", today=date.today()
        )
    assert refused.value.refusal.rule == "year_closed"
    assert district.list_records("duty_adjustment") == []


def test_the_unit_reads_its_score_and_may_not_give_one(
    central: Central,  # noqa: F811
) -> None:
    supervisor = central.device("district", "150202000000", "supervisor")
    unit = central.device("dept", DEPT_A, "clerk")
    try:
        unit.add(
            "duty_evidence",
            {
                "indicator_code": "ZT-002",
                "occurred_on": f"{OPEN_YEAR}-02-01",
                "description": "部署",
            },
        )
        today = date.today()
        with pytest.raises(RuleRefused) as refused:
            unit.scoring.adjust(DEPT_A, OPEN_YEAR, "ZT-002", points="3", reason="自评", today=today)
        assert (
            refusal_text("duty_adjustment", refused.value.refusal)
            == "只有监督层级才能对履职事项评分。"
        )
        central.sync(unit, supervisor)
        record_id = supervisor.scoring.adjust(
            DEPT_A, OPEN_YEAR, "ZT-002", points="0.5", reason="部署会议未形成纪要", today=today
        )
        central.sync(supervisor)
        supervisor.scoring.adjust(
            DEPT_A, OPEN_YEAR, "ZT-002", points="1", reason="已补纪要", today=today
        )
        central.sync(supervisor, unit)
        assert supervisor.status().quarantined == 0
        mine = unit_detail(unit.engine, DEPT_A, OPEN_YEAR, today=today)
        item = next(row.item for row in mine.items if row.item.code == "ZT-002")
        assert item.status is Status.ADJUSTED and item.score == 1
        assert item.adjustment is not None and item.adjustment.reason == "已补纪要"
        engine = create_engine(central.db_url)
        with engine.connect() as conn:
            versions = conn.execute(
                text("SELECT version FROM record_version WHERE record_id = :id ORDER BY seq"),
                {"id": record_id},
            ).all()
        engine.dispose()
        assert [row.version for row in versions] == [1, 2]
    finally:
        supervisor.close()
        unit.close()


def test_the_districts_late_share_reaches_every_score_table(
    central: Central,  # noqa: F811
    cli_passphrase: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The office sets the late share once at central (``sanwu central duty``); a device
    takes it with its next pull and its tables, a unit's items and ``report duty`` score
    with it (``--late-share`` still asks another)."""
    import json

    from central.cli import main as central_main
    from client.cli import main

    supervisor = central.device("district", "150202000000", "supervisor")
    try:
        evidence(supervisor, DEPT_B, "ZT-001", f"{YEAR}-05-01")  # late: 3 points x share

        def table_score() -> Decimal:
            (row,) = score_rows(supervisor.engine, YEAR, today=AFTER, scope=DEPT_B)
            return row.score

        assert table_score() == Decimal("1.5")  # nothing set: the rule's half
        assert central_main(["duty", "--late-share", "2", "--db", central.db_url]) == 2
        assert central_main(["duty", "--late-share", "0.25", "--db", central.db_url]) == 0
        assert "0.25" in capsys.readouterr().out
        assert table_score() == Decimal("1.5")  # until the device pulls
        central.sync(supervisor)
        assert table_score() == Decimal("0.75")
        detail = unit_detail(supervisor.engine, DEPT_B, YEAR, today=AFTER)
        assert detail.items[0].item.score == Decimal("0.75")
        report = ["--home", str(supervisor.home), "report", "duty", "--year", str(YEAR)]
        assert main([*report, "--unit", DEPT_B, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)[0]["score"] == 0.75
        assert main([*report, "--unit", DEPT_B, "--json", "--late-share", "1"]) == 0
        assert json.loads(capsys.readouterr().out)[0]["score"] == 3.0
    finally:
        supervisor.close()
