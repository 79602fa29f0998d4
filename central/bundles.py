"""Sync by file: import a device's signed ops bundle, answer with a signed reply bundle.

The ops go through the same push service as an online push (idempotent by op_id:
a bundle imported twice applies nothing the second time, its ops get their stored
answers) and the audit links through the same chain check; its files through the
same rules as an upload (named by a record in scope, bytes that hash to the digest).
The reply carries the results, every change after the bundle's cursor in the
device's scope, which files central now holds, and the files the village asked
for, signed with central's bundle key (``central_key``, derived from central's
secret).

Personal values travel sealed (``sync.bundle_sealing``): the device seals its ops'
to central's X25519 key (``central_encryption_key``), opened here before the push
(one that does not open refuses the whole bundle, nothing applied); the reply's are
sealed to the device's key, sent at its enrollment. Central's X25519 private key is
made at random on first use and kept in ``central_setting``, sealed with central's
data key (``central.sealing``): a copied database alone does not open a bundle.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from central.attachments import read_whole, store_whole
from central.clock import utcnow
from central.db import make_engine
from central.errors import AuthFailed, BadRequest, PayloadTooLarge, ProtocolMismatch
from central.findings import central_secret, check_audit
from central.pull import pull
from central.push import push
from central.sealing import load_key
from central.tables import CentralSetting, Device
from models.kinds import timestamp_to_wire
from sync.bundle import (
    BUNDLE_FILE_BYTES,
    BundleError,
    BundleFile,
    ReplyBundle,
    derive_signing_key,
    open_ops_bundle,
    read_bundle,
    write_reply_bundle,
)
from sync.bundle_sealing import (
    Opener,
    Sealer,
    SealError,
    declared_personal,
    new_key,
    open_ops,
    private_b64,
    private_from_b64,
    public_b64,
    public_from_b64,
    seal_changes,
    seal_results,
)
from sync.protocol import PROTOCOL_VERSION, PULL_PAGE_MAX, PUSH_BATCH_MAX_OPS, Change, OpResult
from sync.signing import public_key_from_b64

__all__ = [
    "ImportOutcome",
    "central_encryption_key",
    "central_key",
    "central_signing_key",
    "import_bundle",
]

MAX_REPLY_PAGES = 1000
"""A bound on the pull loop of one reply (a page holds up to PULL_PAGE_MAX changes)."""
MAX_BUNDLE_OPS = 200_000
ENCRYPTION_SETTING = "bundle_encryption_key"
"""The ``central_setting`` row of central's X25519 private key (sealed with its data key)."""
NO_DEVICE_KEY = (
    "device {device} was enrolled before bundles were sealed, so central cannot seal its "
    "reply: give it a new enrollment code (`sanwu central enroll-code`, then "
    "`sanwu enroll --force` on the device)"
)


def central_signing_key(session: Session, configured: str | None = None) -> Ed25519PrivateKey:
    """Central's bundle key: HKDF-SHA256 of its secret (see central.findings.central_secret)."""
    return derive_signing_key(central_secret(session, configured))


def central_key(session: Session, configured: str | None = None) -> str:
    """Central's bundle public key, raw and base64, as devices keep it."""
    public = central_signing_key(session, configured).public_key()
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def central_encryption_private(session: Session) -> X25519PrivateKey:
    """Central's X25519 key: made at random the first time (two at once: one wins), kept
    sealed with central's data key; CentralKeyError when central has no data key."""
    data_key = load_key(session.get_bind().engine.url)
    row = session.get(CentralSetting, ENCRYPTION_SETTING)
    if row is None:
        sealed = data_key.seal(
            "central_setting", "value", ENCRYPTION_SETTING, private_b64(new_key())
        )
        try:
            with session.begin_nested():
                session.add(CentralSetting(key=ENCRYPTION_SETTING, value=sealed))
        except IntegrityError:
            pass
        row = session.get_one(CentralSetting, ENCRYPTION_SETTING)
    return private_from_b64(
        data_key.open("central_setting", "value", ENCRYPTION_SETTING, row.value)
    )


def central_encryption_key(session: Session) -> str:
    """Central's X25519 public key, raw and base64, as enrollment hands it to devices."""
    return public_b64(central_encryption_private(session))


@dataclass(frozen=True)
class ImportOutcome:
    reply: bytes
    device_id: str
    results: list[OpResult]
    changes: int
    files_stored: int = 0
    files_sent: int = 0


def import_bundle(
    session: Session, data: bytes, *, now: datetime, secret: str | None = None
) -> ImportOutcome:
    """Verify a device's bundle, apply it as a push and build the signed reply.

    Raises AuthFailed (unknown or revoked device, bad signature: nothing applied),
    BadRequest (not a bundle), ProtocolMismatch, and whatever the push refuses.
    """
    try:
        header, *_ = read_bundle(data)
    except BundleError as exc:
        raise BadRequest("bad_bundle", str(exc)) from None
    if header.type != "ops":
        raise BadRequest("bad_bundle", "this is a reply bundle, not a device's bundle")
    device = session.get(Device, header.device_id)
    if device is None:
        raise AuthFailed("unknown_device", f"no device {header.device_id[:36]}")
    if device.revoked_at is not None:
        raise AuthFailed("revoked", f"device {device.id} is revoked: its bundle is refused")
    try:
        bundle = open_ops_bundle(public_key_from_b64(device.public_key), data)
    except BundleError as exc:
        raise AuthFailed("bad_signature", f"bundle refused: {exc}") from None
    if bundle.protocol != PROTOCOL_VERSION:
        raise ProtocolMismatch(
            "protocol",
            f"central speaks protocol {PROTOCOL_VERSION}, the bundle says {bundle.protocol}",
        )
    if len(bundle.ops) > MAX_BUNDLE_OPS:
        raise PayloadTooLarge("too_many_ops", f"a bundle holds at most {MAX_BUNDLE_OPS} ops")
    if not device.encryption_key:
        raise AuthFailed("no_encryption_key", NO_DEVICE_KEY.format(device=device.id))
    personal = declared_personal()
    opener = Opener(central_encryption_private(session))
    try:
        ops = open_ops(opener, bundle.ops, personal)
    except SealError as exc:
        raise AuthFailed(
            "sealed_value", f"bundle refused, nothing applied: a personal value of {exc}"
        ) from None
    results: list[OpResult] = []
    for start in range(0, len(ops), PUSH_BATCH_MAX_OPS):
        batch = ops[start : start + PUSH_BATCH_MAX_OPS]
        results.extend(push(session, device=device, ops=batch, now=now, secret=secret))
    check_audit(session, device=device, links=bundle.audit, now=now)
    audit_last = max((link.id for link in bundle.audit), default=0)
    changes: list[Change] = []
    cursor = bundle.cursor
    for _page in range(MAX_REPLY_PAGES):
        page = pull(session, device=device, after=cursor, limit=PULL_PAGE_MAX)
        changes.extend(page.changes)
        cursor = page.cursor
        if not page.more:
            break
    key = central_signing_key(session, secret)
    session.commit()  # a secret made just now is kept, so later replies verify
    stored = [
        item.digest
        for item in bundle.files
        if store_whole(session, device=device, digest=item.digest, data=item.data, now=now)
    ]
    sealer = Sealer(public_from_b64(device.encryption_key))
    reply = ReplyBundle(
        device_id=device.id,
        created_at=timestamp_to_wire(now) or "",
        results=seal_results(sealer, results, {op.op_id: op for op in ops}, personal),
        audit_last=audit_last,
        changes=seal_changes(sealer, changes, personal),
        cursor=cursor,
        files_stored=stored,
        files=_asked_for(session, device, bundle.wanted),
    )
    return ImportOutcome(
        write_reply_bundle(key, reply),
        device.id,
        results,
        len(changes),
        files_stored=len(stored),
        files_sent=len(reply.files),
    )


def _asked_for(session: Session, device: Device, wanted: list[str]) -> list[BundleFile]:
    """The files a village asked for that central has and it may see, up to the budget."""
    files: list[BundleFile] = []
    budget = BUNDLE_FILE_BYTES
    for digest in dict.fromkeys(wanted):
        data = read_whole(session, device=device, digest=digest)
        if data is None or len(data) > budget:
            continue
        budget -= len(data)
        files.append(BundleFile(digest=digest, data=data))
    return files


def import_bundle_file(
    db_url: str, data: bytes, *, now: datetime | None = None, secret: str | None = None
) -> ImportOutcome:
    """``import_bundle`` over its own engine, for the CLI."""
    engine = make_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return import_bundle(session, data, now=now or utcnow(), secret=secret)
    finally:
        engine.dispose()
