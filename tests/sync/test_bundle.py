"""Bundles for sync by file: round trip, and every kind of damage refused."""

from __future__ import annotations

import pytest

from sync.bundle import (
    MAGIC,
    BundleError,
    OpsBundle,
    ReplyBundle,
    derive_signing_key,
    open_ops_bundle,
    open_reply_bundle,
    read_bundle,
    write_ops_bundle,
    write_reply_bundle,
)
from sync.compression import supported
from sync.protocol import Action, AuditLink, Change, Op, OpResult, OpStatus
from sync.signing import new_private_key

DEVICE = "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"


def _bundle() -> OpsBundle:
    op = Op(
        op_id="op-1",
        kind="disclosure",
        record_id="rec-1",
        action=Action.CREATE,
        changes={"title": (None, "十月财务公开")},
        recorded_at="2031-10-01T00:00:00Z",
    )
    return OpsBundle(
        device_id=DEVICE,
        created_at="2031-10-02T00:00:00Z",
        cursor=7,
        ops=[op],
        audit=[AuditLink(id=1, digest="ab" * 16, hash="cd" * 32)],
    )


@pytest.mark.parametrize("encoding", supported())
def test_round_trip(encoding: str) -> None:
    key = new_private_key()
    data = write_ops_bundle(key, _bundle(), encoding=encoding)
    assert data.startswith(MAGIC)
    header, _signed, signature, _payload = read_bundle(data)
    assert (header.type, header.encoding, header.device_id) == ("ops", encoding, DEVICE)
    assert len(signature) == 64
    assert open_ops_bundle(key.public_key(), data) == _bundle()


def test_reply_round_trip_with_derived_key() -> None:
    key = derive_signing_key(b"central secret")
    assert derive_signing_key(b"central secret").public_key() == key.public_key()
    reply = ReplyBundle(
        device_id=DEVICE,
        created_at="2031-10-02T00:00:00Z",
        results=[OpResult(op_id="op-1", status=OpStatus.APPLIED, version=1, seq=9)],
        audit_last=1,
        changes=[Change(kind="disclosure", seq=10, record={"id": "rec-2"})],
        cursor=10,
    )
    data = write_reply_bundle(key, reply)
    assert open_reply_bundle(key.public_key(), data) == reply
    other = derive_signing_key(b"another secret")
    with pytest.raises(BundleError, match="signature"):
        open_reply_bundle(other.public_key(), data)
    with pytest.raises(BundleError, match="expected a bundle of ops"):
        open_ops_bundle(key.public_key(), data)


def test_a_flipped_byte_anywhere_is_refused() -> None:
    key = new_private_key()
    data = write_ops_bundle(key, _bundle())
    for index in range(len(data)):
        damaged = bytearray(data)
        damaged[index] ^= 0x01
        with pytest.raises(BundleError):
            open_ops_bundle(key.public_key(), bytes(damaged))


def test_another_key_is_refused() -> None:
    data = write_ops_bundle(new_private_key(), _bundle())
    with pytest.raises(BundleError, match="signature"):
        open_ops_bundle(new_private_key().public_key(), data)


def test_truncated_or_extended_is_refused() -> None:
    key = new_private_key()
    data = write_ops_bundle(key, _bundle())
    for cut in (0, 5, len(MAGIC), len(MAGIC) + 10, len(data) - 64, len(data) - 1):
        with pytest.raises(BundleError):
            open_ops_bundle(key.public_key(), data[:cut])
    with pytest.raises(BundleError):
        open_ops_bundle(key.public_key(), data + b"\x00")
    with pytest.raises(BundleError, match="not a Sanwu bundle"):
        read_bundle(b"PK\x03\x04 a zip file")
