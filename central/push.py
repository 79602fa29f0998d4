"""Applying a batch of ops: the heart of central.

One push is one transaction. The records its ops touch are loaded with their
row locks, so two pushes to one record take turns; its new versions get their
change numbers at the very end, from the counter row, just before the commit
(``central.changelog``: gap-free, committed in order, and a pull never reads
past the counter). Scope and role are checked for the whole batch before
anything is applied; then each op, in order, is answered with an OpResult
that is stored by ``op_id``, so a retry after a lost answer gets the very
same answer and nothing is applied twice.

The demo data loader uses the same function, so every record central holds
has versions and change numbers made in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from central.changelog import in_turn
from central.errors import PayloadTooLarge, ReadOnly
from central.findings import central_secret, refresh_fingerprints
from central.push_state import MAX_OP_ID_LENGTH, BatchState, key_of
from central.sms_link import queue_issued_warnings
from central.tables import Device
from models.kinds import (
    KINDS,
    KindSpec,
    timestamp_from_wire,
    timestamp_to_wire,
    wire_to_columns,
)
from models.orgs import in_scope
from models.records import Feedback, RecordColumns
from models.rules.permissions import check_change
from models.validation import FieldError, id_error, normalize, validate_record
from models.visibility import visible_record
from sync.merge import merge_fields
from sync.protocol import (
    PUSH_BATCH_MAX_OPS,
    Action,
    ConflictInfo,
    ConflictType,
    Op,
    OpError,
    OpResult,
    OpStatus,
    Role,
)

__all__ = ["push"]


def push(
    session: Session,
    *,
    device: Device,
    ops: Sequence[Op],
    now: datetime,
    secret: str | None = None,
    rules: bool = True,
) -> list[OpResult]:
    """Apply ``ops`` in order for ``device`` and commit; one OpResult per op, in order.
    ``rules=False`` only for central's own demo data.

    Raises ReadOnly (support role), OutOfScope (any op touching a unit outside
    the device's scope: nothing of the batch is applied), PayloadTooLarge, or Busy
    (PostgreSQL: racing writers to the same rows forced too many fresh starts).
    """
    if not ops:
        return []
    if device.role == Role.SUPPORT:
        raise ReadOnly("the support role may read but not write")
    if len(ops) > PUSH_BATCH_MAX_OPS:
        raise PayloadTooLarge(
            "too_many_ops", f"a push holds at most {PUSH_BATCH_MAX_OPS} ops, got {len(ops)}"
        )

    def attempt() -> list[OpResult]:
        batch = _Batch(
            session,
            device=device,
            now=now,
            rules=rules,
            secret=lambda: central_secret(session, secret),
        )
        results = batch.run(ops)
        refresh_fingerprints(
            session,
            (op.record_id for op in ops if op.kind == "subsidy_payment"),
            secret=batch.at_rest.secret,
            at_rest=batch.at_rest,
        )
        queue_issued_warnings(
            session,
            (
                op.record_id
                for op, result in zip(ops, results, strict=True)
                if op.kind == "warning" and result.status is OpStatus.APPLIED
            ),
        )
        batch.publish()
        session.commit()
        return results

    results = in_turn(session, attempt)
    if any(op.kind == "catalog_item" for op in ops):
        from central.catalogue import refresh_catalogue

        refresh_catalogue(session)  # the catalogue in force is what was just written
    return results


def _rejected(op: Op, code: str, message: str, *, field: str | None = None) -> OpResult:
    return OpResult(
        op_id=op.op_id,
        status=OpStatus.REJECTED,
        error=OpError(code=code, field=field, message=message),
    )


def _with_seq(record: dict[str, Any] | None, row: RecordColumns | None) -> dict[str, Any] | None:
    """A record handed back with a refusal carries its change number, as a pulled one."""
    return None if record is None or row is None else record | {"seq": row.seq}


class _BatchLookup:
    """What the rules read beside the record changed, as the batch has left central."""

    def __init__(self, batch: _Batch) -> None:
        self._batch = batch

    def record(self, kind: str, record_id: str) -> dict[str, Any] | None:
        return self._batch.live_record(kind, record_id)

    def feedback_of(self, warning_id: str) -> list[Mapping[str, Any]]:
        return list(self._batch.feedback_of(warning_id))


class _Batch(BatchState):
    """One push answered op by op over its ``BatchState``."""

    # ------------------------------------------------------------ the batch

    def run(self, ops: Sequence[Op]) -> list[OpResult]:
        self.numbers.begin()
        self._load_stored([op.op_id for op in ops])
        fresh = [op for op in ops if op.op_id not in self.stored and op.kind in KINDS]
        self._load_records(fresh)
        self.out_of_scope = self._check_scope(fresh)
        self._prefetch_keys(fresh)
        results = [self._answer(op) for op in ops]
        self._write()
        return results

    # ------------------------------------------------------------ answering

    def _answer(self, op: Op) -> OpResult:
        if op.op_id in self.answered:  # the same op twice in one batch
            return self.answered[op.op_id]
        stored = self.stored.get(op.op_id)
        if stored is not None:
            if stored.device_id != self.device.id:
                return _rejected(op, "op_id_taken", "this op_id was used by another device")
            result = OpResult.model_validate_json(self.at_rest.open_result(op.op_id, stored.result))
            self.answered[op.op_id] = result
            return result
        if not op.op_id or len(op.op_id) > MAX_OP_ID_LENGTH:
            return _rejected(op, "invalid", "op_id must be 1 to 64 characters", field="op_id")
        result = self._apply(op)
        self.answered[op.op_id] = result
        self.op_rows.append(
            {
                "op_id": op.op_id,
                "device_id": self.device.id,
                "result": result,  # as JSON once its change number is final (publish)
                "at": self.now,
            }
        )
        return result

    def _apply(self, op: Op) -> OpResult:
        spec = KINDS.get(op.kind)
        if spec is None:
            return _rejected(op, "unknown_kind", f"unknown kind {op.kind!r}", field="kind")
        if op.op_id in self.out_of_scope:
            # The unit is not named: a stored record's unit is not this device's to learn.
            message = "a unit outside this device's scope; nothing of the op applied"
            return _rejected(op, "out_of_scope", message, field="org_code")
        if (bad_id := id_error(op.record_id)) is not None:
            return _rejected(op, "invalid", bad_id.message, field="id")
        try:
            recorded_at = timestamp_from_wire(op.recorded_at)
        except (ValueError, TypeError):
            recorded_at = None
        if recorded_at is None:
            return _rejected(
                op, "invalid", "recorded_at must be an ISO 8601 timestamp", field="recorded_at"
            )
        # A record out of the device's reach is, to it, a record central does not hold.
        row = None if op.op_id in self.unreachable else self._row(op.kind, op.record_id)
        if op.action is Action.DELETE:
            refused = self._refused(spec, op, row)
            return refused or self._delete(spec, op, row, recorded_at)
        undelete = op.changes.get("deleted")
        if undelete is not None and (
            op.action is not Action.UPDATE or tuple(undelete) != (True, False)
        ):
            return _rejected(
                op,
                "invalid",
                "an edit may only undelete: {deleted: [true, false]}",
                field="deleted",
            )
        bad = next(
            (name for name in op.changes if name not in spec.field_types and name != "deleted"),
            None,
        )
        if bad is not None:
            return _rejected(op, "unknown_field", f"{op.kind} has no field {bad} to set", field=bad)
        invalid = self._not_canonical(spec, op)
        if invalid is not None:
            return invalid
        if row is None and op.action is not Action.CREATE:
            return _rejected(op, "unknown_record", f"no {op.kind} {op.record_id}")
        refused = self._refused(spec, op, row)
        if refused is not None:
            return refused
        if row is None:
            return self._create(spec, op, recorded_at)
        return self._update(spec, op, row, recorded_at)

    def _refused(self, spec: KindSpec, op: Op, row: RecordColumns | None) -> OpResult | None:
        """The rules both ends apply (models.rules.permissions), judged on central's record
        as it stands; a refusal carries that record back so the device agrees again."""
        if not self.rules or (row is not None and row.deleted):
            return None
        current = self.at_rest.wire(spec, row) if row is not None else None
        changes = op.changes
        if current is not None and op.action is Action.CREATE:
            # A create of a record central holds (sent again to a central restored from
            # a backup) changes only what differs from it: judge those, not the whole.
            changes = {name: pair for name, pair in changes.items() if current.get(name) != pair[1]}
        refusal = check_change(
            self.actor,
            spec.name,
            current,
            changes,
            _BatchLookup(self),
            deleting=op.action is Action.DELETE,
            today=self.now.date(),
        )
        if refusal is None:
            return None
        return OpResult(
            op_id=op.op_id,
            status=OpStatus.REJECTED,
            error=OpError(
                code="forbidden_field",
                field=refusal.field,
                message=f"{refusal.english()} ({refusal.rule}; nothing applied)",
                rule=refusal.rule,
                params=dict(refusal.params),
                record=_with_seq(visible_record(spec, current, self.device.role), row),
            ),
        )

    def feedback_of(self, warning_id: str) -> list[dict[str, Any]]:
        """A warning's live feedback as the batch has left it (its creates inserted first)."""
        waiting = [
            rid
            for rid, cols in self.pending["feedback"].items()
            if cols.get("warning_id") == warning_id
        ]
        for rid in waiting:
            self._row("feedback", rid)
        rows = self.session.exec(
            select(Feedback).where(
                col(Feedback.warning_id) == warning_id, col(Feedback.deleted).is_(False)
            )
        )
        return [self.at_rest.wire(KINDS["feedback"], row) for row in rows]

    def live_record(self, kind: str, record_id: str) -> dict[str, Any] | None:
        spec = KINDS.get(kind)
        if spec is None:
            return None
        row = self._row(kind, record_id)
        if row is None:
            table = spec.table
            row = self.session.get(table, record_id)
            if row is not None:
                self.records[kind][record_id] = row
        return None if row is None or row.deleted else self.at_rest.wire(spec, row)

    def _not_canonical(self, spec: KindSpec, op: Op) -> OpResult | None:
        """Each ``to`` must already be a clean wire value, so both ends hold the same bytes."""
        values = {name: to for name, (_from, to) in op.changes.items() if name != "deleted"}
        clean, errors = normalize(spec.name, values)
        if errors:
            return self._invalid(spec, op, errors)
        for name, value in values.items():
            if clean.get(name) != value:
                return _rejected(
                    op,
                    "invalid",
                    f"{name} is not in its normalised wire form (see models.validation.normalize)",
                    field=name,
                )
        return None

    def _invalid(self, spec: KindSpec, op: Op, errors: Sequence[FieldError]) -> OpResult:
        first = errors[0]
        # models.validation never repeats a value; personal fields get a bare message anyway.
        message = first.message if first.field not in spec.personal else f"{first.field} is invalid"
        return _rejected(op, "invalid", f"{message} ({first.code})", field=first.field)

    def _create(self, spec: KindSpec, op: Op, recorded_at: datetime) -> OpResult:
        record: dict[str, Any] = spec.defaults()
        for name, (_from, to) in op.changes.items():
            record[name] = to
        errors = validate_record(spec.name, record)
        if errors:
            return self._invalid(spec, op, errors)
        if spec.natural_key:
            other = self._key_holder(spec, key_of(spec, record), exclude=op.record_id)
            if other is not None:
                return OpResult(
                    op_id=op.op_id,
                    status=OpStatus.CONFLICT,
                    conflicts=[self._duplicate(spec, record, other)],
                )
        seq = self.numbers.next()
        columns = wire_to_columns(spec, record) | {
            "id": op.record_id,
            "version": 1,
            "deleted": False,
            "updated_by": self.device.id,
            "recorded_at": recorded_at,
            "received_at": self.now,
            "seq": seq,
        }
        self.at_rest.seal_columns(spec, columns, op.record_id)
        self.pending[spec.name][op.record_id] = columns
        if spec.natural_key:
            self.key_owner[spec.name][key_of(spec, record)] = op.record_id
        self._history(
            spec,
            op,
            op.record_id,
            1,
            record["org_code"],
            {name: (None, value) for name, value in record.items()},
            seq,
        )
        return OpResult(
            op_id=op.op_id,
            status=OpStatus.APPLIED,
            version=1,
            seq=seq,
            received_at=timestamp_to_wire(self.now),
        )

    def _update(
        self, spec: KindSpec, op: Op, row: RecordColumns, recorded_at: datetime
    ) -> OpResult:
        current = self.at_rest.wire(spec, row)
        undelete = tuple(op.changes.get("deleted", ())) == (True, False)
        if row.deleted and not undelete:
            mine = {name: to for name, (_from, to) in op.changes.items()}
            conflict = ConflictInfo(
                type=ConflictType.DELETED,
                field="deleted",
                base=False,
                mine=mine,
                theirs=True,
                version=row.version,
                record=current,
            )
            return self._result(op, row, OpStatus.CONFLICT, [conflict])
        outcome = merge_fields(current, op.changes)
        applied: dict[str, Any] = dict(outcome.applied)
        after = current | applied
        errors = [
            error
            for error in validate_record(spec.name, after)
            if error.field in applied or error.field not in spec.field_types
        ]
        if errors:
            return self._invalid(spec, op, errors)
        duplicate: ConflictInfo | None = None
        moved = any(name in applied for name in spec.natural_key)
        if moved and key_of(spec, after) != key_of(spec, current):
            other = self._key_holder(spec, key_of(spec, after), exclude=row.id)
            if other is not None:
                duplicate = self._duplicate(spec, after, other)
                for name in spec.natural_key:
                    applied.pop(name, None)
        if applied:
            changes = {name: (current[name], value) for name, value in applied.items()}
            for name, value in wire_to_columns(spec, applied).items():
                setattr(row, name, self.at_rest.seal_value(spec, name, row.id, value))
            self._bump(spec, row, changes, op, recorded_at)
            if moved and duplicate is None:
                self._move_key(spec, row.id, key_of(spec, current), key_of(spec, after))
        conflicts = [
            ConflictInfo(
                type=ConflictType.FIELD,
                field=conflict.field,
                base=conflict.base,
                mine=conflict.mine,
                theirs=conflict.theirs,
            )
            for conflict in outcome.conflicts
        ]
        if duplicate is not None:
            conflicts.append(duplicate)
        if conflicts:
            record = self.at_rest.wire(spec, row)
            for conflict in conflicts:
                if conflict.type is ConflictType.FIELD:
                    conflict.version = row.version
                    conflict.record = record
        status = OpStatus.APPLIED
        if conflicts:
            status = OpStatus.PARTIAL if applied else OpStatus.CONFLICT
        return self._result(op, row, status, conflicts)

    def _delete(
        self, spec: KindSpec, op: Op, row: RecordColumns | None, recorded_at: datetime
    ) -> OpResult:
        extra = next((name for name in op.changes if name != "deleted"), None)
        if extra is not None:
            return _rejected(op, "unknown_field", "a delete changes only 'deleted'", field=extra)
        change = op.changes.get("deleted")
        if change is not None and list(change) != [False, True]:
            return _rejected(op, "invalid", "a delete is {deleted: [false, true]}", field="deleted")
        if row is None:
            return _rejected(op, "unknown_record", f"no {op.kind} {op.record_id}")
        if row.deleted:
            return self._result(op, row, OpStatus.APPLIED)
        if row.version > op.base_version and self._changed_by_others(spec, row, op.base_version):
            conflict = ConflictInfo(
                type=ConflictType.DELETED,
                field="deleted",
                base=False,
                mine=True,
                theirs=False,
                version=row.version,
                record=self.at_rest.wire(spec, row),
            )
            return self._result(op, row, OpStatus.CONFLICT, [conflict])
        before = self.at_rest.wire(spec, row)
        row.deleted = True
        self._bump(spec, row, {"deleted": (False, True)}, op, recorded_at)
        if spec.natural_key:
            self._move_key(spec, row.id, key_of(spec, before), None)
        return self._result(op, row, OpStatus.APPLIED)

    # ------------------------------------------------------------ helpers

    def _duplicate(
        self, spec: KindSpec, record: Mapping[str, Any], other: RecordColumns
    ) -> ConflictInfo:
        """The key is taken. A holder outside the device's scope is not named (no id, no
        version, no record): uniqueness across units answers without an oracle."""
        visible = in_scope(other.org_code, self.device.scope)
        return ConflictInfo(
            type=ConflictType.DUPLICATE,
            field="+".join(spec.natural_key),
            base=None,
            mine={name: record.get(name) for name in spec.natural_key},
            theirs=other.id if visible else None,
            version=other.version if visible else 0,
            record=self.at_rest.wire(spec, other) if visible else None,
        )

    def _result(
        self,
        op: Op,
        row: RecordColumns,
        status: OpStatus,
        conflicts: list[ConflictInfo] | None = None,
    ) -> OpResult:
        return OpResult(
            op_id=op.op_id,
            status=status,
            version=row.version,
            seq=row.seq,
            received_at=timestamp_to_wire(row.received_at),
            conflicts=conflicts or [],
        )
