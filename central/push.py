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

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col, func, select

from central.changelog import Numbering, in_turn
from central.errors import PayloadTooLarge, ReadOnly
from central.findings import central_secret, refresh_fingerprints
from central.sms_link import queue_issued_warnings
from central.tables import Device, OpResultRow, RecordVersion, live
from models.kinds import (
    KINDS,
    KindSpec,
    row_to_wire,
    timestamp_from_wire,
    timestamp_to_wire,
    wire_to_columns,
)
from models.orgs import in_scope, is_org_code
from models.records import Feedback, RecordColumns
from models.rules.actors import Actor
from models.rules.permissions import check_change
from models.validation import FieldError, normalize, validate_record
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

_CHUNK = 500
"""Rows per IN (...) query: well under SQLite's and PostgreSQL's parameter limits."""
MAX_ID_LENGTH = 36
MAX_OP_ID_LENGTH = 64

Key = tuple[Any, ...]


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
        batch = _Batch(session, device=device, now=now, rules=rules)
        results = batch.run(ops)
        refresh_fingerprints(
            session,
            (op.record_id for op in ops if op.kind == "subsidy_payment"),
            secret=central_secret(session, secret),
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


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _rejected(op: Op, code: str, message: str, *, field: str | None = None) -> OpResult:
    return OpResult(
        op_id=op.op_id,
        status=OpStatus.REJECTED,
        error=OpError(code=code, field=field, message=message),
    )


def _with_seq(record: dict[str, Any] | None, row: RecordColumns | None) -> dict[str, Any] | None:
    """A record handed back with a refusal carries its change number, as a pulled one."""
    return None if record is None or row is None else record | {"seq": row.seq}


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _key(spec: KindSpec, record: Mapping[str, Any]) -> Key:
    return tuple(record.get(name) for name in spec.natural_key)


class _BatchLookup:
    """What the rules read beside the record changed, as the batch has left central."""

    def __init__(self, batch: _Batch) -> None:
        self._batch = batch

    def record(self, kind: str, record_id: str) -> dict[str, Any] | None:
        return self._batch.live_record(kind, record_id)

    def feedback_of(self, warning_id: str) -> list[Mapping[str, Any]]:
        return list(self._batch.feedback_of(warning_id))


class _Batch:
    """The state of one push: records loaded for the batch, natural keys seen, the change
    numbers (provisional until ``publish``)."""

    def __init__(
        self, session: Session, *, device: Device, now: datetime, rules: bool = True
    ) -> None:
        self.session = session
        self.device = device
        self.actor = Actor(device.role, device.org_code, tuple(device.scope.split(",")))
        self.rules = rules
        """False only for central's own demo data (written in whatever state it shows)."""
        self.now = now
        self.numbers = Numbering(session)
        self.records: dict[str, dict[str, RecordColumns]] = {name: {} for name in KINDS}
        self.key_owner: dict[str, dict[Key, str | None]] = {name: {} for name in KINDS}
        """Per kind: natural key -> id of the live record holding it (None: known free)."""
        self.pending: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in KINDS}
        """Per kind: records created in this batch, as column values, inserted in bulk at the
        end (building thousands of ORM objects costs more than the rest of a push)."""
        self.versions: list[dict[str, Any]] = []
        self.op_rows: list[dict[str, Any]] = []
        self.stored: dict[str, OpResultRow] = {}
        self.answered: dict[str, OpResult] = {}
        self.out_of_scope: dict[str, str] = {}
        """op_id -> the unit outside the device's scope that the op touches."""

    # ------------------------------------------------------------ loading

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

    def _write(self) -> None:
        """The batch's records, in bulk: ORM changes first (they may free natural keys)."""
        self.session.flush()
        for kind, rows in self.pending.items():
            if rows:
                self.session.execute(insert(_table(KINDS[kind].table)), list(rows.values()))

    def publish(self) -> None:
        """Final change numbers for the batch's versions, then the change log and the
        stored answers; the caller commits at once (the counter row is held till then)."""
        self.session.flush()
        kinds = sorted({v["kind"] for v in self.versions})
        self.numbers.publish([_table(KINDS[kind].table) for kind in kinds])
        final = self.numbers.final
        for rows in self.records.values():
            for row in rows.values():
                if row.seq < 0:  # the database has the final number already
                    set_committed_value(row, "seq", final(row.seq))
        for version in self.versions:
            version["seq"] = final(version["seq"])
        for result in self.answered.values():
            result.seq = final(result.seq)
            for conflict in result.conflicts:  # a record handed back may carry its number
                if conflict.record is not None and isinstance(conflict.record.get("seq"), int):
                    conflict.record["seq"] = final(conflict.record["seq"])
        if self.versions:
            self.session.execute(insert(_table(RecordVersion)), self.versions)
        if self.op_rows:
            for op_row in self.op_rows:
                op_row["result"] = op_row["result"].model_dump_json()
            self.session.execute(insert(_table(OpResultRow)), self.op_rows)

    def _load_stored(self, op_ids: list[str]) -> None:
        wanted = sorted({op_id for op_id in op_ids if len(op_id) <= MAX_OP_ID_LENGTH})
        for chunk in _chunks(wanted):
            rows = self.session.exec(select(OpResultRow).where(col(OpResultRow.op_id).in_(chunk)))
            for row in rows:
                self.stored[row.op_id] = row

    def _load_records(self, ops: Sequence[Op]) -> None:
        by_kind: dict[str, set[str]] = {}
        for op in ops:
            by_kind.setdefault(op.kind, set()).add(op.record_id)
        for kind, ids in sorted(by_kind.items()):
            table = KINDS[kind].table
            for chunk in _chunks(sorted(ids)):
                # Each record's row lock, always taken in this order (kind, id): a push
                # editing a record waits for another's commit instead of merging stale.
                stmt = select(table).where(col(table.id).in_(chunk)).order_by(col(table.id))
                for row in self.session.exec(stmt.with_for_update()):
                    self.records[kind][row.id] = row

    def _check_scope(self, ops: Sequence[Op]) -> dict[str, str]:
        """The ops touching a unit (before or after) outside the device's scope.

        Each is refused on its own and nothing of it applies; the rest of the batch
        goes on, so one entry that fell out of scope (a record moved to another
        village, an entry typed before enrollment) never blocks a device's queue.
        """
        refused: dict[str, str] = {}
        scope = self.device.scope
        org_of: dict[tuple[str, str], str] = {
            (kind, rid): row.org_code
            for kind, rows in self.records.items()
            for rid, row in rows.items()
        }
        for op in ops:
            key = (op.kind, op.record_id)
            touched: list[str] = []
            if key in org_of:
                touched.append(org_of[key])
            change = op.changes.get("org_code")
            if change is not None and op.action is not Action.DELETE:
                new = change[1]
                if is_org_code(new):  # anything else is rejected as invalid later
                    touched.append(new)
                    org_of[key] = new
            outside = next((code for code in touched if not in_scope(code, scope)), None)
            if outside is not None:
                refused[op.op_id] = outside
                org_of.pop(key, None)
        return refused

    def _prefetch_keys(self, ops: Sequence[Op]) -> None:
        """Natural keys of the batch's creates, looked up with one IN query per kind."""
        wanted: dict[str, set[Key]] = {}
        for op in ops:
            spec = KINDS[op.kind]
            if op.action is not Action.CREATE or not spec.natural_key:
                continue
            values = {name: to for name, (_from, to) in op.changes.items()}
            key = _key(spec, values)
            if all(isinstance(part, str) for part in key):
                wanted.setdefault(op.kind, set()).add(key)
        for kind, keys in wanted.items():
            spec = KINDS[kind]
            table = spec.table
            columns = [getattr(table, name) for name in spec.natural_key]
            owners = self.key_owner[kind]
            owners.update(dict.fromkeys(keys))
            # One query per key prefix, the last column IN a list: an index search on both
            # databases (SQLite scans the whole index for a row-value IN of several rows).
            by_prefix: dict[Key, list[Any]] = {}
            for key in sorted(keys):
                by_prefix.setdefault(key[:-1], []).append(key[-1])
            for prefix, lasts in by_prefix.items():
                same = [column == part for column, part in zip(columns, prefix, strict=False)]
                for chunk in _chunks(lasts):
                    stmt = select(table).where(*same, columns[-1].in_(chunk), live(table))
                    for row in self.session.exec(stmt):
                        self.records[kind].setdefault(row.id, row)
                        owners[_key(spec, row_to_wire(spec, row))] = row.id

    # ------------------------------------------------------------ answering

    def _answer(self, op: Op) -> OpResult:
        if op.op_id in self.answered:  # the same op twice in one batch
            return self.answered[op.op_id]
        stored = self.stored.get(op.op_id)
        if stored is not None:
            if stored.device_id != self.device.id:
                return _rejected(op, "op_id_taken", "this op_id was used by another device")
            result = OpResult.model_validate_json(stored.result)
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
        outside = self.out_of_scope.get(op.op_id)
        if outside is not None:
            message = f"unit {outside} is outside this device's scope; nothing of the op applied"
            return _rejected(op, "out_of_scope", message, field="org_code")
        if not op.record_id or len(op.record_id) > MAX_ID_LENGTH:
            return _rejected(op, "invalid", "record_id must be 1 to 36 characters", field="id")
        try:
            recorded_at = timestamp_from_wire(op.recorded_at)
        except (ValueError, TypeError):
            recorded_at = None
        if recorded_at is None:
            return _rejected(
                op, "invalid", "recorded_at must be an ISO 8601 timestamp", field="recorded_at"
            )
        row = self._row(op.kind, op.record_id)
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
        current = row_to_wire(spec, row) if row is not None else None
        refusal = check_change(
            self.actor,
            spec.name,
            current,
            op.changes,
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
        return [row_to_wire(KINDS["feedback"], row) for row in rows]

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
        return None if row is None or row.deleted else row_to_wire(spec, row)

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
            other = self._key_holder(spec, _key(spec, record), exclude=op.record_id)
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
        self.pending[spec.name][op.record_id] = columns
        if spec.natural_key:
            self.key_owner[spec.name][_key(spec, record)] = op.record_id
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
        current = row_to_wire(spec, row)
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
        if moved and _key(spec, after) != _key(spec, current):
            other = self._key_holder(spec, _key(spec, after), exclude=row.id)
            if other is not None:
                duplicate = self._duplicate(spec, after, other)
                for name in spec.natural_key:
                    applied.pop(name, None)
        if applied:
            changes = {name: (current[name], value) for name, value in applied.items()}
            for name, value in wire_to_columns(spec, applied).items():
                setattr(row, name, value)
            self._bump(spec, row, changes, op, recorded_at)
            if moved and duplicate is None:
                self._move_key(spec, row.id, _key(spec, current), _key(spec, after))
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
            record = row_to_wire(spec, row)
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
                record=row_to_wire(spec, row),
            )
            return self._result(op, row, OpStatus.CONFLICT, [conflict])
        before = row_to_wire(spec, row)
        row.deleted = True
        self._bump(spec, row, {"deleted": (False, True)}, op, recorded_at)
        if spec.natural_key:
            self._move_key(spec, row.id, _key(spec, before), None)
        return self._result(op, row, OpStatus.APPLIED)

    # ------------------------------------------------------------ helpers

    def _row(self, kind: str, record_id: str) -> RecordColumns | None:
        """The record as an ORM row; one created earlier in this batch is inserted first."""
        values = self.pending[kind].pop(record_id, None)
        if values is not None:
            table = KINDS[kind].table
            self.session.execute(insert(_table(table)), [values])
            self.records[kind][record_id] = self.session.get_one(table, record_id)
        return self.records[kind].get(record_id)

    def _changed_by_others(self, spec: KindSpec, row: RecordColumns, base_version: int) -> bool:
        stmt = select(func.count()).where(
            col(RecordVersion.kind) == spec.name,
            col(RecordVersion.record_id) == row.id,
            col(RecordVersion.version) > base_version,
            col(RecordVersion.device_id) != self.device.id,
        )
        return bool(self.session.exec(stmt).one())

    def _key_holder(self, spec: KindSpec, key: Key, *, exclude: str) -> RecordColumns | None:
        """The live record (other than ``exclude``) holding natural key ``key``, if any."""
        owners = self.key_owner[spec.name]
        if key in owners:
            owner = owners[key]
            if owner is None or owner == exclude:
                return None
            row = self._row(spec.name, owner)
            if row is not None and not row.deleted and _key(spec, row_to_wire(spec, row)) == key:
                return row
            owners[key] = None
            return None
        table = spec.table
        stmt = select(table).where(
            *(
                getattr(table, name) == value
                for name, value in zip(spec.natural_key, key, strict=True)
            ),
            live(table),
            col(table.id) != exclude,
        )
        found = self.session.exec(stmt).first()
        owners[key] = None if found is None else found.id
        if found is not None:
            self.records[spec.name].setdefault(found.id, found)
        return found

    def _move_key(self, spec: KindSpec, record_id: str, old: Key, new: Key | None) -> None:
        owners = self.key_owner[spec.name]
        if owners.get(old) == record_id:
            owners[old] = None
        if new is not None:
            owners[new] = record_id
        # Free the old key in the database before any later insert or update takes it
        # (the partial unique index checks row by row).
        self.session.flush()

    def _duplicate(
        self, spec: KindSpec, record: Mapping[str, Any], other: RecordColumns
    ) -> ConflictInfo:
        visible = in_scope(other.org_code, self.device.scope)
        return ConflictInfo(
            type=ConflictType.DUPLICATE,
            field="+".join(spec.natural_key),
            base=None,
            mine={name: record.get(name) for name in spec.natural_key},
            theirs=other.id,
            version=other.version,
            # A record outside the device's scope is named by id only.
            record=row_to_wire(spec, other) if visible else None,
        )

    def _bump(
        self,
        spec: KindSpec,
        row: RecordColumns,
        changes: Mapping[str, tuple[Any, Any]],
        op: Op,
        recorded_at: datetime,
    ) -> None:
        """A new version: number it, stamp it, and keep it in the history."""
        row.version += 1
        row.updated_by = self.device.id
        row.received_at = self.now
        row.recorded_at = recorded_at
        row.seq = self.numbers.next()
        self._history(spec, op, row.id, row.version, row.org_code, changes, row.seq)

    def _history(
        self,
        spec: KindSpec,
        op: Op,
        record_id: str,
        version: int,
        org_code: str,
        changes: Mapping[str, tuple[Any, Any]],
        seq: int,
    ) -> None:
        self.versions.append(
            {
                "seq": seq,
                "kind": spec.name,
                "record_id": record_id,
                "version": version,
                "org_code": org_code,
                "device_id": self.device.id,
                "op_id": op.op_id,
                "changes": json.dumps(
                    {name: list(pair) for name, pair in changes.items()}, ensure_ascii=False
                ),
                "at": self.now,
            }
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
