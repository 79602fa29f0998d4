"""Sync by file on the device, personal values sealed (client.bundles): the bundle on the
stick holds no ID number or account in clear, the reply's open with this device's key
only, and a device enrolled before keys were exchanged writes no bundle at all."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from client.bundles import NoBundleKeys, export_bundle, import_reply
from client.cli import main
from client.i18n import set_language
from client.identity import Identity
from client.store import Store
from models.kinds import kind_spec
from sync.bundle import (
    BundleError,
    ReplyBundle,
    derive_signing_key,
    open_ops_bundle,
    read_bundle,
    write_reply_bundle,
)
from sync.bundle_sealing import (
    Opener,
    Sealer,
    declared_personal,
    new_key,
    open_ops,
    public_b64,
    seal_changes,
)
from sync.protocol import Change
from sync.signing import new_private_key, public_key_b64
from tests.stores import open_store

VILLAGE = "150202101200"
ID_NUMBER = "11010519491231002X"
ACCOUNT = "6217000012345678"
THEIR_ID = "110105195001010012"
CENTRAL_SECRET = b"this central's secret"
CENTRAL_BOX = new_key()
"""Central's X25519 key, as enrollment gives its public half to the device."""
DEVICE_BOX = new_key()


def _identity(*, sealing: bool = True) -> Identity:
    signing = derive_signing_key(CENTRAL_SECRET)
    return Identity(
        device_id="dev-1",
        private_key=new_private_key(),
        server_url="http://127.0.0.1:9",
        org_code=VILLAGE,
        org_name="黑麻板村",
        role="clerk",
        scope=VILLAGE,
        central_key=public_key_b64(signing),
        encryption_key=DEVICE_BOX if sealing else None,
        central_encryption_key=public_b64(CENTRAL_BOX) if sealing else "",
    )


@pytest.fixture
def clerk(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "home") as store:
        store.save_identity(_identity())
        yield store


def _payment(store: Store) -> str:
    project = store.add(
        "subsidy_project", {"org_code": VILLAGE, "category": "agriculture", "name": "耕地地力保护"}
    )
    return store.add(
        "subsidy_payment",
        {
            "org_code": VILLAGE,
            "project_id": project,
            "recipient_name": "张三",
            "id_number": ID_NUMBER,
            "amount_fen": 120000,
            "method": "one_card",
            "account": ACCOUNT,
        },
    )


def _inside(data: bytes) -> bytes:
    header, *_, payload = read_bundle(data)
    if header.encoding == "gzip":
        return gzip.decompress(payload)
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj().decompress(payload)


def test_the_bundle_on_the_stick_holds_no_personal_value_in_clear(clerk: Store) -> None:
    payment = _payment(clerk)
    out = export_bundle(clerk)
    inside = _inside(out.data)
    assert b"\xe5\xbc\xa0\xe4\xb8\x89" in inside, "张三 (not personal) travels as it was"
    for clear in (ID_NUMBER, ACCOUNT):
        assert clear.encode() not in inside
    identity = clerk.require_identity()
    assert identity.private_key is not None
    bundle = open_ops_bundle(identity.private_key.public_key(), out.data)
    opened = open_ops(Opener(CENTRAL_BOX), bundle.ops, declared_personal())
    [op] = [op for op in opened if op.record_id == payment]
    assert (op.changes["id_number"][1], op.changes["account"][1]) == (ID_NUMBER, ACCOUNT)
    # Another central's key does not open them.
    with pytest.raises(ValueError, match="another recipient"):
        open_ops(Opener(new_key()), bundle.ops, declared_personal())


def _their_payment(clerk: Store, seq: int) -> Change:
    project = clerk.list_records("subsidy_project")[0]["id"]
    record: dict[str, Any] = {
        **kind_spec("subsidy_payment").defaults(),
        "id": "0190aaaa-bbbb-7ccc-8ddd-000000000001",
        "org_code": VILLAGE,
        "project_id": project,
        "recipient_name": "李四",
        "id_number": THEIR_ID,
        "amount_fen": 5000,
        "method": "one_card",
        "account": ACCOUNT,
        "version": 1,
        "deleted": False,
        "updated_by": "dev-town",
        "recorded_at": "2031-07-01T08:00:00Z",
        "received_at": "2031-07-01T08:00:01Z",
        "seq": seq,
    }
    return Change(kind="subsidy_payment", seq=seq, record=record)


def _reply(clerk: Store, sealed_for: Any) -> bytes:
    change = _their_payment(clerk, clerk.cursor() + 1)
    changes = seal_changes(Sealer(sealed_for), [change], declared_personal())
    reply = ReplyBundle(
        device_id="dev-1", created_at="2031-07-02T00:00:00Z", changes=changes, cursor=change.seq
    )
    return write_reply_bundle(derive_signing_key(CENTRAL_SECRET), reply)


def test_a_reply_opens_with_this_devices_key_only(clerk: Store) -> None:
    _payment(clerk)
    cursor = clerk.cursor()
    stranger = _reply(clerk, new_key().public_key())
    assert THEIR_ID.encode() not in _inside(stranger)
    with pytest.raises(BundleError, match="another recipient") as refused:
        import_reply(clerk, stranger)
    assert "nothing was applied" in str(refused.value) and THEIR_ID not in str(refused.value)
    assert clerk.cursor() == cursor
    assert all(p["id_number"] != THEIR_ID for p in clerk.list_records("subsidy_payment"))

    got = import_reply(clerk, _reply(clerk, DEVICE_BOX.public_key()))
    assert got.pulled == 1
    [theirs] = [p for p in clerk.list_records("subsidy_payment") if p["recipient_name"] == "李四"]
    assert (theirs["id_number"], theirs["account"]) == (THEIR_ID, ACCOUNT)


def test_the_keys_survive_a_lock_and_an_unlock(tmp_path: Path) -> None:
    with open_store(tmp_path / "home") as store:
        store.save_identity(_identity())
    with open_store(tmp_path / "home", passphrase=None) as locked:
        identity = locked.require_identity()
        assert identity.encryption_key is None
        assert identity.central_encryption_key == public_b64(CENTRAL_BOX)
    with open_store(tmp_path / "home") as store:
        kept = store.require_identity().encryption_key
        assert kept is not None and public_b64(kept) == public_b64(DEVICE_BOX)


@pytest.fixture
def language_back() -> Iterator[None]:
    yield
    set_language(None)


@pytest.mark.usefixtures("language_back")
def test_a_device_enrolled_before_writes_no_bundle(
    tmp_path: Path, cli_passphrase: str, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    with open_store(home) as store:
        store.save_identity(_identity(sealing=False))
        _payment(store)
        with pytest.raises(NoBundleKeys):
            export_bundle(store)
        # Nor can it open a reply: it has no key to open one with.
        with pytest.raises(BundleError, match="enroll again"):
            import_reply(store, _reply(store, new_key().public_key()))
    out = tmp_path / "ops.bundle"
    assert main(["--home", str(home), "sync", "--export", str(out)]) == 2
    error = capsys.readouterr().err
    assert "重新注册" in error and "明文" in error, error
    assert not out.exists()
    # Enrolled again (keys exchanged), the same pending ops export.
    with open_store(home) as store:
        store.save_identity(replace(_identity(), device_id="dev-2"))
        assert export_bundle(store).ops == 2
