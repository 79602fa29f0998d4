"""Records' personal fields sealed at rest on central (central.at_rest), the sealing of
what an older central kept in clear, and ``rotate-key`` (central.rotation)."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from central import sealing
from central.admin import init_db
from central.cli import main as central_main
from central.rotation import SEALED_SETTING, rotate_key
from central.sms.queue import enqueue
from sync.protocol import ConflictType, OpStatus

from .conftest import DISTRICT, TOWN, VILLAGE, Device, create_op, update_op
from .sms_stubs import add_contact

ID_NUMBER = "11010519491231002X"
OTHER_ID = "110105194912310038"
ACCOUNT = "6217000012345678"
PHONE = "13812345678"
CONTACT = "13987654321"
TOKEN = re.compile(r"sc1:(?:[0-9a-f]{32}:)?([0-9a-f]{8}):")
"""A sealed value; group 1 is the id of the key that sealed it."""
SEALING_TABLES = ("subsidy_payment", "clue", "record_version", "op_result")
KEPT = (*SEALING_TABLES, "unit_contact", "sms_message", "payment_fingerprint")


def _payment(project_id: str, id_number: str = ID_NUMBER, **more: Any) -> Any:
    return create_op(
        "subsidy_payment",
        org_code=VILLAGE,
        project_id=project_id,
        recipient_name="王小二",
        id_number=id_number,
        amount_fen=1000,
        paid_on="2026-04-01",
        account=ACCOUNT,
        **more,
    )


def _some_payments(clerk: Device) -> tuple[Any, Any]:
    """A project and a payment pushed; the payment then edited (a new version) and a
    conflicting edit of its account answered (a stored answer carrying values)."""
    project = create_op(
        "subsidy_project", org_code=VILLAGE, name="地力补贴", category="agriculture"
    )
    payment = _payment(project.record_id)
    answers = clerk.push(project, payment).results
    assert [r.status for r in answers] == [OpStatus.APPLIED] * 2
    edit = update_op(payment.record_id, {"amount_fen": (1000, 1200)}, kind="subsidy_payment")
    assert clerk.push(edit).results[0].status is OpStatus.APPLIED
    conflicting = update_op(
        payment.record_id,
        {"account": ("6217000099999999", "6217000011111111")},
        kind="subsidy_payment",
    )
    [answer] = clerk.push(conflicting).results
    assert answer.status is OpStatus.CONFLICT and answer.conflicts[0].theirs == ACCOUNT
    return payment, conflicting


def _a_clue(enroll: Callable[..., Device]) -> Any:
    """A clue with its reporter's contact (personal), from the district's supervisor."""
    supervisor = enroll(DISTRICT, "supervisor")
    clue = create_op(
        "clue",
        org_code=VILLAGE,
        source="hotline",
        problem="other",
        description="反映低保评议不公",
        received_on="2026-04-02",
        reporter_contact=CONTACT,
    )
    [answer] = supervisor.push(clue).results
    assert answer.status is OpStatus.APPLIED, answer
    return clue


def _rows(session: Session, table: str) -> list[str]:
    present = set(sa.inspect(session.get_bind()).get_table_names())
    if table not in present:
        return []
    return [
        " ".join(str(value) for value in row)
        for row in session.execute(sa.text(f"SELECT * FROM {table}"))
    ]


def _key_ids(session: Session) -> dict[str, set[str]]:
    """Per table, the ids of the keys that sealed the values it holds."""
    session.rollback()
    return {
        table: {m.group(1) for row in _rows(session, table) for m in TOKEN.finditer(row)}
        for table in KEPT
    }


def _clear_in(session: Session) -> list[str]:
    session.rollback()
    return [
        f"{table}: {secret}"
        for table in KEPT
        for row in _rows(session, table)
        for secret in (ID_NUMBER, ACCOUNT, CONTACT, PHONE, "6217000011111111")
        if secret in row
    ]


def _raw_files(db_url: str) -> bytes:
    path = Path(str(sa.make_url(db_url).database))
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


def _pulled_payment(town: Device, record_id: str) -> dict[str, Any]:
    changes, _cursor = town.pull_all()
    assert "sc1:" not in str([c.record for c in changes])  # a device never gets a token
    [record] = [c.record for c in changes if c.record.get("id") == record_id]
    return dict(record)


def test_no_personal_value_is_kept_in_clear_and_devices_get_them_clear(
    enroll: Callable[..., Device], session: Session, db_url: str
) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    payment, conflicting = _some_payments(clerk)
    clue = _a_clue(enroll)
    assert _clear_in(session) == []
    if db_url.startswith("sqlite"):
        raw = _raw_files(db_url)
        for secret in (ID_NUMBER, ACCOUNT, CONTACT):
            assert secret.encode() not in raw
    ids = _key_ids(session)
    key_id = sealing.load_key(db_url).key_id
    assert ids["subsidy_payment"] == ids["record_version"] == ids["op_result"] == {key_id}
    assert ids["clue"] == {key_id}
    # A device in scope gets clear values, by pull and by the history (masked from them).
    record = _pulled_payment(town, payment.record_id)
    assert (record["id_number"], record["account"]) == (ID_NUMBER, ACCOUNT)
    assert record["amount_fen"] == 1200
    path = f"/v1/records/subsidy_payment/{payment.record_id}/history"
    history = clerk.send(path, b"", method="GET").json()
    assert history["versions"][0]["changes"]["id_number"] == [None, "110105********002X"]
    assert "sc1:" not in str(history)
    changes, _cursor = enroll(DISTRICT, "supervisor").pull_all()
    [pulled] = [c.record for c in changes if c.record.get("id") == clue.record_id]
    assert pulled["reporter_contact"] == CONTACT
    # The stored answer of the conflicting edit is sealed, and a retry gets it whole.
    [again] = clerk.push(conflicting).results
    assert again.status is OpStatus.CONFLICT and again.conflicts[0].theirs == ACCOUNT
    assert again.conflicts[0].record is not None
    assert again.conflicts[0].record["id_number"] == ID_NUMBER


def test_the_natural_key_and_duplicate_findings_still_see_equal_id_numbers(
    enroll: Callable[..., Device], session: Session
) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    project = create_op(
        "subsidy_project", org_code=VILLAGE, name="地力补贴", category="agriculture"
    )
    other = create_op("subsidy_project", org_code=VILLAGE, name="种粮补贴", category="agriculture")
    first, second = _payment(project.record_id), _payment(project.record_id, OTHER_ID)
    assert {r.status for r in clerk.push(project, other, first, second).results} == {
        OpStatus.APPLIED
    }
    # The same person twice in one project: a duplicate, however the value is sealed.
    [again] = clerk.push(_payment(project.record_id)).results
    assert again.status is OpStatus.CONFLICT
    assert again.conflicts[0].type is ConflictType.DUPLICATE
    assert again.conflicts[0].theirs == first.record_id
    moved = update_op(
        second.record_id, {"id_number": (OTHER_ID, ID_NUMBER)}, kind="subsidy_payment"
    )
    [clash] = clerk.push(moved).results
    assert clash.conflicts[0].type is ConflictType.DUPLICATE
    # In another project of the same category and year: a finding, masked.
    clerk.push(_payment(other.record_id))
    answer = town.send("/v1/findings/duplicate-payments", b"", method="GET")
    [group] = answer.json()["groups"]
    assert [p["id_number"] for p in group["payments"]] == ["110105********002X"] * 2
    assert ID_NUMBER not in answer.text and "sc1:" not in answer.text
    assert _clear_in(session) == []


def test_init_seals_what_an_older_central_kept_in_clear(
    enroll: Callable[..., Device], session: Session, db_url: str
) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    payment, _conflicting = _some_payments(clerk)
    # As a central before sealing left them: the same values in clear.
    session.execute(
        sa.text("UPDATE subsidy_payment SET id_number = :i, account = :a WHERE id = :r"),
        {"i": ID_NUMBER, "a": ACCOUNT, "r": payment.record_id},
    )
    session.execute(
        sa.text("UPDATE record_version SET changes = :c WHERE record_id = :r AND version = 1"),
        {
            "c": f'{{"id_number": [null, "{ID_NUMBER}"], "account": [null, "{ACCOUNT}"]}}',
            "r": payment.record_id,
        },
    )
    session.execute(sa.text("DELETE FROM central_setting WHERE key = :k"), {"k": SEALED_SETTING})
    session.commit()
    assert _clear_in(session) != []
    init_db(db_url)
    assert _clear_in(session) == []
    if db_url.startswith("sqlite"):  # the file is rewritten: no old page keeps them
        assert ID_NUMBER.encode() not in _raw_files(db_url)
    record = _pulled_payment(town, payment.record_id)
    assert (record["id_number"], record["account"]) == (ID_NUMBER, ACCOUNT)
    # Once sealed, a later init does not walk the database again.
    session.execute(
        sa.text("UPDATE subsidy_payment SET account = :a WHERE id = :r"),
        {"a": ACCOUNT, "r": payment.record_id},
    )
    session.commit()
    init_db(db_url)
    assert _clear_in(session) == [f"subsidy_payment: {ACCOUNT}"]


@pytest.fixture
def key_file(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Central's key in a key file, as rotate-key needs: on PostgreSQL the key given by
    SANWU_CENTRAL_KEY moves to SANWU_CENTRAL_KEY_FILE; SQLite has its file beside."""
    given = os.environ.get(sealing.ENV_KEY)
    if given is None:
        monkeypatch.delenv(sealing.ENV_KEY_FILE, raising=False)
        path = sealing.key_file_of(db_url)
        assert path is not None
        sealing.load_key(db_url)
        return path
    path = tmp_path / "central.key"
    path.write_text(given + "\n")
    path.chmod(0o600)
    monkeypatch.delenv(sealing.ENV_KEY)
    monkeypatch.setenv(sealing.ENV_KEY_FILE, str(path))
    return path


def _with_sms(session: Session) -> None:
    add_contact(session, VILLAGE, PHONE)
    now = datetime(2026, 4, 1, tzinfo=UTC)
    assert enqueue(session, key="reminder:r1:sms", org_code=VILLAGE, text="请公开", now=now)
    session.commit()


def _everything_under(session: Session, key_id: str) -> None:
    ids = _key_ids(session)
    for table in (*SEALING_TABLES, "unit_contact", "sms_message"):
        if table != "clue":
            assert ids[table] == {key_id}, table


def test_rotate_key_reseals_every_value_and_retires_the_old_key(
    enroll: Callable[..., Device],
    session: Session,
    db_url: str,
    key_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    payment, conflicting = _some_payments(clerk)
    _with_sms(session)
    old = sealing.load_key(db_url).key_id
    _everything_under(session, old)
    assert central_main(["rotate-key", "--db", db_url]) == 0
    out = capsys.readouterr().out
    new = sealing.load_key(db_url).key_id
    assert new != old and f"旧密钥 {old} 已停用，新密钥 {new} 开始加密" in out
    assert "subsidy_payment.id_number：重新加密 1 个值" in out and "sms_message：重新加密 1" in out
    _everything_under(session, new)
    assert len(key_file.read_text().split()) == 1  # the old key is gone from the file
    assert key_file.stat().st_mode & 0o077 == 0
    assert _clear_in(session) == []
    record = _pulled_payment(town, payment.record_id)
    assert (record["id_number"], record["account"]) == (ID_NUMBER, ACCOUNT)
    [again] = clerk.push(conflicting).results
    assert again.conflicts[0].theirs == ACCOUNT
    [duplicate] = clerk.push(_payment(str(payment.changes["project_id"][1]))).results
    assert duplicate.conflicts[0].type is ConflictType.DUPLICATE  # blind index kept


class Killed(Exception):
    """Stands for the process being killed between two batches."""


def test_rotate_key_goes_on_after_it_was_killed_between_batches(
    enroll: Callable[..., Device],
    session: Session,
    db_url: str,
    key_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    payment, _conflicting = _some_payments(clerk)
    _with_sms(session)
    old = sealing.load_key(db_url).key_id
    batches = 0

    def kill_after_two() -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise Killed

    with pytest.raises(Killed):
        rotate_key(db_url, batch=1, after_batch=kill_after_two)
    assert len(key_file.read_text().split()) == 2  # the new key seals, the old still opens
    new = sealing.load_key(db_url).key_id
    halfway = _key_ids(session)
    assert set().union(*halfway.values()) == {old, new}
    # Central serves in between: what either key sealed opens.
    record = _pulled_payment(town, payment.record_id)
    assert record["id_number"] == ID_NUMBER
    assert central_main(["rotate-key", "--db", db_url]) == 0
    assert f"续完密钥轮换：旧密钥 {old} 已停用，新密钥 {new} 开始加密" in capsys.readouterr().out
    _everything_under(session, new)
    assert len(key_file.read_text().split()) == 1


def test_rotate_key_needs_a_key_file(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(sealing.ENV_KEY, base64.b64encode(os.urandom(32)).decode())
    assert central_main(["rotate-key", "--db", db_url]) == 2
    assert "SANWU_CENTRAL_KEY_FILE" in capsys.readouterr().err
    assert central_main(["rotate-key", "--batch", "0", "--db", db_url]) == 2
    assert "--batch：至少为 1" in capsys.readouterr().err
