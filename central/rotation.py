"""Sealing what an older central kept in clear, and rotating central's data key.

Both are one walk over every place central keeps a sealed value (``PLACES``): the
records' personal columns (read from the kinds' declaration), their versions in the
change log, stored op answers that carry values, units' SMS contacts and queued
messages. The walk goes in key order, a batch of rows per transaction; each value is
written back only if it still is what was read (a writer in between wins), so the walk
may be killed at any point and run again: what is sealed with the current key, with
its blind index up to date, is left as it is.

``seal_in_clear`` runs once per database, at ``central init`` (a setting remembers it).
``rotate_key`` (``sanwu central rotate-key``) writes a key ring, the new key first and the
old after it (``central.sealing``: the first seals, the rest only open), re-seals every
value, walks once more to prove nothing is left under the old key, then retires it. Killed
part way, the ring is still in the key file and the next run goes on with the same new
key. The blind indexes are keyed by central's secret, not by the data key: a rotation
leaves them (and the payment fingerprints) as they are, but recomputes any that no longer
match the secret, so after a changed SANWU_CENTRAL_SECRET a rotation brings them back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, Table
from sqlmodel import Session

from central.at_rest import OP_RESULT, VERSIONS, AtRest
from central.contacts import TABLE as CONTACTS
from central.contacts import UnitContact
from central.db import make_engine
from central.findings import central_secret, rebuild_fingerprints
from central.sealing import (
    CentralKeyError,
    blind_of,
    is_sealed,
    key_file_of,
    key_id_of,
    load_key,
    new_key_text,
    write_key_file,
)
from central.sms.table import PHONE_COLUMN, SmsMessage
from central.sms.table import TABLE as MESSAGES
from central.tables import CentralSetting, OpResultRow, RecordVersion
from models.i18n import N_
from models.kinds import KINDS, KindSpec

__all__ = ["BATCH", "Rotation", "rotate_key", "seal_in_clear"]

BATCH = 500
"""Rows per transaction."""
SEALED_SETTING = "at_rest"
"""``central_setting`` key: set once the values an older central kept in clear are sealed."""
MAX_PASSES = 3
"""Walks of a rotation before it gives up retiring the old key (a writer kept sealing with
it: a central process that had not read the new key file yet)."""

Renew = Callable[[Any], str | None]
"""A row (its key, the column, and what binds it) -> the value to write, None to leave it."""


@dataclass(frozen=True)
class Place:
    """One column holding sealed values, walked by ``key`` in batches."""

    name: str
    table: Table
    key: str
    column: str
    extra: tuple[str, ...]
    where: Any
    renew: Callable[[AtRest], Renew]


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _fresh(at_rest: AtRest, value: Any) -> bool:
    """Sealed with the key that seals now."""
    return is_sealed(value) and key_id_of(value) == at_rest.key.key_id


def _record(spec: KindSpec, name: str) -> Callable[[AtRest], Renew]:
    def renew_with(at_rest: AtRest) -> Renew:
        def renew(row: Any) -> str | None:
            value = getattr(row, name)
            if not isinstance(value, str) or not value:
                return None
            fresh = _fresh(at_rest, value)
            if fresh and name not in spec.natural_key:
                return None
            clear = at_rest.open_value(spec, name, row.id, value)
            if fresh and blind_of(value) == at_rest.blind(name, clear):
                return None
            sealed: str = at_rest.seal_value(spec, name, row.id, clear)
            return sealed

        return renew

    return renew_with


def _versions(at_rest: AtRest) -> Renew:
    def renew(row: Any) -> str | None:
        spec = KINDS.get(row.kind)
        if spec is None:
            return None
        changes = json.loads(row.changes)
        stale = any(
            isinstance(value, str) and value and not _fresh(at_rest, value)
            for name in spec.personal & changes.keys()
            for value in changes[name]
        )
        if not stale:
            return None
        opened = at_rest.open_changes(spec, row.record_id, row.version, row.changes)
        return at_rest.seal_changes(spec, row.record_id, row.version, opened)

    return renew


def _carries_values(text: str) -> bool:
    answer = json.loads(text)
    error = answer.get("error") or {}
    return bool(answer.get("conflicts") or error.get("record") or error.get("params"))


def _results(at_rest: AtRest) -> Renew:
    def renew(row: Any) -> str | None:
        text = row.result
        if _fresh(at_rest, text) or (not is_sealed(text) and not _carries_values(text)):
            return None
        clear = at_rest.open_result(row.op_id, text)
        return at_rest.seal_result(row.op_id, clear, carries_values=True)

    return renew


def _phone(table: str, key: str) -> Callable[[AtRest], Renew]:
    def renew_with(at_rest: AtRest) -> Renew:
        def renew(row: Any) -> str | None:
            value = row.phone
            if _fresh(at_rest, value) or not value:
                return None
            row_id = getattr(row, key)
            clear = value
            if is_sealed(value):
                clear = at_rest.key.open(table, PHONE_COLUMN, row_id, value)
            return at_rest.key.seal(table, PHONE_COLUMN, row_id, clear)

        return renew

    return renew_with


def places() -> list[Place]:
    """Every column central keeps sealed values in."""
    found = [
        Place(
            f"{spec.name}.{name}",
            _t(spec.table),
            "id",
            name,
            (),
            None,
            _record(spec, name),
        )
        for spec in KINDS.values()
        for name in sorted(spec.personal)
    ]
    versions = _t(RecordVersion)
    personal_kinds = sorted(spec.name for spec in KINDS.values() if spec.personal)
    found.append(
        Place(
            VERSIONS,
            versions,
            "seq",
            "changes",
            ("kind", "record_id", "version"),
            versions.c.kind.in_(personal_kinds),
            _versions,
        )
    )
    found.append(Place(OP_RESULT, _t(OpResultRow), "op_id", "result", (), None, _results))
    contacts = _phone(CONTACTS, "org_code")
    found.append(Place(CONTACTS, _t(UnitContact), "org_code", "phone", (), None, contacts))
    found.append(Place(MESSAGES, _t(SmsMessage), "id", "phone", (), None, _phone(MESSAGES, "id")))
    return found


def _walk(
    engine: Engine,
    place: Place,
    at_rest: AtRest,
    batch: int,
    after_batch: Callable[[], None] | None,
) -> int:
    """Re-seal what ``place`` holds that needs it; returns how many values were written."""
    table = place.table
    key = table.c[place.key]
    column = table.c[place.column]
    picked = [key, column, *(table.c[name] for name in place.extra)]
    renew = place.renew(at_rest)
    written = 0
    last: Any = None
    while True:
        with engine.begin() as connection:
            stmt = sa.select(*picked).order_by(key).limit(batch)
            if place.where is not None:
                stmt = stmt.where(place.where)
            if last is not None:
                stmt = stmt.where(key > last)
            rows = connection.execute(stmt).all()
            for row in rows:
                value = renew(row)
                if value is None:
                    continue
                done = connection.execute(
                    sa.update(table)
                    .where(key == getattr(row, place.key), column == getattr(row, place.column))
                    .values({place.column: value})
                )
                written += done.rowcount
        if not rows:
            return written
        last = getattr(rows[-1], place.key)
        if after_batch is not None:
            after_batch()


def _walk_all(
    engine: Engine, at_rest: AtRest, batch: int, after_batch: Callable[[], None] | None
) -> dict[str, int]:
    present = set(sa.inspect(engine).get_table_names())
    return {
        place.name: _walk(engine, place, at_rest, batch, after_batch)
        for place in places()
        if place.table.name in present
    }


def _secret(engine: Engine) -> bytes:
    with Session(engine) as session:
        secret = central_secret(session)
        session.commit()
        return secret


def _compact(engine: Engine) -> None:
    """SQLite: rewrite the file, so the pages that held the old values are gone from it."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def seal_in_clear(db_url: str, *, batch: int = BATCH) -> dict[str, int]:
    """Seal what a central before sealing kept in clear; once per database (idempotent).
    The key is loaded only when a value needs it."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            if session.get(CentralSetting, SEALED_SETTING) is not None:
                return {}
        at_rest = AtRest(lambda: load_key(db_url), lambda: _secret(engine))
        counts = _walk_all(engine, at_rest, batch, None)
        with Session(engine) as session:
            session.merge(CentralSetting(key=SEALED_SETTING, value="sealed"))
            session.commit()
        if any(counts.values()):
            _compact(engine)
        return counts
    finally:
        engine.dispose()


@dataclass
class Rotation:
    """What ``rotate_key`` did: the key ids, and the values re-sealed per place."""

    old_key_id: str
    new_key_id: str
    resumed: bool
    counts: dict[str, int] = field(default_factory=dict)
    passes: int = 0


def _ring(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="ascii").replace(",", " ").split()
    except OSError as exc:
        raise CentralKeyError(N_("cannot read central's key file {path}"), path=path) from exc


def rotate_key(
    db_url: str, *, batch: int = BATCH, after_batch: Callable[[], None] | None = None
) -> Rotation:
    """Make a new key, re-seal every value with it and retire the old one (see the module).
    ``after_batch`` runs after each committed batch (the tests interrupt there)."""
    if batch < 1:
        raise ValueError("a batch is at least one row")
    path = key_file_of(db_url)
    if path is None:
        raise CentralKeyError(
            N_(
                "rotate-key writes the new key to central's key file: give it by "
                "SANWU_CENTRAL_KEY_FILE (or, for SQLite, the file beside the database), "
                "not SANWU_CENTRAL_KEY"
            )
        )
    old = load_key(db_url)  # makes the file beside a SQLite database on first use
    keys = _ring(path)
    resumed = len(keys) > 1
    if not resumed:
        write_key_file(path, [new_key_text(), *keys])
    engine = make_engine(db_url)
    try:
        key = load_key(db_url)
        outcome = Rotation(
            old_key_id=old.older_ids[0] if resumed and old.older_ids else old.key_id,
            new_key_id=key.key_id,
            resumed=resumed,
        )
        at_rest = AtRest(lambda: key, lambda: _secret(engine))
        for _ in range(MAX_PASSES):
            counts = _walk_all(engine, at_rest, batch, after_batch)
            outcome.passes += 1
            for name, count in counts.items():
                outcome.counts[name] = outcome.counts.get(name, 0) + count
            if not any(counts.values()):
                break
        else:
            raise CentralKeyError(
                N_(
                    "values sealed with the old key kept coming after {n} passes: stop "
                    "central's processes and run rotate-key again (the old key is kept until "
                    "then)"
                ),
                n=MAX_PASSES,
            )
        write_key_file(path, [_ring(path)[0]])
        with Session(engine) as session:
            rebuild_fingerprints(session, secret=central_secret(session))
        _compact(engine)
        return outcome
    finally:
        engine.dispose()
