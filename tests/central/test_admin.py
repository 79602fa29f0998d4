"""Seeding, the demo data, history, the threaded server, and the import boundary."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlmodel import Session, col, func, select

from central.admin import init_db
from central.at_rest import AtRest
from central.db import make_engine
from central.sealing import is_sealed
from central.server import run_in_thread
from central.settings import CentralSettings
from central.tables import OrgUnitRow, RecordVersion
from models.ids import new_id
from models.kinds import KINDS
from models.orgs import load_org_units
from models.records import SubsidyPayment
from models.validation import normalize

from .conftest import TOWN, VILLAGE, Device, create_op, update_op


def test_init_is_idempotent_and_demo_goes_through_push(empty_db_url: str) -> None:
    url = empty_db_url
    init_db(url, demo=True)
    init_db(url, demo=True)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            units = session.exec(select(func.count()).select_from(OrgUnitRow)).one()
            assert units == len(load_org_units())
            versions = session.exec(select(RecordVersion).order_by(col(RecordVersion.seq))).all()
            assert len(versions) >= 15
            assert [v.seq for v in versions] == list(range(1, len(versions) + 1))
            # Records written by central's own pseudo devices, the catalogue's and the demo's.
            assert {v.device_id for v in versions} == {"central-demo", "central-catalogue"}
            catalogue = {v.record_id for v in versions if v.kind == "catalog_item"}
            assert len(catalogue) == 37  # the city's 36 items and Donghe's own
            kinds = {v.kind for v in versions}
            assert {"disclosure", "warning", "subsidy_project", "subsidy_payment"} <= kinds
            payments = session.exec(select(SubsidyPayment)).all()
            assert len(payments) >= 3
            at_rest, spec = AtRest.of(session), KINDS["subsidy_payment"]
            for payment in payments:
                assert payment.org_code == VILLAGE
                assert is_sealed(payment.id_number)  # central keeps it sealed at rest
                opened = at_rest.open_value(spec, "id_number", payment.id, payment.id_number)
                clean = {"id_number": opened}
                assert normalize("subsidy_payment", clean) == (clean, [])  # check char right
    finally:
        engine.dispose()


def test_history_lists_versions_and_masks_personal_values(
    enroll: Callable[..., Device], session: Session
) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    project = create_op(
        "subsidy_project", org_code=VILLAGE, name="耕地地力保护补贴", category="agriculture"
    )
    clerk.push(project)
    op = create_op(
        "subsidy_payment",
        org_code=VILLAGE,
        project_id=project.record_id,
        recipient_name="张三",
        id_number="11010519491231002X",
        amount_fen=100,
    )
    clerk.push(op)
    town.push(update_op(op.record_id, {"amount_fen": (100, 200)}, kind="subsidy_payment"))
    path = f"/v1/records/subsidy_payment/{op.record_id}/history"
    response = clerk.send(path, b"", method="GET")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert [v["device_id"] for v in body["versions"]] == [clerk.device_id, town.device_id]
    assert body["versions"][0]["changes"]["id_number"] == [None, "110105********002X"]
    assert body["versions"][0]["changes"]["recipient_name"] == [None, "张*"]
    assert body["versions"][1]["changes"] == {"amount_fen": [100, 200]}
    assert "19491231" not in response.text
    neighbour = enroll("150202101201")
    refused = neighbour.send(path, b"", method="GET")
    missing = neighbour.send(path.replace(op.record_id, new_id()), b"", method="GET")
    # Out of reach is answered as missing: the same status and code, no unit named.
    assert (refused.status_code, refused.json()["code"]) == (404, "unknown_record")
    assert (missing.status_code, missing.json()["code"]) == (404, "unknown_record")
    assert VILLAGE not in refused.text
    stored = session.exec(
        select(RecordVersion).where(col(RecordVersion.record_id) == op.record_id)
    ).first()
    # Central keeps the truth, sealed: only its key opens it.
    assert stored is not None and "11010519491231002X" not in stored.changes
    spec = KINDS["subsidy_payment"]
    opened = AtRest.of(session).open_changes(spec, op.record_id, 1, stored.changes)
    assert opened["id_number"] == [None, "11010519491231002X"]


def test_run_in_thread_serves_and_stops(db_url: str) -> None:
    base_url, stop = run_in_thread(CentralSettings(db_url=db_url))
    try:
        with httpx.Client(base_url=base_url, timeout=5) as http:
            response = http.get("/v1/health")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
    finally:
        stop()
