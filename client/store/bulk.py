"""Bulk import (client/legacy): a whole file in one transaction, fed batch by batch.

Tuned for a first migration of tens of thousands of rows (see bench/bench_import.py): a
batch of new, distinct, in-scope rows is written a column at a time with the sqlite3
cursor (``import_layout``), its creates are queued in SQL from the rows just written,
and into an empty table the rows go in without its secondary indexes. Rows that may
match stored records are matched (``matching``) and written row by row."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from client import audit
from client.column_codec import columns_of, records_of
from client.store.database import Database, utcnow
from client.store.device import Device
from client.store.import_layout import CREATES_QUEUED, OUTBOX_INSERT, import_layout
from client.store.import_rules import ImportRules, Refuser, refusal_error
from client.store.matching import import_matches
from client.store.sealing import Sealer, seal_value
from models.ids import new_ids
from models.kinds import KindSpec, kind_spec
from models.validation import FieldError
from sync.merge import diff
from sync.protocol import Action

IMPORT_CACHE_KIB = 32 * 1024
"""SQLite's page cache during an import (its default is 2 MB)."""

IMPORT_CREATED = "created"
IMPORT_UPDATED = "updated"
IMPORT_UNCHANGED = "unchanged"
IMPORT_REJECTED = "rejected"


@dataclass(frozen=True)
class ImportOutcome:
    """Per row given to ``BulkImport.add``: created, updated, unchanged or rejected."""

    statuses: list[str]
    record_ids: list[str | None]
    errors: dict[int, list[FieldError]]


@contextmanager
def importing(
    db: Database,
    sealer: Sealer,
    device: Device,
    kind: str,
    refuser: Refuser,
    *,
    write: bool = True,
    source: str = "",
) -> Iterator[BulkImport]:
    """One transaction for a whole import, fed batch by batch (``BulkImport.add``):
    every row's record, outbox op and audit entry are saved together at the end, or
    nothing is (an error, or ``write=False``: a dry run, which only matches).

    The commit syncs the WAL and returns; copying the import's pages into the database
    file is a deferred checkpoint in the background (``wait_checkpoint``)."""
    committed = False
    with db.connect() as conn:
        raw: Any = conn.connection.driver_connection
        (cache_size,) = raw.execute("PRAGMA cache_size").fetchone()
        (autocheckpoint,) = raw.execute("PRAGMA wal_autocheckpoint").fetchone()
        # The pages an import dirties, kept in memory until the commit: with the
        # default 2 MB, index pages spill to the WAL and are read back and written
        # again (a fifth of the import's SQL time). Memory only.
        raw.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
        # The commit is durable once the WAL is synced (synchronous=FULL): copying the
        # import's pages from the WAL into the database file is left to a checkpoint
        # after it (``Database.defer_checkpoint``), not done inside the commit the user waits on.
        raw.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                spec = kind_spec(kind)
                identity = device.identity
                rules = ImportRules(conn, spec, identity.actor() if identity else None, refuser)
                bulk = BulkImport(conn, spec, sealer, device, rules, write=write, source=source)
                yield bulk
                bulk.finish()
            except BaseException:
                conn.rollback()
                raise
            if write:
                conn.commit()
                committed = True
            else:
                conn.rollback()
        finally:
            raw.execute(f"PRAGMA cache_size = {int(cache_size)}")
            raw.execute(f"PRAGMA wal_autocheckpoint = {int(autocheckpoint)}")
    if committed:
        db.defer_checkpoint()


class BulkImport:
    """The batches of one import, inside the one transaction ``Store.importing`` holds.

    ``add`` takes validated full wire records (every field of the kind) and matches each
    on the kind's natural key, or for kinds without one on its ``import_keys`` entry (a
    hash of its fields, remembered in ``import_key``): no match → a create; a match that
    differs → an update op of the changed fields only; otherwise nothing. Out-of-scope
    rows come back in ``errors`` and are not written.

    New records, their ops and audit entries go in with the sqlite3 cursor's
    ``executemany``: column values are made here once per row (``ImportLayout``: the
    same stored text SQLAlchemy's column types would write, so ``record_of`` reads them
    back the same). A new record's create is queued as the record is (``outbox.AS_RECORD``:
    its changes are made from the row when the op is read, ``Records.as_record``), and a
    batch's new records share one audit entry (``audit.IMPORT``): the file's name
    (``source``) and each record's digest, found from the record through ``audit_import``.
    Their values are written once, in their rows."""

    def __init__(
        self,
        conn: Connection,
        spec: KindSpec,
        sealer: Sealer,
        device: Device,
        rules: ImportRules,
        *,
        write: bool,
        source: str = "",
    ) -> None:
        self.rules = rules
        """What this device may import: rows a rule refuses are rejected, rows it adjusts
        are written adjusted (``import_rules``)."""
        self.sealer = sealer
        self.device = device
        self.conn = conn
        self.spec = spec
        self.write = write
        self.imported = audit.ImportChanges(spec.name, source)
        """A new record's audit entry: the file's name and the record's digest."""
        self.layout = import_layout(spec.name, conn.dialect)
        self.now = utcnow()
        self.stamp = self.layout.stamp(self.now)
        self.actor = device.actor
        table = spec.table.__table__  # type: ignore[attr-defined]
        live = sa.select(table.c.id).where(table.c.deleted.is_(False)).limit(1)
        self.had_records = conn.execute(live).first() is not None
        """False: nothing to match but what this import itself makes (no look-ups)."""
        self.deferred_indexes = self._defer_indexes() if write else []
        """The table's own indexes, dropped for the import and built again by ``finish``."""
        self.made: set[Any] = set()
        """Match keys of the records this import created."""
        self.scopes: dict[Any, list[FieldError]] = {}
        """``Device.scope_errors`` per org code: the identity does not change mid-import."""

    def _defer_indexes(self) -> list[str]:
        """Into a table with no rows at all (a first migration), the rows go in without
        its secondary indexes, which are built again once at the end: SQLite builds an
        index from sorted keys far faster than it keeps one up to date row by row, in
        random key order. All inside the import's transaction: a rollback brings them
        back as they were. A table that has rows keeps its indexes (rebuilding them
        would cost more than the import saves)."""
        table = self.spec.table.__table__  # type: ignore[attr-defined]
        conn = self.conn
        if conn.execute(sa.select(table.c.id).limit(1)).first() is not None:
            return []
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (str(table.name),),
        ).all()
        for name, _sql in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]

    def finish(self) -> None:
        """Before the commit: the indexes ``_defer_indexes`` dropped, built again."""
        for sql in self.deferred_indexes:
            self.conn.exec_driver_sql(sql)
        self.deferred_indexes = []

    def add(
        self, records: Sequence[Mapping[str, Any]], *, import_keys: Sequence[str] | None = None
    ) -> ImportOutcome:
        """Match and (unless a dry run) write one batch; per row its status and id."""
        fields = self.spec.fields
        columns = dict(zip(fields, columns_of(fields, records), strict=True))
        return self._add(columns, len(records), records, import_keys)

    def add_columns(
        self, columns: Mapping[str, Sequence[Any]], *, import_keys: Sequence[str] | None = None
    ) -> ImportOutcome:
        """``add`` for a batch given a field at a time (every field of the kind, values in
        row order): a record per row is made only if rows have to be matched one by one."""
        count = len(columns[self.spec.fields[0]])
        return self._add(columns, count, None, import_keys)

    def _add(
        self,
        columns: Mapping[str, Sequence[Any]],
        count: int,
        records: Sequence[Mapping[str, Any]] | None,
        import_keys: Sequence[str] | None,
    ) -> ImportOutcome:
        spec = self.spec
        kind = spec.name
        natural = spec.natural_key
        if not natural and (import_keys is None or len(import_keys) != count):
            raise ValueError(f"{kind} has no natural key: give an import key per row")
        if not count:
            return ImportOutcome([], [], {})
        match_keys: list[Any]
        if natural:
            match_keys = list(zip(*(columns[name] for name in natural), strict=True))
        else:
            match_keys = list(import_keys or ())
        orgs = set(columns["org_code"])
        for org_code in orgs - self.scopes.keys():
            self.scopes[org_code] = self.device.scope_errors(org_code)
        simple = not any(self.scopes[org_code] for org_code in orgs) and len(
            set(match_keys)
        ) == len(match_keys)
        if simple and not self.had_records and self.made.isdisjoint(match_keys):
            verdicts = self.rules.creates(columns, count)
            if not verdicts.refused:
                return self._all_new(_adjusted(columns, verdicts.changed), count, match_keys)
        if records is None:
            records = records_of(columns)
        existing: dict[Any, tuple[str, int, Mapping[str, Any]]] = {}
        if self.had_records or not self.made.isdisjoint(match_keys):
            existing.update(import_matches(self.conn, spec, self.sealer, records, import_keys))
        if simple and not existing:
            verdicts = self.rules.creates(columns, count)
            if not verdicts.refused:
                return self._all_new(_adjusted(columns, verdicts.changed), count, match_keys)
        return self._matched(records, match_keys, existing)

    def _all_new(
        self, columns: Mapping[str, Sequence[Any]], count: int, match_keys: list[Any]
    ) -> ImportOutcome:
        """A batch of records that are all new, in scope and distinct (a first migration):
        no look-up per row, every step a column at a time."""
        made_ids = new_ids(count)
        keys = (
            []
            if self.spec.natural_key
            else [
                (self.spec.name, str(key), record_id)
                for key, record_id in zip(match_keys, made_ids, strict=True)
            ]
        )
        self._write_batch(made_ids, columns, match_keys, [], [], [], keys)
        return ImportOutcome([IMPORT_CREATED] * count, list(made_ids), {})

    def _matched(
        self,
        records: Sequence[Mapping[str, Any]],
        match_keys: list[Any],
        existing: dict[Any, tuple[str, int, Mapping[str, Any]]],
    ) -> ImportOutcome:
        """A batch row by row: out of scope, new, unchanged or changed."""
        spec = self.spec
        kind = spec.name
        natural = spec.natural_key
        sealer, actor, stamp, now = self.sealer, self.actor, self.stamp, self.now
        statuses: list[str] = []
        record_ids: list[str | None] = []
        errors: dict[int, list[FieldError]] = {}
        updates: list[dict[str, Any]] = []
        ops: list[tuple[Any, ...]] = []
        entries: list[audit.Entry] = []
        keys: list[tuple[str, str, str]] = []
        created: list[tuple[str, Mapping[str, Any], Any]] = []
        """New records (id, record, match key): their rows and entry are made at once
        after the loop."""
        personal = spec.personal
        fields = spec.fields
        ids = iter(new_ids(len(records)))
        for index, record in enumerate(records):
            scope = self.scopes[record.get("org_code")]
            if scope:
                errors[index] = scope
                statuses.append(IMPORT_REJECTED)
                record_ids.append(None)
                continue
            match_key = match_keys[index]
            found = existing.get(match_key)
            if found is None:
                adjusted, refusal = self.rules.create(record)
                if refusal is not None:
                    errors[index] = [refusal_error(refusal)]
                    statuses.append(IMPORT_REJECTED)
                    record_ids.append(None)
                    continue
                record = {**record, **adjusted} if adjusted else record
                record_id = next(ids)
                # A later row with this key is this record now.
                existing[match_key] = (record_id, 0, record)
                if not natural:
                    keys.append((kind, str(match_key), record_id))
                statuses.append(IMPORT_CREATED)
                record_ids.append(record_id)
                created.append((record_id, record, match_key))
                continue
            record_id, base_version, current = found
            changes = diff({name: current.get(name) for name in fields}, record)
            if not changes:
                statuses.append(IMPORT_UNCHANGED)
                record_ids.append(record_id)
                continue
            refusal = self.rules.update(current, changes)
            if refusal is not None:
                errors[index] = [refusal_error(refusal)]
                statuses.append(IMPORT_REJECTED)
                record_ids.append(None)
                continue
            statuses.append(IMPORT_UPDATED)
            record_ids.append(record_id)
            updates.append(
                {
                    "_id": record_id,
                    "recorded_at": now,
                    "updated_by": actor,
                    **sealer.columns_for(spec, record, record_id),
                }
            )
            existing[match_key] = (record_id, base_version, dict(record))
            if personal and not personal.isdisjoint(changes):
                sealed = audit.canonical_changes(sealer.seal_changes(kind, record_id, changes))
                masked = None  # append_many masks them itself
            else:
                sealed = masked = audit.canonical_changes(changes)
            update = Action.UPDATE.value
            ops.append((next(ids), kind, record_id, update, sealed, base_version, stamp))
            entries.append(audit.Entry(now, actor, update, kind, record_id, changes, masked))
        made_ids, made, made_keys = (
            (list(column) for column in zip(*created, strict=True)) if created else ([], [], [])
        )
        columns = dict(zip(fields, columns_of(fields, made), strict=True)) if made else {}
        self._write_batch(made_ids, columns, made_keys, updates, ops, entries, keys)
        return ImportOutcome(statuses, record_ids, errors)

    def _write_batch(
        self,
        made_ids: Sequence[str],
        made: Mapping[str, Sequence[Any]],
        made_keys: Sequence[Any],
        updates: list[dict[str, Any]],
        ops: list[tuple[Any, ...]],
        entries: list[audit.Entry],
        keys: list[tuple[str, str, str]],
    ) -> None:
        """The new records (``made``: a field at a time) as rows, and the one audit entry
        for all of them (``audit.IMPORT``: the file and each record's digest), chained
        before the batch's updates; then (unless a dry run) the batch written."""
        self.made.update(made_keys)
        if not self.write:
            return
        if made_ids:
            digests = self.imported.digests_of_columns(made)
            text = self.imported.changes(made_ids, digests)
            entry = audit.Entry(self.now, self.actor, audit.IMPORT, self.spec.name, "", {}, text)
            entries = [entry, *entries]
        inserts = self._rows(
            made_ids, [made[name] for name in self.spec.fields] if made_ids else []
        )
        table = self.spec.table.__table__  # type: ignore[attr-defined]
        conn = self.conn
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            # The rows after the last one now are this batch's new records.
            (last,) = cursor.execute(f"SELECT max(rowid) FROM {table.name}").fetchone()
            last = last or 0
            if inserts:
                cursor.executemany(self.layout.insert, inserts)
                # Each new record's create, queued as the record is (its values are in its
                # row, once), made from the rows just written: no value crosses from Python.
                cursor.execute(CREATES_QUEUED.format(table=table.name), (table.name, last))
            if updates:
                conn.execute(table.update().where(table.c.id == sa.bindparam("_id")), updates)
            if ops:
                cursor.executemany(OUTBOX_INSERT, ops)
            entry_ids = audit.append_many(conn, entries)
            if made_ids:  # the new records' entry is the batch's first
                cursor.execute(
                    "INSERT INTO audit_import (record_id, entry_id)"
                    f" SELECT id, ? FROM {table.name} WHERE rowid > ? ORDER BY rowid",
                    (entry_ids[0], last),
                )
            if keys:
                cursor.executemany(
                    "INSERT OR REPLACE INTO import_key (kind, key, record_id) VALUES (?, ?, ?)",
                    keys,
                )
        finally:
            cursor.close()

    def _rows(
        self, record_ids: Sequence[str], fields: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        """New records' rows for ``ImportLayout.insert`` from their values a field at a
        time (in the kind's order): each field's values through its column type's
        processor (and, if personal, sealed to their record), then the rows zipped."""
        if not record_ids:
            return []
        layout, spec = self.layout, self.spec
        columns = list(fields)
        for position, encode in layout.encoders:
            columns[position] = encode(columns[position])
        if layout.personal:
            key = self.sealer.require_key()
            for position, name in layout.personal:
                columns[position] = [
                    seal_value(key, spec, layout.table, name, record_id, value)
                    for record_id, value in zip(record_ids, columns[position], strict=True)
                ]
        return list(zip(record_ids, repeat(self.actor), repeat(self.stamp), *columns, strict=False))


def _adjusted(
    columns: Mapping[str, Sequence[Any]], changed: Mapping[int, Mapping[str, Any]]
) -> Mapping[str, Sequence[Any]]:
    """The batch's columns with the rows the rules adjusted (a copy of the fields they
    change; the rest as they were)."""
    if not changed:
        return columns
    out = dict(columns)
    for name in {name for values in changed.values() for name in values}:
        column = list(columns[name])
        for index, values in changed.items():
            if name in values:
                column[index] = values[name]
        out[name] = column
    return out
