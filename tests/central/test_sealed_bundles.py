"""A bundle's personal values at central (``central.bundles``): opened with central's
X25519 key before the push, sealed to the device's key in the reply; a bundle that
central cannot open is refused whole, nothing applied."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from central.bundles import central_encryption_key, import_bundle
from central.clock import utcnow
from central.errors import AuthFailed
from sync.bundle import OpsBundle, open_reply_bundle, read_bundle, write_ops_bundle
from sync.bundle_sealing import (
    Opener,
    Sealer,
    declared_personal,
    new_key,
    open_changes,
    public_from_b64,
    seal_ops,
)
from sync.protocol import Op, OpStatus
from tests.central.conftest import TOWN, VILLAGE, Device, create_op, now_wire

Enroll = Callable[..., Device]
ID_NUMBER = "11010519491231002X"
ACCOUNT = "6217000012345678"
THEIR_ID = "110105195001010012"


def _ops(id_number: str = ID_NUMBER) -> tuple[Op, Op]:
    project = create_op(
        "subsidy_project", org_code=VILLAGE, name="耕地地力保护补贴", category="agriculture"
    )
    payment = create_op(
        "subsidy_payment",
        org_code=VILLAGE,
        project_id=project.record_id,
        recipient_name="张三",
        id_number=id_number,
        amount_fen=10000,
        method="one_card",
        account=ACCOUNT,
    )
    return project, payment


def _bundle(device: Device, ops: list[Op], *, sealed_to: Any) -> bytes:
    if sealed_to is not None:
        ops = seal_ops(Sealer(sealed_to), ops, declared_personal())
    bundle = OpsBundle(device_id=device.device_id, created_at=now_wire(), cursor=0, ops=ops)
    return write_ops_bundle(device.key, bundle, encoding="gzip")


def _inside(data: bytes) -> str:
    """A bundle's content as it is on the stick, once decompressed."""
    *_, payload = read_bundle(data)
    return gzip.decompress(payload).decode("utf-8")


def _payments(session: Session) -> int:
    return int(session.execute(sa.text("SELECT count(*) FROM subsidy_payment")).scalar_one())


def test_a_sealed_bundle_applies_and_its_reply_opens_only_on_the_device(
    enroll: Enroll, session: Session
) -> None:
    clerk, town = enroll(VILLAGE), enroll(TOWN, "town")
    # The town's own payment in the village, pushed online: the reply carries it.
    theirs = _ops(THEIR_ID)
    assert [r.status for r in town.push(*theirs).results] == [OpStatus.APPLIED] * 2
    central_public = public_from_b64(central_encryption_key(session))
    session.commit()
    project, payment = _ops()
    data = _bundle(clerk, [project, payment], sealed_to=central_public)
    inside = _inside(data)
    assert ID_NUMBER not in inside and ACCOUNT not in inside
    assert "张三" in inside, "what is not personal travels as it was"

    outcome = import_bundle(session, data, now=utcnow())
    assert [r.status for r in outcome.results] == [OpStatus.APPLIED, OpStatus.APPLIED]
    # Central holds the payment as an online push leaves it: a device online reads it whole.
    changes, _cursor = town.pull_all()
    [served] = [c.record for c in changes if c.record["id"] == payment.record_id]
    assert (served["id_number"], served["account"]) == (ID_NUMBER, ACCOUNT)

    reply_inside = _inside(outcome.reply)
    for clear in (ID_NUMBER, ACCOUNT, THEIR_ID):
        assert clear not in reply_inside
    reply = open_reply_bundle(_central_signing(session), outcome.reply)
    opened = open_changes(Opener(clerk.encryption), reply.changes, declared_personal())
    [got] = [c.record for c in opened if c.record["id"] == theirs[1].record_id]
    assert (got["id_number"], got["account"]) == (THEIR_ID, ACCOUNT)
    with pytest.raises(ValueError, match="another recipient"):
        open_changes(Opener(town.encryption), reply.changes, declared_personal())


def _central_signing(session: Session) -> Any:
    from central.bundles import central_signing_key

    return central_signing_key(session).public_key()


@pytest.mark.parametrize("sealed_to", ["another central", "nobody"])
def test_a_bundle_central_cannot_open_is_refused_whole(
    enroll: Enroll, session: Session, sealed_to: str
) -> None:
    clerk = enroll(VILLAGE)
    project, payment = _ops()
    key = new_key().public_key() if sealed_to == "another central" else None
    data = _bundle(clerk, [project, payment], sealed_to=key)
    with pytest.raises(AuthFailed) as refused:
        import_bundle(session, data, now=utcnow())
    session.rollback()
    message = str(refused.value)
    assert "nothing applied" in message and f"{payment.record_id}, field" in message
    assert ("another recipient" if key else "in clear") in message
    assert ID_NUMBER not in message and ACCOUNT not in message
    assert _payments(session) == 0
    assert int(session.execute(sa.text("SELECT count(*) FROM subsidy_project")).scalar_one()) == 0


def test_a_device_enrolled_before_sealing_is_told_to_enroll_again(
    enroll: Enroll, session: Session
) -> None:
    old = enroll(VILLAGE, encrypts=False)
    central_public = public_from_b64(central_encryption_key(session))
    data = _bundle(old, list(_ops()), sealed_to=central_public)
    with pytest.raises(AuthFailed, match="enrolled before bundles were sealed") as refused:
        import_bundle(session, data, now=utcnow())
    session.rollback()
    assert "enroll --force" in str(refused.value)
    assert _payments(session) == 0


def test_central_keeps_one_encryption_key_sealed(enroll: Enroll, session: Session) -> None:
    first = central_encryption_key(session)
    session.commit()
    assert central_encryption_key(session) == first
    stored = session.execute(
        sa.text("SELECT value FROM central_setting WHERE key = 'bundle_encryption_key'")
    ).scalar_one()
    assert stored.startswith("sc1:"), "the private key is sealed with central's data key"
    device = enroll(VILLAGE)
    kept = session.execute(
        sa.text("SELECT encryption_key FROM device WHERE id = :id"), {"id": device.device_id}
    ).scalar_one()
    from sync.bundle_sealing import public_b64

    assert kept == public_b64(device.encryption)
