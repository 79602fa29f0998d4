"""Sync by file on the device's side: write the ops bundle, import central's reply.

Exporting marks nothing: the ops stay in the outbox until a reply (or an online push)
answers them, the audit entries stay unacknowledged and the files stay to send. The
bundle also carries the files the records name that central may lack (up to
BUNDLE_FILE_BYTES; the rest go in the next one) and the digests asked for here.
Importing a reply applies the results of the ops still waiting, acknowledges the
audit entries central checked, stores the changes (moving the cursor), marks the
files central now holds and keeps the files it sent; a reply imported twice changes
nothing.

Personal values travel sealed (``sync.bundle_sealing``): to central's X25519 key in the
bundle, to this device's in the reply. A device enrolled before keys were exchanged
refuses to export (its bundle would carry them in clear): it enrolls again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from client.attachments import Attachments
from client.crypto import Locked
from client.errors import PERSONS_TO_FIX, StoreError
from client.i18n import _
from client.store import Store, utcnow
from client.sync_lock import sync_lock
from models.kinds import timestamp_to_wire
from sync.bundle import (
    BUNDLE_FILE_BYTES,
    BundleError,
    BundleFile,
    OpsBundle,
    open_reply_bundle,
    write_ops_bundle,
)
from sync.bundle_sealing import (
    Opener,
    Sealer,
    SealError,
    declared_personal,
    open_changes,
    open_results,
    public_from_b64,
    seal_ops,
)
from sync.failures import Failure
from sync.protocol import OpStatus, PullResponse
from sync.signing import public_key_from_b64

__all__ = ["ExportOutcome", "NoBundleKeys", "ReplyOutcome", "export_bundle", "import_reply"]

MAX_EXPORT = 1_000_000
"""Ops and audit links one bundle holds at most (a village's outbox is far smaller)."""

NO_CENTRAL_KEY = (
    "this device was enrolled before central signed reply bundles, so a reply cannot be "
    "checked: enroll again (`sanwu enroll --force`) to import replies"
)
NO_ENCRYPTION_KEY = (
    "this device was enrolled before bundles were encrypted, so a reply's personal values "
    "cannot be opened: enroll again (`sanwu enroll --force`) to import replies"
)


class NoBundleKeys(StoreError):
    """The device has no encryption keys (enrolled before they were exchanged): its bundle
    would carry ID numbers and accounts in clear, so none is written."""

    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self) -> None:
        super().__init__("no bundle encryption keys")

    def __str__(self) -> str:
        return _(
            "this device was enrolled before USB bundles were encrypted, so a bundle would "
            "carry ID numbers and accounts in clear: nothing was written. Ask the "
            "administrator for a new enrollment code and enroll again (`sanwu enroll "
            "--force`; nothing entered here is lost), then export again."
        )


@dataclass(frozen=True)
class ExportOutcome:
    data: bytes
    ops: int
    audit: int
    files: int = 0
    wanted: int = 0


@dataclass(frozen=True)
class ReplyOutcome:
    answered: int
    conflicts: int
    rejected: int
    pulled: int
    files_stored: int = 0
    files_received: int = 0


def export_bundle(store: Store) -> ExportOutcome:
    """Every pending op and the unacknowledged audit links (anchor first), signed."""
    identity = store.require_identity()
    if identity.private_key is None:
        raise Locked()
    if not identity.central_encryption_key:
        raise NoBundleKeys()
    try:
        sealer = Sealer(public_from_b64(identity.central_encryption_key))
    except ValueError:
        raise NoBundleKeys() from None
    with sync_lock(store.home):
        ops = [op for _seq, op in store.pending_ops(after_seq=0, limit=MAX_EXPORT)]
        audit = store.audit_segment(limit=MAX_EXPORT)
        attachments = Attachments(store)
        files: list[BundleFile] = []
        budget = BUNDLE_FILE_BYTES
        for ref in attachments.uploads(limit=MAX_EXPORT):
            if ref.size <= budget:
                files.append(BundleFile(digest=ref.digest, data=attachments.blob(ref.digest)))
                budget -= ref.size
        bundle = OpsBundle(
            device_id=identity.device_id,
            created_at=timestamp_to_wire(utcnow()) or "",
            cursor=store.cursor(),
            ops=seal_ops(sealer, ops, declared_personal()),
            audit=audit,
            files=files,
            wanted=attachments.wanted(limit=MAX_EXPORT),
        )
    return ExportOutcome(
        write_ops_bundle(identity.private_key, bundle),
        len(ops),
        len(audit),
        files=len(files),
        wanted=len(bundle.wanted),
    )


def import_reply(store: Store, data: bytes) -> ReplyOutcome:
    """Verify central's reply with the key kept at enrollment, then apply it (BundleError
    when it is not for this device, tampered with or signed by another key)."""
    identity = store.require_identity()
    if not identity.central_key:
        raise BundleError(NO_CENTRAL_KEY)
    try:
        key = public_key_from_b64(identity.central_key)
    except ValueError:
        raise BundleError(NO_CENTRAL_KEY) from None
    reply = open_reply_bundle(key, data)
    if reply.device_id != identity.device_id:
        raise BundleError("this reply is for another device")
    if identity.encryption_key is None:
        if store.locked:
            raise Locked()
        raise BundleError(NO_ENCRYPTION_KEY)
    opener = Opener(identity.encryption_key)
    personal = declared_personal()
    with sync_lock(store.home):
        waiting = {op.op_id: op for _seq, op in store.pending_ops(after_seq=0, limit=MAX_EXPORT)}
        try:
            results = open_results(
                opener, [r for r in reply.results if r.op_id in waiting], waiting, personal
            )
            changes = open_changes(opener, reply.changes, personal)
        except SealError as exc:
            raise BundleError(f"a personal value of {exc}; nothing was applied") from None
        ops = [waiting[r.op_id] for r in results]
        conflicts = store.apply_push_results(ops, results) if results else 0
        if reply.audit_last:
            store.ack_audit(reply.audit_last)
        pulled = 0
        if reply.cursor > store.cursor():  # an older reply's changes are here already
            page = PullResponse(changes=changes, cursor=reply.cursor, more=False)
            pulled = store.apply_pull(page)
        attachments = Attachments(store)
        attachments.mark_synced(reply.files_stored)
        received = sum(attachments.receive(item.digest, item.data) for item in reply.files)
    return ReplyOutcome(
        answered=len(results),
        conflicts=conflicts,
        rejected=sum(r.status is OpStatus.REJECTED for r in results),
        pulled=pulled,
        files_stored=len(reply.files_stored),
        files_received=received,
    )
