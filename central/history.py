"""A record's history (every version: who, when, what changed), masked for showing."""

from __future__ import annotations

from sqlmodel import Session, col, select

from central.at_rest import AtRest
from central.errors import NotFound
from central.tables import Device, RecordVersion
from models.kinds import KINDS, timestamp_to_wire
from models.masking import mask_record
from models.orgs import in_scope
from models.visibility import reads
from sync.protocol_history import HistoryEntry, HistoryResponse

__all__ = ["HistoryEntry", "HistoryResponse", "history"]


def history(session: Session, *, device: Device, kind: str, record_id: str) -> HistoryResponse:
    """Every version of one record in the device's scope, oldest first."""
    spec = KINDS.get(kind)
    if spec is None:
        raise NotFound("unknown_kind", f"unknown kind {kind!r}")
    row = session.get(spec.table, record_id)
    # A record out of the device's reach is answered exactly as one that does not exist.
    if row is None or not in_scope(row.org_code, device.scope) or not reads(spec, device.role):
        raise NotFound("unknown_record", f"no {kind} {record_id}")
    stmt = (
        select(RecordVersion)
        .where(col(RecordVersion.kind) == kind, col(RecordVersion.record_id) == record_id)
        .order_by(col(RecordVersion.version))
    )
    entries = []
    at_rest = AtRest.of(session)
    for version in session.exec(stmt):
        changes = at_rest.open_changes(spec, record_id, version.version, version.changes)
        before = mask_record(kind, {name: pair[0] for name, pair in changes.items()})
        after = mask_record(kind, {name: pair[1] for name, pair in changes.items()})
        entries.append(
            HistoryEntry(
                version=version.version,
                seq=version.seq,
                device_id=version.device_id,
                op_id=version.op_id,
                at=timestamp_to_wire(version.at) or "",
                org_code=version.org_code,
                changes={name: [before[name], after[name]] for name in changes},
            )
        )
    return HistoryResponse(kind=kind, record_id=record_id, versions=entries)
