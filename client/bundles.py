"""Sync by file on the device's side: write the ops bundle, import central's reply.

Exporting marks nothing: the ops stay in the outbox until a reply (or an online push)
answers them, and the audit entries stay unacknowledged. Importing a reply applies
the results of the ops still waiting, acknowledges the audit entries central checked
and stores the changes, moving the cursor; a reply imported twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from client.crypto import Locked
from client.store import Store, utcnow
from client.sync_lock import sync_lock
from models.kinds import timestamp_to_wire
from sync.bundle import BundleError, OpsBundle, open_reply_bundle, write_ops_bundle
from sync.protocol import OpStatus, PullResponse
from sync.signing import public_key_from_b64

__all__ = ["ExportOutcome", "ReplyOutcome", "export_bundle", "import_reply"]

MAX_EXPORT = 1_000_000
"""Ops and audit links one bundle holds at most (a village's outbox is far smaller)."""

NO_CENTRAL_KEY = (
    "this device was enrolled before central signed reply bundles, so a reply cannot be "
    "checked: enroll again (`sanwu enroll --force`) to import replies"
)


@dataclass(frozen=True)
class ExportOutcome:
    data: bytes
    ops: int
    audit: int


@dataclass(frozen=True)
class ReplyOutcome:
    answered: int
    conflicts: int
    rejected: int
    pulled: int


def export_bundle(store: Store) -> ExportOutcome:
    """Every pending op and the unacknowledged audit links (anchor first), signed."""
    identity = store.require_identity()
    if identity.private_key is None:
        raise Locked()
    with sync_lock(store.home):
        ops = [op for _seq, op in store.pending_ops(after_seq=0, limit=MAX_EXPORT)]
        audit = store.audit_segment(limit=MAX_EXPORT)
        bundle = OpsBundle(
            device_id=identity.device_id,
            created_at=timestamp_to_wire(utcnow()) or "",
            cursor=store.cursor(),
            ops=ops,
            audit=audit,
        )
    return ExportOutcome(write_ops_bundle(identity.private_key, bundle), len(ops), len(audit))


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
    with sync_lock(store.home):
        waiting = {op.op_id: op for _seq, op in store.pending_ops(after_seq=0, limit=MAX_EXPORT)}
        results = [r for r in reply.results if r.op_id in waiting]
        ops = [waiting[r.op_id] for r in results]
        conflicts = store.apply_push_results(ops, results) if results else 0
        if reply.audit_last:
            store.ack_audit(reply.audit_last)
        pulled = 0
        if reply.cursor > store.cursor():  # an older reply's changes are here already
            page = PullResponse(changes=reply.changes, cursor=reply.cursor, more=False)
            pulled = store.apply_pull(page)
    return ReplyOutcome(
        answered=len(results),
        conflicts=conflicts,
        rejected=sum(r.status is OpStatus.REJECTED for r in results),
        pulled=pulled,
    )
