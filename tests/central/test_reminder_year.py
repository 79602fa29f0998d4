"""Central's daily reminder pass (``central.reminders.run_pass``) for every day of a year,
on a SQLite central with three units and three catalogue items of its own, the town
publishing some of the village's work on time, some late and some never (and nobody
recording evidence of the duty indicators that apply to the department). Every day:
the pass run again changes nothing; each open reminder is online for three days, then
an SMS (in its unit's one message that day, sent once), then a proposed warning from
its tenth day; a reminder closes the day its work is published (a duty item's, the day
after its year closes: its evidence is locked then); no unit is reminded of an item not
its own.
The clock is frozen: each pass is told its day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, delete, select

from central.admin import init_db
from central.app import create_app
from central.catalogue import import_items
from central.db import make_engine
from central.reminders import REMINDING_LEVELS, digest_key, run_pass
from central.settings import CentralSettings
from central.tables import OrgUnitRow
from models.catalog import load_catalog, packaged_catalog, use_catalog
from models.duty import applies_to, indicator_by_code
from models.records import Reminder
from models.rules.duty import year_close
from models.rules.reminders import Settings
from tests.central.conftest import (
    DISTRICT,
    OTHER_VILLAGE,
    TOWN,
    VILLAGE,
    TestClient,
    create_op,
    disclosure_fields,
    enroll_device,
)

DEPARTMENT = "150202900001"  # 区委办公室
UNITS = {VILLAGE: "village", OTHER_VILLAGE: "village", DEPARTMENT: "department"}
SETTINGS = Settings(sms_after_days=3, propose_after_days=10)
YEAR = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


def _publications() -> dict[date, list[tuple[str, str]]]:
    """The town publishes the village's monthly plan (FIN-01): January to April before the
    deadline (the 10th of the next month), May to August five days after it, the rest
    never; its land contracts (VIL-04) of the first quarter twenty days late."""
    days: dict[date, list[tuple[str, str]]] = {}
    for month in range(1, 9):
        day = date(2026, month + 1, 5 if month <= 4 else 15)
        days.setdefault(day, []).append(("FIN-01", f"2026-{month:02d}"))
    days.setdefault(date(2026, 5, 10), []).append(("VIL-04", "2026-Q1"))
    return days


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[str, TestClient]]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    init_db(url)
    catalogue = packaged_catalog()
    items = [
        catalogue["FIN-01"],
        catalogue["VIL-04"],
        replace(catalogue["FIN-02"], code="DEP-01", applies_to=frozenset({"department"})),
    ]
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            import_items(session, items, issuer=DISTRICT, edition="2026版")
            # A few units that owe work (the town and the district stay: they owe none).
            session.exec(
                delete(OrgUnitRow).where(
                    col(OrgUnitRow.level).in_(REMINDING_LEVELS),
                    col(OrgUnitRow.code).not_in(list(UNITS)),
                )
            )
            session.commit()
    finally:
        engine.dispose()
    with TestClient(create_app(CentralSettings(db_url=url))) as client:
        yield url, client
    use_catalog(None)


def test_a_year_of_daily_passes(central: tuple[str, TestClient]) -> None:
    url, client = central
    town = enroll_device(client, url, TOWN, "town")
    published_on: dict[tuple[str, str, str], date] = {}
    plan = _publications()
    sent: dict[str, date] = {}

    def queue(_session: Session, key: str, org: str, text: str) -> object:
        assert key not in sent, "an SMS is sent once"
        sent[key] = today
        return None

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            for today in YEAR:
                for item, period in plan.get(today, []):
                    fields = disclosure_fields(
                        catalog_code=item,
                        period=period,
                        status="published",
                        published_on=today.isoformat(),
                    )
                    (result,) = town.push(create_op(**fields)).results
                    assert result.status.value == "applied", result
                    published_on[(VILLAGE, item, period)] = today
                first = run_pass(session, today=today, settings=SETTINGS, sms=queue)
                assert first.refused == 0
                again = run_pass(session, today=today, settings=SETTINGS, sms=queue)
                assert again.counts == dict.fromkeys(again.counts, 0), today
                session.expire_all()
                rows = session.exec(select(Reminder)).all()
                for row in rows:
                    _check(row, today, published_on, sent)
    finally:
        engine.dispose()

    by_key = {(r.org_code, r.subject_code, r.period): r for r in rows}
    # On time: never reminded. Late: reminded, an SMS, closed the day it was published.
    assert (VILLAGE, "FIN-01", "2026-03") not in by_key
    may = by_key[(VILLAGE, "FIN-01", "2026-05")]
    assert (may.raised_on, may.sms_on, may.closed_on) == (
        date(2026, 6, 11),
        date(2026, 6, 14),
        date(2026, 6, 15),
    )
    assert may.proposal == ""
    # Twenty days late: proposed on its tenth day, then closed when published.
    land = by_key[(VILLAGE, "VIL-04", "2026-Q1")]
    assert (land.proposal, land.status, land.closed_on) == ("proposed", "closed", date(2026, 5, 10))
    # Never published: proposed, open at the year's end.
    never = by_key[(OTHER_VILLAGE, "FIN-01", "2026-09")]
    assert (never.step, never.proposal, never.status) == ("proposed", "proposed", "open")
    assert {r.org_code for r in rows if r.subject_code == "DEP-01"} == {DEPARTMENT}
    catalogue_owed = {r.subject_code for r in rows if r.subject == "catalog_item"}
    assert {r.subject_code for r in rows if r.org_code == DEPARTMENT} & catalogue_owed == {"DEP-01"}
    assert set(sent) == {digest_key(r.org_code, r.sms_on) for r in rows if r.sms_on is not None}


def _check(
    row: Reminder,
    today: date,
    published_on: dict[tuple[str, str, str], date],
    sent: dict[str, date],
) -> None:
    """What a reminder must be after ``today``'s pass."""
    if row.subject == "catalog_item":
        applies = UNITS[row.org_code] in load_catalog()[row.subject_code].applies_to
    else:  # a duty indicator without evidence (no device records any here)
        applies = applies_to(indicator_by_code()[row.subject_code], UNITS[row.org_code])
    assert applies, (row.org_code, row.subject_code)
    assert row.raised_on is not None and row.raised_on <= today
    done = published_on.get((row.org_code, row.subject_code, row.period))
    if row.subject == "duty_indicator":  # its year's evidence locks: the reminder closes
        locked = year_close(date.fromisoformat(row.period).year) + timedelta(days=1)
        done = locked if today >= locked else None
    sms_day = row.raised_on + timedelta(days=SETTINGS.sms_after_days)
    proposal_day = row.raised_on + timedelta(days=SETTINGS.propose_after_days)
    if done is not None and done <= today:
        assert (row.status, row.closed_on) == ("closed", done), row
        until = done - timedelta(days=1)
    else:
        assert (row.status, row.closed_on) == ("open", None), row
        until = today
    expected: dict[str, Any] = {"step": "online", "proposal": "", "sms_on": None}
    if until >= proposal_day:
        expected = {"step": "proposed", "proposal": "proposed", "sms_on": sms_day}
    elif until >= sms_day:
        expected = {"step": "sms", "proposal": "", "sms_on": sms_day}
    assert {k: getattr(row, k) for k in expected} == expected, (today, row)
    if expected["sms_on"] is not None:  # the unit's one message that day carried it
        assert sent[digest_key(row.org_code, sms_day)] == sms_day
