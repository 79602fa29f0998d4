"""What the sync engine (``sync.engine.SyncStore``) and support staff ask of the store:
pending ops with personal values opened, central's push answers and pulled pages each
stored in one transaction, the pull cursor (with its check and journal) and push batch
size, the rounds, the audit segment central checks and its acknowledgement, what is
sent again when central was restored from an older backup, and the revocation mark; the
queue and the status line. Nothing here talks to the network."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from client import audit, outbox
from client.identity import (
    AUDIT_SENT,
    CURSOR,
    CURSOR_CHECK,
    CURSOR_JOURNAL,
    REVOKED_AT,
    journal_of,
    pulled_settings,
)
from client.labels import rejection_text
from client.store.catalogue import refresh_catalogue
from client.store.conflicts import Conflicts
from client.store.database import Database, utcnow
from client.store.device import Device
from client.store.records import Records, upsert_statement
from client.store.sealing import Sealer
from client.store.settings import LATE_SHARE_SETTING, get_setting, put_setting
from client.tables import SyncRound
from models.ids import is_record_id
from models.kinds import KINDS, kind_spec, timestamp_from_wire
from sync.merge import rebase
from sync.protocol import Action, Change, Op, OpResult, OpStatus, PullResponse

PUSH_BATCH = "push_batch"
"""The setting that keeps the push batch size between rounds."""

_round = SyncRound.__table__  # type: ignore[attr-defined]

log = logging.getLogger("client.sync")


def well_formed(changes: Sequence[Change]) -> list[Change]:
    """The pulled changes this device can store: a known kind and a UUID record id.

    Central refuses any other id, but a central restored from an old database or a
    crafted reply bundle could still serve one; such a change is left out (and counted in
    the log, never printed: an id that is free text may carry escape sequences), so one
    bad record never stops a device from catching up."""
    kept = [c for c in changes if c.kind in KINDS and is_record_id(c.record.get("id"))]
    if len(kept) < len(changes):
        log.warning(
            "skipped %d pulled changes: unknown kind or malformed id", len(changes) - len(kept)
        )
    return kept


@cache
def _version_update(kind: str) -> Any:
    """The version our op made on central: its number, change number, clocks and author,
    so the local row matches central's without pulling our own change back."""
    table = kind_spec(kind).table.__table__  # type: ignore[attr-defined]
    return (
        table.update()
        .where(table.c.id == sa.bindparam("_id"), table.c.version < sa.bindparam("_version"))
        .values(
            version=sa.bindparam("_version"),
            seq=sa.bindparam("_seq"),
            received_at=sa.bindparam("_received_at"),
            recorded_at=sa.bindparam("_recorded_at"),
            updated_by=sa.bindparam("_updated_by"),
        )
    )


@dataclass(frozen=True)
class SyncStatus:
    pending: int
    quarantined: int
    conflicts: int
    last_round: Mapping[str, Any] | None


class SyncSide:
    def __init__(
        self,
        db: Database,
        sealer: Sealer,
        device: Device,
        records: Records,
        conflicts: Conflicts,
    ) -> None:
        self._db = db
        self._sealer = sealer
        self._device = device
        self._records = records
        self._conflicts = conflicts

    # ---- the queue (support staff) ----------------------------------------------------

    def queue(self) -> list[outbox.QueuedOp]:
        with self._db.connect() as conn:
            # Only the fields' names are listed: the values need not be opened.
            as_record = partial(self._records.as_record, conn, opened=False)
            return outbox.listing(conn, as_record=as_record)

    def retry(self, op_id: str | None = None) -> int:
        """Put quarantined ops back in line (one, or all)."""
        with self._db.transaction() as conn:
            return outbox.release(conn, op_id)

    def status(self) -> SyncStatus:
        with self._db.connect() as conn:
            counts = outbox.counts(conn)
            open_conflicts = self._conflicts.count_open(conn)
            last = conn.execute(sa.select(_round).order_by(_round.c.id.desc()).limit(1)).first()
        return SyncStatus(
            pending=counts[outbox.PENDING],
            quarantined=sum(counts[state] for state in outbox.HELD),
            conflicts=open_conflicts,
            last_round=dict(last._mapping) if last is not None else None,
        )

    # ---- push ---------------------------------------------------------------------------

    def pending_ops(self, *, after_seq: int, limit: int) -> list[tuple[int, Op]]:
        with self._db.connect() as conn:
            ops = outbox.pending(
                conn,
                after_seq=after_seq,
                limit=limit,
                as_record=partial(self._records.as_record, conn),
            )
        out: list[tuple[int, Op]] = []
        for seq, op in ops:
            opened = self._sealer.open_changes(op.record_id, op.changes)
            changes = {name: (pair[0], pair[1]) for name, pair in opened.items()}
            out.append((seq, op.model_copy(update={"changes": changes})))
        return out

    def mark_attempt(self, op_ids: Sequence[str]) -> None:
        with self._db.transaction() as conn:
            outbox.mark_attempt(conn, op_ids, at=utcnow())

    def note_error(self, op_ids: Sequence[str], error: str) -> None:
        with self._db.transaction() as conn:
            outbox.note_error(conn, op_ids, error)

    def apply_push_results(self, ops: Sequence[Op], results: Sequence[OpResult]) -> int:
        """Record central's answers in one transaction; returns the new conflicts stored."""
        by_id = {op.op_id: op for op in ops}
        new_conflicts = 0
        answered: list[str] = []
        versions: dict[str, list[dict[str, Any]]] = {}
        taken_back: list[tuple[str, dict[str, Any], int]] = []
        with self._db.transaction() as conn:
            for result in results:
                op = by_id.get(result.op_id)
                if op is None:
                    continue
                if result.status is OpStatus.REJECTED:
                    error = result.error
                    reason = rejection_text(op.kind, error)
                    refused = error is not None and bool(error.rule)
                    state = outbox.REFUSED if refused else outbox.QUARANTINED
                    outbox.quarantine(conn, op.op_id, reason, state=state)
                    if error is not None and error.record is not None:
                        # A rule refused it: take central's record back (the op stays in
                        # the queue for support), so this device agrees with central again.
                        taken_back.append((op.kind, error.record, int(error.record.get("seq", 0))))
                    elif error is not None and error.rule and op.action is Action.CREATE:
                        # A record central never had (a rule refused its create): retired
                        # here too, its values kept in the quarantined op.
                        self._records.write_columns(
                            conn, kind_spec(op.kind), op.record_id, {"deleted": True}
                        )
                    continue
                if result.status in (OpStatus.APPLIED, OpStatus.PARTIAL) and result.seq:
                    versions.setdefault(op.kind, []).append(
                        {
                            "_id": op.record_id,
                            "_version": result.version,
                            "_seq": result.seq,
                            "_received_at": timestamp_from_wire(result.received_at),
                            "_recorded_at": timestamp_from_wire(op.recorded_at),
                            "_updated_by": self._device.actor,
                        }
                    )
                for info in result.conflicts:
                    self._conflicts.keep(conn, op, info)
                    new_conflicts += 1
                answered.append(op.op_id)
            for kind, rows in versions.items():
                conn.execute(_version_update(kind), rows)
            outbox.remove_many(conn, answered)
            self._write_central(conn, taken_back)
        return new_conflicts

    def push_batch_size(self) -> int | None:
        """The push batch size the last round ended with (see sync.batching)."""
        with self._db.connect() as conn:
            value = get_setting(conn, PUSH_BATCH)
        return int(value) if value else None

    def set_push_batch_size(self, size: int) -> None:
        with self._db.transaction() as conn:
            put_setting(conn, PUSH_BATCH, str(size))

    # ---- pull ---------------------------------------------------------------------------

    def cursor(self) -> int:
        with self._db.connect() as conn:
            return int(get_setting(conn, CURSOR) or 0)

    def cursor_check(self) -> str | None:
        with self._db.connect() as conn:
            return get_setting(conn, CURSOR_CHECK) or None

    def cursor_journal(self) -> list[tuple[int, str]]:
        with self._db.connect() as conn:
            return journal_of(get_setting(conn, CURSOR_JOURNAL))

    def apply_pull(self, page: PullResponse) -> int:
        """Store a pulled page with pending local edits re-applied on top, and move the
        cursor, in one transaction: a cut leaves the cursor where the data is."""
        changes = well_formed(page.changes)
        with self._db.transaction() as conn:
            self._moved_out(
                conn,
                [(change.kind, change.record.get("id")) for change in changes if change.moved_out],
            )
            self._write_central(
                conn,
                [
                    (change.kind, change.record, change.seq)
                    for change in changes
                    if not change.moved_out
                ],
            )
            journal = get_setting(conn, CURSOR_JOURNAL)
            last = not page.more
            for name, value in pulled_settings(
                journal, page.cursor, page.cursor_check, last_page=last
            ).items():
                put_setting(conn, name, value)
            identity = self._device.identity
            if identity is not None and page.scope and page.scope != identity.scope:
                put_setting(conn, "scope", page.scope)
                self._device.identity = replace(identity, scope=page.scope)
            if page.duty_late_share is not None:
                put_setting(conn, LATE_SHARE_SETTING, page.duty_late_share)
        return len(changes)

    def _moved_out(self, conn: Connection, moved: Sequence[tuple[str, Any]]) -> None:
        """Records moved to a unit this device does not reach: the copy goes, and an edit
        still queued for one (pending, or refused by the push just made) or still in an
        open conflict becomes one conflict the clerk decides (``Conflicts.keep_moved``),
        never lost."""
        for kind, record_id in moved:
            spec = KINDS.get(kind)
            if spec is None or not isinstance(record_id, str):
                continue
            table = spec.table.__table__  # type: ignore[attr-defined]
            row = conn.execute(sa.select(table).where(table.c.id == record_id)).first()
            if row is None:
                continue
            as_record = partial(self._records.as_record, conn)
            queued = outbox.take_all(conn, record_id, as_record=as_record)
            edited: dict[str, None] = {}
            for _op_id, changes in queued:
                edited.update(dict.fromkeys(changes))
            open_ops = self._conflicts.close_open(conn, record_id, resolution="moved")
            edited.update(dict.fromkeys(n for _op, field in open_ops for n in field.split("+")))
            if edited:
                self._conflicts.keep_moved(
                    conn,
                    kind=kind,
                    record_id=record_id,
                    op_id=(queued or open_ops)[-1][0],
                    edited=[name for name in edited if name != "deleted"] or ["deleted"],
                    copy=self._sealer.record_of(spec, row),
                    version=row.version,
                )
            conn.execute(table.delete().where(table.c.id == record_id))

    def _write_central(
        self, conn: Connection, records: Sequence[tuple[str, Mapping[str, Any], int]]
    ) -> None:
        """Central's records (kind, wire record, change number) over the local ones, each
        with this device's pending edits re-applied on top."""
        if not records:
            return
        pending = {
            record_id: [self._sealer.open_changes(record_id, changes) for changes in batch]
            for record_id, batch in outbox.pending_changes(
                conn,
                {record["id"] for _kind, record, _seq in records},
                as_record=partial(self._records.as_record, conn),
            ).items()
        }
        rows: dict[str, list[dict[str, Any]]] = {}
        catalogue = False
        for kind, central, seq in records:
            catalogue = catalogue or kind == "catalog_item"
            spec = kind_spec(kind)
            record = dict(central)
            local = pending.get(record["id"])
            if local:
                record = rebase(record, local)
            columns = self._sealer.columns_for(spec, record)
            columns["seq"] = seq
            rows.setdefault(spec.name, []).append(columns)
        for kind, batch in rows.items():
            conn.execute(upsert_statement(kind), batch)
        if catalogue:
            refresh_catalogue(conn)

    def central_behind(self, verified: int, check: str | None) -> int:
        """Central was restored from an older backup: its log holds what this device saw
        only up to change ``verified`` (named by ``check``). In one transaction: every
        record this device changed last after that is queued again as it is (a create
        made from the record, or a delete), its version back to 0 for central's answer to
        number afresh; ops central refused for lacking such a record (the create it lost)
        are dropped, their values being in the record; the cursor goes back to
        ``verified`` and the audit position to the start (central checks the chain again
        and finds no gap). Central creates what it lost, finds nothing to do where it
        holds the same, and answers a conflict where it holds other values, for a person
        to decide: nothing diverges in silence. Returns the ops queued."""
        queued = 0
        now = utcnow()
        with self._db.transaction() as conn:
            for kind in KINDS:
                table = kind_spec(kind).table.__table__  # type: ignore[attr-defined]
                mine = conn.execute(
                    sa.select(table.c.id, table.c.version, table.c.deleted).where(
                        table.c.updated_by == self._device.actor, table.c.seq > verified
                    )
                ).all()
                for record_id, version, deleted in mine:
                    action = Action.DELETE if deleted else Action.CREATE
                    changes = {"deleted": (False, True)} if deleted else None
                    outbox.enqueue(
                        conn,
                        kind=kind,
                        record_id=record_id,
                        action=action,
                        changes=changes,
                        base_version=version,
                        at=now,
                    )
                    outbox.drop_refused(conn, record_id, "unknown_record")
                    queued += 1
                ids = [row.id for row in mine]
                for start in range(0, len(ids), 500):
                    conn.execute(
                        table.update()
                        .where(table.c.id.in_(ids[start : start + 500]))
                        .values(version=0, seq=0)
                    )
            journal = [p for p in journal_of(get_setting(conn, CURSOR_JOURNAL)) if p[0] <= verified]
            put_setting(conn, CURSOR_JOURNAL, json.dumps(journal))
            put_setting(conn, CURSOR, str(verified))
            put_setting(conn, CURSOR_CHECK, check or "")
            put_setting(conn, AUDIT_SENT, "0")
        return queued

    # ---- rounds, the audit segment, revocation -----------------------------------------

    def record_round(self, figures: Mapping[str, Any]) -> None:
        with self._db.transaction() as conn:
            conn.execute(_round.insert().values(**figures))

    def rounds(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._db.connect() as conn:
            rows = conn.execute(sa.select(_round).order_by(_round.c.id.desc()).limit(limit))
            return [dict(row._mapping) for row in rows]

    def audit_segment(self, *, limit: int) -> list[audit.Link]:
        """The audit entries central has not acknowledged, oldest first, preceded by the
        last acknowledged one (its anchor): central checks the chain continues from it."""
        with self._db.connect() as conn:
            sent = int(get_setting(conn, AUDIT_SENT) or 0)
            return audit.links(conn, after=max(0, sent - 1), limit=limit + (1 if sent else 0))

    def ack_audit(self, last_id: int) -> None:
        with self._db.transaction() as conn:
            if last_id > int(get_setting(conn, AUDIT_SENT) or 0):
                put_setting(conn, AUDIT_SENT, str(last_id))

    def revoked_at(self) -> str | None:
        """When central first answered that this device is revoked (None: it has not)."""
        with self._db.connect() as conn:
            return get_setting(conn, REVOKED_AT)

    def mark_revoked(self) -> None:
        """Remember the revocation: sync stops here for good, local data stays."""
        with self._db.transaction() as conn:
            if get_setting(conn, REVOKED_AT) is None:
                put_setting(conn, REVOKED_AT, utcnow().isoformat())
