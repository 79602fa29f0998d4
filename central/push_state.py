"""The state of one push (``central.push``): the records its ops touch, loaded with
their row locks in one order; the natural keys its creates need; the ops' scope; and,
at its end, the batch written in bulk with its final change numbers (``publish``).

Answering the ops is ``central.push``'s; this module holds what the answers read and
where they are written, so each stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col, func, select

from central.at_rest import AtRest
from central.changelog import Numbering
from central.tables import Device, OpResultRow, RecordVersion, live
from models.kinds import KINDS, KindSpec
from models.orgs import in_scope, is_org_code
from models.records import RecordColumns
from models.rules.actors import Actor
from sync.protocol import Action, Op, OpResult

__all__ = ["MAX_OP_ID_LENGTH", "BatchState", "Key", "chunks", "key_of", "table_of"]

_CHUNK = 500
"""Rows per IN (...) query: well under SQLite's and PostgreSQL's parameter limits."""
MAX_OP_ID_LENGTH = 64

Key = tuple[Any, ...]
"""A natural key's values, in the kind's order."""


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def key_of(spec: KindSpec, record: Mapping[str, Any]) -> Key:
    return tuple(record.get(name) for name in spec.natural_key)


class BatchState:
    """The state of one push: records loaded for the batch, natural keys seen, the change
    numbers (provisional until ``publish``)."""

    def __init__(
        self,
        session: Session,
        *,
        device: Device,
        now: datetime,
        rules: bool = True,
        secret: Callable[[], bytes] | bytes | None = None,
    ) -> None:
        self.session = session
        self.at_rest = AtRest.of(session, secret)
        """Personal values: sealed as they are written, opened as they are read; the
        merge and every comparison see clear values only."""
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
        self.unreachable: set[str] = set()
        """Edits and deletes of a stored record outside the device's scope: answered
        exactly as if there were no such record (no oracle of another unit's ids)."""

    def _write(self) -> None:
        """The batch's records, in bulk: ORM changes first (they may free natural keys)."""
        self.session.flush()
        for kind, rows in self.pending.items():
            if rows:
                self.session.execute(insert(table_of(KINDS[kind].table)), list(rows.values()))

    def publish(self) -> None:
        """Final change numbers for the batch's versions, then the change log and the
        stored answers; the caller commits at once (the counter row is held till then)."""
        self.session.flush()
        kinds = sorted({v["kind"] for v in self.versions})
        self.numbers.publish([table_of(KINDS[kind].table) for kind in kinds])
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
            self.session.execute(insert(table_of(RecordVersion)), self.versions)
        if self.op_rows:
            for op_row in self.op_rows:
                answer: OpResult = op_row["result"]
                carries = bool(answer.conflicts) or (
                    answer.error is not None
                    and (answer.error.record is not None or bool(answer.error.params))
                )
                op_row["result"] = self.at_rest.seal_result(
                    op_row["op_id"], answer.model_dump_json(), carries_values=carries
                )
            self.session.execute(insert(table_of(OpResultRow)), self.op_rows)

    def _load_stored(self, op_ids: list[str]) -> None:
        wanted = sorted({op_id for op_id in op_ids if len(op_id) <= MAX_OP_ID_LENGTH})
        for chunk in chunks(wanted):
            rows = self.session.exec(select(OpResultRow).where(col(OpResultRow.op_id).in_(chunk)))
            for row in rows:
                self.stored[row.op_id] = row

    def _load_records(self, ops: Sequence[Op]) -> None:
        by_kind: dict[str, set[str]] = {}
        for op in ops:
            by_kind.setdefault(op.kind, set()).add(op.record_id)
        for kind, ids in sorted(by_kind.items()):
            table = KINDS[kind].table
            for chunk in chunks(sorted(ids)):
                # Each record's row lock, always taken in this order (kind, id): a push
                # editing a record waits for another's commit instead of merging stale.
                stmt = select(table).where(col(table.id).in_(chunk)).order_by(col(table.id))
                for row in self.session.exec(stmt.with_for_update()):
                    self.records[kind][row.id] = row

    def _check_scope(self, ops: Sequence[Op]) -> dict[str, str]:
        """The ops touching a unit (before or after) outside the device's scope.

        Each is refused on its own and nothing of it applies; the rest of the batch
        goes on, so one entry that fell out of scope (a record moved to another
        village, an entry typed before enrollment) never blocks a device's queue. An
        edit or delete of a stored record outside the scope goes to ``unreachable``
        instead: it is answered as for a record central does not hold.
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
            before = org_of.get(key)
            touched = [] if before is None else [before]
            change = op.changes.get("org_code")
            if change is not None and op.action is not Action.DELETE:
                new = change[1]
                if is_org_code(new):  # anything else is rejected as invalid later
                    touched.append(new)
                    org_of[key] = new
            outside = next((code for code in touched if not in_scope(code, scope)), None)
            if outside is None:
                continue
            if before is None:  # nothing of the op applies: the record stays as it was
                org_of.pop(key, None)
            else:
                org_of[key] = before
            if outside == before and op.action is not Action.CREATE:
                self.unreachable.add(op.op_id)
            else:
                refused[op.op_id] = outside
        return refused

    def _prefetch_keys(self, ops: Sequence[Op]) -> None:
        """Natural keys of the batch's creates, looked up with one IN query per kind."""
        wanted: dict[str, set[Key]] = {}
        for op in ops:
            spec = KINDS[op.kind]
            if op.action is not Action.CREATE or not spec.natural_key:
                continue
            values = {name: to for name, (_from, to) in op.changes.items()}
            key = key_of(spec, values)
            if all(isinstance(part, str) for part in key):
                wanted.setdefault(op.kind, set()).add(key)
        for kind, keys in wanted.items():
            spec = KINDS[kind]
            table = spec.table
            owners = self.key_owner[kind]
            owners.update(dict.fromkeys(keys))
            # One query per key prefix, the last column IN a list: an index search on both
            # databases (SQLite scans the whole index for a row-value IN of several rows).
            by_prefix: dict[Key, list[Any]] = {}
            for key in sorted(keys):
                by_prefix.setdefault(key[:-1], []).append(key[-1])
            *firsts, last = spec.natural_key
            match = self.at_rest.key_match
            for prefix, lasts in by_prefix.items():
                same = [
                    match(spec, table, name, part)
                    for name, part in zip(firsts, prefix, strict=True)
                ]
                for chunk in chunks(lasts):
                    where = self.at_rest.key_in(spec, table, last, list(chunk))
                    stmt = select(table).where(*same, where, live(table))
                    for row in self.session.exec(stmt):
                        self.records[kind].setdefault(row.id, row)
                        owners[key_of(spec, self.at_rest.wire(spec, row))] = row.id

    def _row(self, kind: str, record_id: str) -> RecordColumns | None:
        """The record as an ORM row; one created earlier in this batch is inserted first."""
        values = self.pending[kind].pop(record_id, None)
        if values is not None:
            table = KINDS[kind].table
            self.session.execute(insert(table_of(table)), [values])
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
            same = row is not None and key_of(spec, self.at_rest.wire(spec, row)) == key
            if row is not None and not row.deleted and same:
                return row
            owners[key] = None
            return None
        table = spec.table
        stmt = select(table).where(
            *(
                self.at_rest.key_match(spec, table, name, value)
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
        moved = changes.get("org_code")
        moved_from = moved[0] if moved is not None and moved[0] != moved[1] else None
        self._history(
            spec, op, row.id, row.version, row.org_code, changes, row.seq, moved_from=moved_from
        )

    def _history(
        self,
        spec: KindSpec,
        op: Op,
        record_id: str,
        version: int,
        org_code: str,
        changes: Mapping[str, tuple[Any, Any]],
        seq: int,
        *,
        moved_from: str | None = None,
    ) -> None:
        """``moved_from``: the unit a move took the record out of (``central.pull`` tells
        its devices)."""
        self.versions.append(
            {
                "seq": seq,
                "kind": spec.name,
                "record_id": record_id,
                "version": version,
                "org_code": org_code,
                "moved_from": moved_from,
                "device_id": self.device.id,
                "op_id": op.op_id,
                "changes": self.at_rest.seal_changes(spec, record_id, version, changes),
                "at": self.now,
            }
        )
