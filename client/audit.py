"""The local audit log, a hash chain: each entry carries the hash of the one before.

Appended in the same transaction as the change it describes. Personal values
are masked before they are written, so the log can be shown and exported.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from json.encoder import encode_basestring as _json_string
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from client.column_codec import encoded_lists
from client.tables import AuditEntry
from models.kinds import KINDS, timestamp_to_wire
from models.masking import mask_record
from sync.protocol import AUDIT_DIGEST_HEX, AuditLink, audit_digest, audit_link_hash

GENESIS = "0" * 64
Link = AuditLink
_audit = AuditEntry.__table__  # type: ignore[attr-defined]


def masked_changes(kind: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: [from, to]}`` with personal values replaced by their masks."""
    spec = KINDS.get(kind)
    personal = spec.personal if spec else frozenset()
    out: dict[str, Any] = {}
    for name, pair in changes.items():
        if name in personal:
            before = mask_record(kind, {name: pair[0]}).get(name) if pair[0] else pair[0]
            after = mask_record(kind, {name: pair[1]}).get(name) if pair[1] else pair[1]
            out[name] = [before, after]
        else:
            out[name] = list(pair)
    return out


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """sha256(prev_hash + sha256(canonical body)): central can check a link from the
    body's digest alone, without the body (``sync.protocol.AuditLink``)."""
    return audit_link_hash(prev_hash, audit_digest(entry))


def entry_body(row: Any) -> dict[str, Any]:
    """What an entry's hash covers (``entry_hash``), read back from its row."""
    return {
        "at": timestamp_to_wire(row.at),
        "actor": row.actor,
        "action": row.action,
        "kind": row.kind,
        "record_id": row.record_id,
        "changes": row.changes,
    }


def append(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    kind: str,
    record_id: str,
    changes: Mapping[str, Any],
) -> None:
    """Add one entry after the last one, inside the caller's transaction."""
    _append_masked(
        conn,
        at=at,
        actor=actor,
        action=action,
        kind=kind,
        record_id=record_id,
        masked=masked_changes(kind, changes),
    )


def _append_masked(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    kind: str,
    record_id: str,
    masked: Mapping[str, Any],
) -> None:
    prev = conn.execute(sa.select(_audit.c.hash).order_by(_audit.c.id.desc()).limit(1)).scalar()
    prev_hash = prev or GENESIS
    body = {
        "at": timestamp_to_wire(at),
        "actor": actor,
        "action": action,
        "kind": kind,
        "record_id": record_id,
        "changes": masked,
    }
    conn.execute(
        _audit.insert(),
        {
            "at": at,
            "actor": actor,
            "action": action,
            "kind": kind,
            "record_id": record_id,
            "changes": masked,
            "prev_hash": prev_hash,
            "hash": entry_hash(prev_hash, body),
        },
    )


def append_reveal(
    conn: Connection,
    *,
    at: datetime,
    actor: str,
    kind: str,
    record_id: str,
    fields: Sequence[str],
    user: str = "",
) -> None:
    """Personal data shown in clear: which fields of which record, by whom (no values)."""
    _append_masked(
        conn,
        at=at,
        actor=actor,
        action="reveal",
        kind=kind,
        record_id=record_id,
        masked={"fields": sorted(fields), "user": user},
    )


def links(conn: Connection, *, after: int, limit: int) -> list[AuditLink]:
    """Entries after ``after`` as links central can check: id, digest of the body, hash."""
    rows = conn.execute(
        sa.select(_audit).where(_audit.c.id > after).order_by(_audit.c.id).limit(limit)
    )
    return [
        AuditLink(id=int(row.id), digest=audit_digest(entry_body(row)), hash=row.hash)
        for row in rows
    ]


def canonical_changes(changes: Mapping[str, Any]) -> str:
    """``changes`` as they appear inside an entry's canonical body (``entry_hash``): sorted
    keys, no spaces, UTF-8 text. Also a valid JSON column value (it reads back equal)."""
    return _CANONICAL.encode(changes)


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""``audit_digest``'s serialisation, made once (``json.dumps`` with options makes one per call)."""


IMPORT = "import"
"""The action of the one entry an import writes for a batch of new records: ``{"file": the
file's name, "records": {record id: record_digest(the record as imported)}}`` instead of
every value, which each record's own row holds. Its ``record_id`` is empty (it is about
many records); ``audit_import`` maps each of them to it, for their histories
(``import_history``). It is a link of the chain like any other (``entry_hash``), and the
push carries one link for it, not one per record."""


def record_digest(kind: str, record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a record's fields as canonical JSON (``canonical_changes``: keys
    sorted, no spaces, UTF-8), personal values masked as the log masks them: what an
    import's entry holds of a new record's values. Anyone with the values as imported
    (the legacy file's row, cleaned) can make it again and compare."""
    spec = KINDS[kind]
    fields = spec.field_types
    body = record if record.keys() == fields.keys() else {name: record[name] for name in fields}
    if spec.masked:
        body = mask_record(kind, body)
    return hashlib.sha256(_CANONICAL.encode(body).encode("utf-8")).hexdigest()


def import_history(changes: Mapping[str, Any], record_id: str) -> dict[str, Any]:
    """One record's part of an import's entry, as its history shows it: the file and the
    record's digest (``{"file", "sha256"}``)."""
    records = changes.get("records") or {}
    return {"file": changes.get("file"), "sha256": records.get(record_id)}


class ImportChanges:
    """The changes of an import's entry (``IMPORT``) for one file: each new record's
    ``record_digest``, and the entry's canonical text for a batch of them.

    For a kind with nothing to mask, a batch's digests are made a field at a time: each
    column's values encoded in one pass (text with the C encoder), then every record's
    canonical text filled into one template (a bulk import makes one per row, and the
    encoder's own dict path costs twice as much). ``tests/client/test_audit.py`` checks
    them against ``record_digest``."""

    def __init__(self, kind: str, source: str) -> None:
        spec = KINDS[kind]
        self.kind = kind
        self.head = f'{{"file":{_CANONICAL.encode(source)},"records":{{'
        self.keys = spec.field_types.keys()
        self.masked = bool(spec.masked)
        """``mask_record`` changes some values: those records take ``record_digest``."""
        self.plan = tuple((name, f'"{name}":') for name in sorted(self.keys))
        self.lists: dict[tuple[Any, ...], str] = {}
        """Lists (sets) repeat a lot (channels): each distinct one is encoded once."""

    def digests_of_columns(self, columns: Mapping[str, Sequence[Any]]) -> list[str]:
        """``record_digest`` of each record of a batch given a field at a time (every
        field of the kind, values in record order)."""
        names = [name for name, _head in self.plan]
        if self.masked:
            rows = zip(*(columns[name] for name in names), strict=True)
            return [record_digest(self.kind, dict(zip(names, row, strict=True))) for row in rows]
        encoded = [self._column(columns[name]) for name in names]
        template = "{" + ",".join(head.replace("%", "%%") + "%s" for _name, head in self.plan) + "}"
        sha256 = hashlib.sha256
        return [
            sha256((template % values).encode("utf-8")).hexdigest()
            for values in zip(*encoded, strict=True)
        ]

    def changes(self, record_ids: Sequence[str], digests: Sequence[str]) -> str:
        """The canonical text of the entry for these new records (keys sorted: by id)."""
        pairs = sorted(zip(record_ids, digests, strict=True))
        if _PLAIN_STRING.fullmatch("".join(record_ids)):  # UUIDs (and hex digests): as they are
            body = ",".join(f'"{record_id}":"{digest}"' for record_id, digest in pairs)
        else:
            body = ",".join(f"{_json(record_id)}:{_json(digest)}" for record_id, digest in pairs)
        return f"{self.head}{body}}}}}"

    def _column(self, values: Sequence[Any]) -> Sequence[str]:
        """One field's values as the canonical encoder writes each."""
        types = set(map(type, values))
        if types == {str}:
            return list(map(_json_string, values))
        if types == {list}:
            return encoded_lists(values, _CANONICAL.encode, self.lists)
        return [
            _json_string(value) if type(value) is str else _CANONICAL.encode(value)
            for value in values
        ]


_PLAIN_STRING = re.compile(r"[0-9A-Za-z_.:-]*")
"""Strings JSON writes as they are, between quotes (record ids are UUIDs)."""


def _json(value: Any) -> str:
    if isinstance(value, str) and _PLAIN_STRING.fullmatch(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


class Entry(NamedTuple):
    """One entry for ``append_many``: the keyword arguments of ``append``, and maybe
    ``canonical_changes(masked changes)`` already made by the caller (the same text the
    outbox stores when nothing is personal), so it is not serialised twice."""

    at: datetime
    actor: str
    action: str
    kind: str
    record_id: str
    changes: Mapping[str, Any]
    canonical_changes: str | None = None


def append_many(conn: Connection, entries: Sequence[Entry]) -> list[int]:
    """Add entries in order after the last one, in one ``executemany``, inside the caller's
    transaction; the chain is exactly what ``append`` one by one would make. Returns their
    ids.

    The canonical body is assembled from pieces: its keys sorted (action, actor, at,
    changes, kind, record_id), each value as ``json.dumps`` with ``ensure_ascii=False``
    writes it; ``tests/client/legacy`` checks it against ``entry_hash``."""
    if not entries:
        return []
    last = conn.execute(
        sa.select(_audit.c.id, _audit.c.hash).order_by(_audit.c.id.desc()).limit(1)
    ).first()
    first_id, prev_hash = (int(last.id) + 1, last.hash) if last is not None else (1, GENESIS)
    ids = list(range(first_id, first_id + len(entries)))
    stamp = _audit.c.at.type._cached_bind_processor(conn.dialect)
    heads: dict[tuple[str, str, datetime], tuple[str, Any]] = {}
    tails: dict[str, str] = {}
    sha256 = hashlib.sha256
    rows: list[tuple[Any, ...]] = []
    for at, actor, action, kind, record_id, changes, text in entries:
        if text is None:
            text = canonical_changes(masked_changes(kind, changes))
        head = heads.get((action, actor, at))
        if head is None:
            head = heads[(action, actor, at)] = (
                f'{{"action":{_json(action)},"actor":{_json(actor)},'
                f'"at":{_json(timestamp_to_wire(at))},"changes":',
                stamp(at) if stamp else at,
            )
        tail = tails.get(kind)
        if tail is None:
            tail = tails[kind] = f',"kind":{_json(kind)},"record_id":'
        body = f"{head[0]}{text}{tail}{_json(record_id)}}}"
        digest = sha256(body.encode("utf-8")).hexdigest()[:AUDIT_DIGEST_HEX]
        link = sha256((prev_hash + digest).encode("ascii")).hexdigest()
        rows.append((head[1], actor, action, kind, record_id, text, prev_hash, link))
        prev_hash = link
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(
            "INSERT INTO audit (id, at, actor, action, kind, record_id, changes, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(entry_id, *row) for entry_id, row in zip(ids, rows, strict=True)],
        )
    finally:
        cursor.close()
    return ids
