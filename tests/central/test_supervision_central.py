"""Central's side of the supervision work against a real database: the catalogue
imported and handed down, a discipline body's assigned departments, and the daily
reminder pass (raised once, moved to SMS, proposing a warning, closed when the work is
done). The rules themselves are tested in tests/models/test_reminder_rules.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from central.assignments import assign
from central.catalogue import DEMO_CITY, import_catalogue, load_packaged
from central.errors import BadRequest
from central.reminders import run_pass
from central.sms.table import SmsMessage
from central.sms_link import queue_sms
from central.tables import Device as DeviceRow
from models.catalog import load_catalog
from models.records import Reminder
from models.rules.reminders import Settings
from tests.central.conftest import (
    DISTRICT,
    OTHER_VILLAGE,
    TOWN,
    VILLAGE,
    Device,
    create_op,
    delete_op,
    disclosure_fields,
    update_op,
)
from tests.central.sms_stubs import add_contact

BODY = "150202950001"  # a 派驻纪检监察组
DEPARTMENT = "150202900001"
OTHER_DEPARTMENT = "150202900002"

CSV_HEADER = "编码,类别,事项,周期,期限,适用\n"


def _csv(path: Path, rows: list[str], encoding: str = "gb18030") -> Path:
    path.write_bytes((CSV_HEADER + "".join(row + "\n" for row in rows)).encode(encoding))
    return path


def test_a_district_catalogue_from_an_office_csv_is_imported_once_and_kept_in_step(
    session: Session, tmp_path: Path
) -> None:
    rows = ["GOV-21,政务,农机购置补贴,每季度,15,村、社区", "VIL-21,村务,集体土地流转,随时,7,村"]
    path = _csv(tmp_path / "东河区目录.csv", rows)

    first = import_catalogue(session, path, issuer=DISTRICT, edition="2026版")
    again = import_catalogue(session, path, issuer=DISTRICT, edition="2026版")
    assert (first.created, first.updated, first.withdrawn) == (2, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert load_catalog()["GOV-21"].name == "农机购置补贴"
    assert load_catalog()["VIL-21"].deadline.days == 7
    assert load_catalog()["VIL-21"].period == "on_event"

    changed = _csv(tmp_path / "东河区目录.csv", ["GOV-21,政务,农机购置补贴,每季度,20,村、社区"])
    done = import_catalogue(session, changed, issuer=DISTRICT, edition="2027版")
    assert (done.created, done.updated, done.withdrawn) == (0, 1, 1)
    assert load_catalog()["GOV-21"].deadline.days == 20
    assert "VIL-21" not in load_catalog()


def test_a_bad_catalogue_line_is_named_and_nothing_is_imported(
    session: Session, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "c.csv",
        ["GOV-21,政务,农机购置补贴,每季度,15,村", "GOV-22,政务,x,每季度,十五,村"],
    )
    with pytest.raises(BadRequest, match="line 3"):
        import_catalogue(session, path, issuer=DISTRICT, edition="e")
    assert "GOV-21" not in load_catalog()


def test_the_citys_catalogue_is_handed_down_to_every_device_below_it_and_nobody_else_writes_it(
    session: Session, enroll: Callable[..., Device]
) -> None:
    load_packaged(session, district=DISTRICT)
    clerk = enroll(VILLAGE)
    changes, _ = clerk.pull_all()
    items = [c for c in changes if c.kind == "catalog_item"]
    issuers = {c.record["org_code"] for c in items}
    assert issuers == {DEMO_CITY, DISTRICT}
    assert {"FIN-01", "GOV-10"} <= {c.record["code"] for c in items}

    fields = {
        "org_code": VILLAGE,
        "code": "VIL-99",
        "domain": "village",
        "name": "自定事项",
        "period": "monthly",
        "deadline_day": 10,
    }
    answer = clerk.push(create_op("catalog_item", **fields))
    assert answer.results[0].status.value == "rejected"
    assert answer.results[0].error is not None
    assert answer.results[0].error.code == "forbidden_field"


def test_a_discipline_bodys_supervisors_reach_the_departments_assigned_to_it(
    session: Session, enroll: Callable[..., Device], db_url: str
) -> None:
    department = enroll(DEPARTMENT)
    other = enroll(OTHER_DEPARTMENT)
    for unit, device in ((DEPARTMENT, department), (OTHER_DEPARTMENT, other)):
        evidence = create_op(
            "duty_evidence",
            org_code=unit,
            indicator_code="ZT-001",
            occurred_on=date.today().isoformat(),  # a closed year's is locked
            description="党组会议记录",
        )
        assert device.push(evidence).results[0].status.value == "applied"
    early = enroll(BODY, "supervisor")
    assert early.scope == BODY

    scope = assign(session, body=BODY, units=[DEPARTMENT])
    assert scope == f"{BODY},{DEPARTMENT}"
    session.expire_all()
    device = session.get(DeviceRow, early.device_id)
    assert device is not None and device.scope == scope  # widened in place
    late = enroll(BODY, "supervisor")
    assert late.scope == scope
    for supervisor in (early, late):
        seen = {c.record["org_code"] for c in supervisor.pull_all()[0] if c.kind == "duty_evidence"}
        assert seen == {DEPARTMENT}

    with pytest.raises(BadRequest):
        assign(session, body=BODY, units=[VILLAGE])
    with pytest.raises(BadRequest):
        assign(session, body=DEPARTMENT, units=[OTHER_DEPARTMENT])


def _reminders(session: Session, org: str) -> list[Reminder]:
    session.expire_all()
    rows = session.exec(
        select(Reminder).where(col(Reminder.org_code) == org, col(Reminder.deleted).is_(False))
    )
    return list(rows)


def test_the_daily_pass_raises_once_moves_to_sms_proposes_a_warning_and_closes_when_done(
    session: Session, enroll: Callable[..., Device]
) -> None:
    clerk = enroll(VILLAGE)
    day = date(2026, 2, 11)  # January's monthly items were due on 10 February
    sms: list[tuple[str, str, str]] = []

    def queue(_session: Session, key: str, org: str, text: str) -> object:
        sms.append((key, org, text))
        return None

    first = run_pass(session, today=day, sms=queue)
    assert first.counts["raised"] > 0
    own = _reminders(session, VILLAGE)
    assert own and all(r.status == "open" for r in own)
    fin = next(r for r in own if r.subject_code == "FIN-01" and r.period == "2026-01")
    assert run_pass(session, today=day, sms=queue).counts["raised"] == 0  # idempotent
    assert sms == []
    pulled = {c.record["id"] for c in clerk.pull_all()[0] if c.kind == "reminder"}
    assert fin.id in pulled
    assert {r.subject_code for r in _reminders(session, OTHER_VILLAGE)} >= {"FIN-01"}

    settings = Settings(sms_after_days=3, propose_after_days=10)
    run_pass(session, today=day + timedelta(days=3), settings=settings, sms=queue)
    mine = [(key, text) for key, org, text in sms if org == VILLAGE]
    assert [key for key, _ in mine] == [f"reminders:{VILLAGE}:{day + timedelta(days=3)}:sms"]
    moved = [r for r in _reminders(session, VILLAGE) if r.sms_on == day + timedelta(days=3)]
    assert fin.id in {r.id for r in moved}
    assert f"您单位有{len(moved)}项事项逾期未办" in mine[0][1]

    # The town publishes January's financial plan: the next pass closes its reminder.
    town = enroll(TOWN, "town")
    published = create_op(**disclosure_fields(status="published", published_on="2026-02-14"))
    assert town.push(published).results[0].status.value == "applied"
    run_pass(session, today=day + timedelta(days=4), settings=settings, sms=queue)
    closed = next(r for r in _reminders(session, VILLAGE) if r.id == fin.id)
    assert closed.status == "closed" and closed.closed_on == day + timedelta(days=4)

    run_pass(session, today=day + timedelta(days=10), settings=settings, sms=queue)
    after = _reminders(session, VILLAGE)
    proposed = [r for r in after if r.proposal == "proposed"]
    assert proposed  # what is still undone after ten days proposes a warning
    assert all(r.step == "proposed" and r.status == "open" for r in proposed)
    assert fin.id not in {r.id for r in proposed}  # done work proposes nothing
    assert len(sms) == len({key for key, _, _ in sms})  # each unit's digest once a day

    # The publication withdrawn (deleted): the reminder opens again.
    assert town.push(delete_op(published.record_id)).results[0].status.value == "applied"
    run_pass(session, today=day + timedelta(days=11), settings=settings, sms=queue)
    reopened = next(r for r in _reminders(session, VILLAGE) if r.id == fin.id)
    assert (reopened.status, reopened.closed_on) == ("open", None)


def test_a_warning_issued_with_sms_queues_one_message_to_the_units_contact(
    session: Session, enroll: Callable[..., Device]
) -> None:
    add_contact(session, VILLAGE, "13800138000")
    supervisor = enroll(DISTRICT, "supervisor")
    fields = {
        "org_code": VILLAGE,
        "doc_type": "suggestion",
        "title": "关于规范三务公开的监督建议书",
        "problems": "财务公开逾期",
        "reply_due": "2026-12-20",
    }
    with_sms = create_op("warning", **fields, sms=True)
    without = create_op("warning", **(fields | {"org_code": VILLAGE}))
    unreachable = create_op("warning", **(fields | {"org_code": OTHER_VILLAGE}), sms=True)
    for op in (with_sms, without, unreachable):
        assert supervisor.push(op).results[0].status.value == "applied"
    edit = update_op(with_sms.record_id, {"doc_no": ("", "东纪建〔2026〕3号")}, kind="warning")
    assert supervisor.push(edit).results[0].status.value == "applied"

    session.expire_all()
    entries = session.exec(select(SmsMessage)).all()
    # The unit without a contact is on the list, never sent, with no phone.
    unsent = [m for m in entries if m.status == "no_contact"]
    assert [(m.key, m.org_code, m.phone) for m in unsent] == [
        (f"warning:{unreachable.record_id}:issued", OTHER_VILLAGE, "")
    ]
    queued = [m for m in entries if m.status != "no_contact"]
    assert [m.key for m in queued] == [f"warning:{with_sms.record_id}:issued"]
    assert queued[0].org_code == VILLAGE
    assert "黑麻板村" in queued[0].text and "监督建议书" in queued[0].text
    assert "2026-12-20" in queued[0].text
    assert "13800138000" not in queued[0].phone  # sealed at rest


def test_a_pass_texts_each_unit_once_however_many_of_its_reminders_move_to_sms(
    session: Session,
) -> None:
    add_contact(session, VILLAGE, "13800138000")
    add_contact(session, DEPARTMENT, "13900139000")
    day = date(2026, 1, 12)  # 2025's duty items still open (they lock after January)
    run_pass(session, today=day, sms=queue_sms)  # an empty history: everything overdue
    assert session.exec(select(SmsMessage)).all() == []  # online reminders only, no SMS yet

    later = day + timedelta(days=3)
    run_pass(session, today=later, sms=queue_sms)
    session.expire_all()
    entries = session.exec(select(SmsMessage).order_by(col(SmsMessage.org_code))).all()
    by_unit = {m.org_code: m for m in entries}
    assert len(by_unit) == len(entries)  # one message a unit
    assert {VILLAGE, DEPARTMENT, OTHER_VILLAGE} <= set(by_unit)
    for org in (VILLAGE, DEPARTMENT):
        moved = [r for r in _reminders(session, org) if r.sms_on == later]
        assert len(moved) >= 5 and all(r.step == "sms" for r in moved)
        urgent = min(moved, key=lambda r: (str(r.due_on), r.title))
        message = by_unit[org]
        assert message.status == "queued" and message.key == f"reminders:{org}:{later}:sms"
        assert message.text.startswith("东河区纪委监委提醒：")
        assert f"您单位有{len(moved)}项事项逾期未办" in message.text
        assert urgent.title in message.text
    # A unit with no contact is listed as not texted, with no phone, and never sent.
    unsent = by_unit[OTHER_VILLAGE]
    assert (unsent.status, unsent.phone, unsent.next_try_at) == ("no_contact", "", None)

    run_pass(session, today=later, sms=queue_sms)  # the same day again: nothing more
    session.expire_all()
    assert len(session.exec(select(SmsMessage)).all()) == len(entries)
