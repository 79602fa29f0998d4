"""Conflicts central handed back: kept (sealed) when a push answers with them, listed for a
person, and a person's decision carried out (``sync.resolution.plan``): the local record,
the new op and the audit entry in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from client import audit, outbox
from client.errors import UnknownConflict, ValidationFailed
from client.store.database import Database, utcnow
from client.store.device import Device
from client.store.records import Records
from client.store.sealing import Sealer
from client.tables import ConflictRow
from models.kinds import KindSpec, kind_spec
from models.validation import FieldError, normalize, validate_record
from sync.protocol import Action, ConflictInfo, ConflictType, Op
from sync.resolution import Choice, ConflictView, Plan, ResolutionError, plan

_conflict = ConflictRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ConflictEntry:
    id: int
    kind: str
    record_id: str
    type: str
    field: str
    base: Any
    mine: Any
    theirs: Any
    version: int
    created_at: datetime
    resolved_at: datetime | None
    resolution: str
    record: Mapping[str, Any] | None = None
    """The record the conflict is about as it stood (central's; of a record moved away,
    this device's copy as edited)."""


class Conflicts:
    def __init__(self, db: Database, sealer: Sealer, device: Device, records: Records) -> None:
        self._db = db
        self._sealer = sealer
        self._device = device
        self._records = records

    def keep(self, conn: Connection, op: Op, info: ConflictInfo) -> None:
        """A conflict central answered for ``op``, stored sealed; a later one on the same
        open field replaces it but keeps the first base."""
        existing = conn.execute(
            sa.select(_conflict.c.id).where(
                _conflict.c.record_id == op.record_id,
                _conflict.c.field == info.field,
                _conflict.c.resolved_at.is_(None),
            )
        ).scalar()
        values = {
            "kind": op.kind,
            "record_id": op.record_id,
            "op_id": op.op_id,
            "type": info.type.value,
            "field": info.field,
            "version": info.version,
            **self._sealer.seal_conflict(
                op.kind,
                op.record_id,
                info.field,
                {
                    "base": info.base,
                    "mine": info.mine,
                    "theirs": info.theirs,
                    "record": info.record,
                },
            ),
        }
        if existing is not None:  # a later op on the same field: keep the first base
            del values["base"]
            conn.execute(_conflict.update().where(_conflict.c.id == existing).values(**values))
        else:
            conn.execute(_conflict.insert().values(created_at=utcnow(), resolution="", **values))

    def keep_moved(
        self,
        conn: Connection,
        *,
        kind: str,
        record_id: str,
        op_id: str,
        edited: Sequence[str],
        copy: Mapping[str, Any],
        version: int,
    ) -> None:
        """A record moved out of this device's reach while it had edits pending: the
        fields edited and its copy as edited (sealed), for the clerk to drop or keep as a
        new record of the unit (``sync.resolution``); nothing is lost in silence."""
        values = self._sealer.seal_conflict(
            kind, record_id, "org_code", {"mine": list(edited), "record": dict(copy)}
        )
        conn.execute(
            _conflict.insert().values(
                kind=kind,
                record_id=record_id,
                op_id=op_id,
                type=ConflictType.MOVED.value,
                field="org_code",
                version=version,
                created_at=utcnow(),
                resolution="",
                **values,
            )
        )

    @staticmethod
    def close_open(conn: Connection, record_id: str, *, resolution: str) -> list[tuple[str, str]]:
        """Close a record's open conflicts (it moved away: one ``moved`` conflict takes
        their place); returns each one's (op id, field), oldest first."""
        rows = conn.execute(
            sa.select(_conflict.c.op_id, _conflict.c.field)
            .where(_conflict.c.record_id == record_id, _conflict.c.resolved_at.is_(None))
            .order_by(_conflict.c.id)
        ).all()
        if rows:
            conn.execute(
                _conflict.update()
                .where(_conflict.c.record_id == record_id, _conflict.c.resolved_at.is_(None))
                .values(resolved_at=utcnow(), resolution=resolution)
            )
        return [(row.op_id, row.field) for row in rows]

    @staticmethod
    def count_open(conn: Connection) -> int:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(_conflict.c.resolved_at.is_(None))
            ).scalar_one()
        )

    def entries(self, *, include_resolved: bool = False) -> list[ConflictEntry]:
        query = sa.select(_conflict).order_by(_conflict.c.id)
        if not include_resolved:
            query = query.where(_conflict.c.resolved_at.is_(None))
        with self._db.connect() as conn:
            rows = conn.execute(query).all()
        entries = []
        for row in rows:
            opened = self._sealer.open_conflict(row)
            entries.append(
                ConflictEntry(
                    id=row.id,
                    kind=row.kind,
                    record_id=row.record_id,
                    type=row.type,
                    field=row.field,
                    base=opened["base"],
                    mine=opened["mine"],
                    theirs=opened["theirs"],
                    version=row.version,
                    created_at=row.created_at,
                    resolved_at=row.resolved_at,
                    resolution=row.resolution,
                    record=opened["record"],
                )
            )
        return entries

    def resolve(self, conflict_id: int, choice: Choice, value: Any = None) -> None:
        """Carry out a person's decision: local record, new op and audit in one transaction."""
        with self._db.transaction() as conn:
            row = conn.execute(
                sa.select(_conflict).where(
                    _conflict.c.id == conflict_id, _conflict.c.resolved_at.is_(None)
                )
            ).first()
            if row is None:
                raise UnknownConflict(conflict_id)
            spec = kind_spec(row.kind)
            if choice is Choice.VALUE and row.type == ConflictType.FIELD.value:
                normalized, errors = normalize(spec.name, {row.field: value})
                if errors:
                    raise ValidationFailed(errors)
                value = normalized[row.field]
            elif choice is Choice.VALUE and row.type == ConflictType.DUPLICATE.value:
                if not isinstance(value, Mapping):
                    raise ValidationFailed(
                        [FieldError(row.field, "bad_value", "give a JSON object of fields")]
                    )
                value, errors = normalize(spec.name, value)
                if errors:
                    raise ValidationFailed(errors)
            found = self._records.find(conn, row.record_id)
            local = self._sealer.record_of(spec, found[1]) if found else {}
            opened = self._sealer.open_conflict(row)
            view = ConflictView(
                type=ConflictType(row.type),
                field=row.field,
                base=opened["base"],
                mine=opened["mine"],
                theirs=opened["theirs"],
                version=row.version,
                record_id=row.record_id,
                record=opened["record"],
            )
            try:
                decided = plan(view, choice, value=value, local=local)
            except ResolutionError as exc:
                raise ValidationFailed([FieldError(row.field, "bad_choice", str(exc))]) from exc
            self._carry_out(conn, spec, row.record_id, local, decided)
            conn.execute(
                _conflict.update()
                .where(_conflict.c.id == conflict_id)
                .values(resolved_at=utcnow(), resolution=choice.value)
            )

    def _copy_as_new(self, conn: Connection, spec: KindSpec, copy: Mapping[str, Any]) -> str:
        """A new record of this device's unit from a moved record's copy: the fields a
        person types (not those moved by the kind's own steps), under a new id."""
        values = {
            name: copy[name]
            for name in spec.fields
            if name in copy and not spec.specs[name].managed
        }
        if self._device.scope_errors(values.get("org_code")):
            identity = self._device.identity
            values["org_code"] = identity.org_code if identity is not None else ""
        return self._records.add_in(conn, spec.name, values)

    def _carry_out(
        self,
        conn: Connection,
        spec: KindSpec,
        record_id: str,
        local: Mapping[str, Any],
        decided: Plan,
    ) -> None:
        records, sealer = self._records, self._sealer
        now = utcnow()
        if decided.set_fields:
            updated = {name: local.get(name) for name in spec.fields} | decided.set_fields
            errors = validate_record(spec.name, updated)
            if errors:
                raise ValidationFailed(errors)
        local_columns: dict[str, Any] = dict(decided.set_fields)
        if decided.set_deleted is not None:
            local_columns["deleted"] = decided.set_deleted
        if decided.retire_local:
            local_columns["deleted"] = True
        if decided.adopt:
            records.upsert(conn, spec, sealer.columns_for(spec, decided.adopt))
        if decided.copy_as_new is not None:
            self._copy_as_new(conn, spec, decided.copy_as_new)
        sends_own = decided.recreate or (
            decided.op is not None and decided.op.record_id == record_id
        )
        if sends_own:  # a new local change: stamped now, like any edit
            records.write_fields(conn, spec, record_id, local_columns, now)
        elif local_columns:  # taking central's side: no new change of ours
            records.write_columns(
                conn, spec, record_id, sealer.columns_for(spec, local_columns, record_id)
            )
        if decided.op is not None and decided.op.record_id != record_id:
            records.write_fields(conn, spec, decided.op.record_id, {}, now)
        if decided.op is not None:
            outbox.enqueue(
                conn,
                kind=spec.name,
                record_id=decided.op.record_id,
                action=decided.op.action,
                changes=sealer.seal_changes(spec.name, decided.op.record_id, decided.op.changes),
                base_version=decided.op.base_version,
                at=now,
            )
        if decided.recreate:
            record = {name: local.get(name) for name in spec.fields} | decided.set_fields
            outbox.enqueue(
                conn,
                kind=spec.name,
                record_id=record_id,
                action=Action.CREATE,
                changes=sealer.seal_changes(
                    spec.name, record_id, {n: (None, v) for n, v in record.items()}
                ),
                base_version=0,
                at=now,
            )
        audit.append(
            conn,
            at=now,
            actor=self._device.actor,
            action="resolve",
            kind=spec.name,
            record_id=record_id,
            changes={name: (local.get(name), value) for name, value in decided.set_fields.items()},
        )
