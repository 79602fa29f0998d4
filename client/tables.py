"""Tables only the local database has: the outbox, the audit chain, conflicts, settings.

The record tables come from models.records, the same as central's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from models.kinds import KINDS


class OutboxOp(SQLModel, table=True):
    """A local change waiting for central's acknowledgement; removed only after it."""

    __tablename__ = "outbox"

    seq: int | None = Field(default=None, primary_key=True)
    """Local order: ops are pushed oldest first."""
    op_id: str = Field(unique=True, max_length=36)
    kind: str
    record_id: str = Field(index=True, max_length=36)
    action: str
    changes: dict[str, Any] | None = Field(default_factory=dict, sa_type=JSON, nullable=False)
    """{field: [from, to]}; JSON null (``outbox.AS_RECORD``, never SQL NULL) for a create
    queued as the record is: an imported row's, made from the record when it is read."""
    base_version: int = 0
    recorded_at: datetime
    state: str = Field(default="pending", index=True)
    """pending, or quarantined (central rejected it; kept with the reason)."""
    attempts: int = 0
    last_attempt_at: datetime | None = None
    last_error: str = ""


class AuditEntry(SQLModel, table=True):
    """Who changed what and when, as a hash chain: each entry hashes the one before."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str
    action: str
    kind: str
    record_id: str = Field(index=True, max_length=36)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    """{field: [from, to]} with personal values masked."""
    prev_hash: str
    hash: str


class AuditImport(SQLModel, table=True):
    """Which audit entry holds an imported record's digest: an import's new records share
    one entry (``audit.IMPORT``), so a record's history finds it here (migration l0009)."""

    __tablename__ = "audit_import"
    __table_args__ = {"sqlite_with_rowid": False}

    record_id: str = Field(primary_key=True, max_length=36)
    entry_id: int


class ConflictRow(SQLModel, table=True):
    """A conflict central reported, kept until a person decides it."""

    __tablename__ = "conflict"

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    record_id: str = Field(index=True, max_length=36)
    op_id: str
    type: str
    field: str
    base: Any = Field(default=None, sa_type=JSON, nullable=True)
    mine: Any = Field(default=None, sa_type=JSON, nullable=True)
    theirs: Any = Field(default=None, sa_type=JSON, nullable=True)
    version: int = 0
    record: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    """Central's record when the conflict was found."""
    created_at: datetime
    resolved_at: datetime | None = None
    resolution: str = ""


class Setting(SQLModel, table=True):
    """Small key/value state: the device identity and the pull cursor."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str


class SyncRound(SQLModel, table=True):
    """One sync round's figures, for the history screen and support staff."""

    __tablename__ = "sync_round"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    finished_at: datetime | None = None
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    rejected: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0
    files_sent: int = 0
    files_received: int = 0
    """Attachments moved in the round (added by l0008)."""
    error: str = ""


class AttachmentRow(SQLModel, table=True):
    """A photo or scan this home has, or has been asked to fetch. The bytes live in a
    sealed file named by the digest (see client.attachments); this row says where they
    stand with central."""

    __tablename__ = "local_attachment"

    digest: str = Field(primary_key=True, max_length=64)
    size: int = 0
    name: str = ""
    """The file's name when it was attached (shown to people, never sent)."""
    state: str = Field(default="pending", index=True)
    """pending (here, central lacks it), synced (here and on central), wanted (asked for,
    not here yet), or original (a downscaled copy went up instead; kept here only)."""
    original_digest: str | None = Field(default=None, max_length=64)
    """For a downscaled copy: the digest of the original it was made from."""
    added_at: datetime
    synced_at: datetime | None = None
    last_error: str = ""


class CentralHistory(SQLModel, table=True):
    """The versions central holds of one record, as last fetched (``client.record_history``):
    kept so a record's history shows them again offline, with when they were fetched."""

    __tablename__ = "central_history"
    __table_args__ = {"sqlite_with_rowid": False}

    record_id: str = Field(primary_key=True, max_length=36)
    kind: str
    fetched_at: datetime
    versions: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    """Central's answer as it came (``sync.protocol_history.HistoryEntry`` each, personal
    values masked by central), oldest version first."""


LOCAL_TABLES = (
    "outbox",
    "audit",
    "audit_import",
    "conflict",
    "setting",
    "sync_round",
    "local_attachment",
    "central_history",
)


def _local_natural_key_indexes() -> tuple[Index, ...]:
    """Natural-key look-ups on every save stay fast as a village's records grow.

    Not unique: a pulled record may meet a local create of the same key, which is
    a duplicate conflict for a person to decide, not an error of the database.
    Central has its own unique (live rows only) index instead.
    """
    indexes = []
    for spec in KINDS.values():
        if spec.natural_key:
            table = spec.table.__table__  # type: ignore[attr-defined]
            columns = [table.c[name] for name in spec.natural_key]
            indexes.append(Index(f"ix_local_natural_{spec.name}", *columns))
    return tuple(indexes)


LOCAL_INDEXES = _local_natural_key_indexes()


def _unkept_model_indexes() -> frozenset[str]:
    """Indexes the shared record models declare that the local database drops (migration
    l0010): ``seq`` (no local query orders or filters by it), and ``org_code`` where the
    kind's natural-key index already begins with it."""
    names = set()
    for spec in KINDS.values():
        table = spec.table.__table__  # type: ignore[attr-defined]
        names.add(f"ix_{table.name}_seq")
        if spec.natural_key[:1] == ("org_code",):
            names.add(f"ix_{table.name}_org_code")
    return frozenset(names)


UNKEPT_MODEL_INDEXES = _unkept_model_indexes()
