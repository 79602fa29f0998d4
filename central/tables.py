"""Central-only tables. The seven record tables come from ``models.records`` (imported here so
that they register in ``SQLModel.metadata`` next to these).

Alembic owns the schema (``central/migrations``); ``CENTRAL_TABLES`` is what central's
migrations manage, so the client's tables in the same metadata are never touched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Index, literal_column
from sqlmodel import Field, SQLModel, col

import models.records  # noqa: F401  (registers the record tables)
from models.kinds import KINDS
from models.sqltypes import BIG_INT


class OrgUnitRow(SQLModel, table=True):
    """The org tree central scopes by; loaded from ``models.orgs`` by ``central.seed``."""

    __tablename__ = "org_unit"

    code: str = Field(primary_key=True, max_length=12)
    name: str
    level: str = Field(max_length=20)
    parent: str | None = Field(default=None, max_length=12)
    demo: bool = False


class Device(SQLModel, table=True):
    """An enrolled device: its public key is its identity, its scope an org-code prefix."""

    __tablename__ = "device"

    id: str = Field(primary_key=True, max_length=36)
    public_key: str = Field(max_length=64)
    org_code: str = Field(index=True, max_length=12)
    role: str = Field(max_length=20)
    scope: str = Field(max_length=2000)
    """Org-code prefixes, comma-separated: a discipline body's devices reach the units
    assigned to it besides their own (revision 0007 widened it)."""
    name: str = ""
    enrolled_at: datetime
    revoked_at: datetime | None = None
    last_seen_at: datetime | None = None
    """Added by revision 0002."""
    encryption_key: str | None = Field(default=None, max_length=64)
    """Its X25519 public key (raw, base64): reply bundles' personal values are sealed to it.
    None: enrolled before revision 0010 (its bundles are refused until it enrolls again)."""


class EnrollCode(SQLModel, table=True):
    """A one-time enrollment code; only its SHA-256 is kept, so a database leak reveals none."""

    __tablename__ = "enroll_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    org_code: str = Field(max_length=12)
    role: str = Field(max_length=20)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by_device: str | None = Field(default=None, max_length=36)


class OpResultRow(SQLModel, table=True):
    """The answer given to an op, so a retry after a lost answer gets the same one."""

    __tablename__ = "op_result"

    op_id: str = Field(primary_key=True, max_length=64)
    device_id: str = Field(max_length=36)
    result: str
    """The OpResult as JSON text; sealed whole when it carries records or values
    (``central.at_rest``)."""
    at: datetime


class RecordVersion(SQLModel, table=True):
    """One applied version of a record: the edit history and the audit trail."""

    __tablename__ = "record_version"
    __table_args__ = (Index("ix_record_version_kind_record_id", "kind", "record_id"),)

    seq: int = Field(primary_key=True, sa_type=BIG_INT, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=32)
    record_id: str = Field(max_length=36)
    version: int = Field(sa_type=BIG_INT)
    org_code: str = Field(index=True, max_length=12)
    moved_from: str | None = Field(default=None, index=True, max_length=12)
    """The unit this version moved the record out of (None: it stayed): its devices are
    told the record left them (``central.pull``)."""
    device_id: str = Field(max_length=36)
    op_id: str | None = Field(default=None, max_length=64)
    changes: str
    """JSON ``{field: [from, to]}`` of what this version applied (wire values; personal
    ones sealed: ``central.at_rest.AtRest.open_changes`` reads them)."""
    at: datetime


class Nonce(SQLModel, table=True):
    """Nonces seen per device inside the signature window: a replay is refused."""

    __tablename__ = "nonce"

    device_id: str = Field(primary_key=True, max_length=36)
    nonce: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = Field(index=True)


class BodyAssignment(SQLModel, table=True):
    """A department a discipline body supervises (一体化监督, revision 0007)."""

    __tablename__ = "body_assignment"

    body: str = Field(primary_key=True, max_length=12)
    unit: str = Field(primary_key=True, max_length=12)


class Counter(SQLModel, table=True):
    """The single row holding the last change number; its row lock serialises writers."""

    __tablename__ = "counter"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(default=0, sa_type=BIG_INT)


class CentralSetting(SQLModel, table=True):
    """Central's own small settings; ``secret`` keys the ID-number hashes (revision 0003)."""

    __tablename__ = "central_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: str


class DeviceAudit(SQLModel, table=True):
    """The last entry of a device's audit chain central has checked (revision 0003)."""

    __tablename__ = "device_audit"

    device_id: str = Field(primary_key=True, max_length=36)
    last_id: int = Field(default=0, sa_type=BIG_INT)
    last_hash: str = Field(max_length=64)


class AuditFinding(SQLModel, table=True):
    """A device's audit chain did not continue as it should: a gap or an edited entry."""

    __tablename__ = "audit_finding"

    id: int | None = Field(default=None, primary_key=True, sa_type=BIG_INT)
    device_id: str = Field(index=True, max_length=36)
    org_code: str = Field(index=True, max_length=12)
    at: datetime
    kind: str = Field(max_length=20)
    """``gap`` or ``edited``."""
    detail: str


class PaymentFingerprint(SQLModel, table=True):
    """Beside each payment, the keyed hash of its recipient's ID number (never the number):
    the same person paid twice for one subsidy and period shows as a repeated hash."""

    __tablename__ = "payment_fingerprint"

    payment_id: str = Field(primary_key=True, max_length=36)
    id_hash: str = Field(index=True, max_length=64)
    org_code: str = Field(max_length=12)
    project_id: str = Field(max_length=36)
    category: str = Field(max_length=40)
    period: str = Field(max_length=10)


class Attachment(SQLModel, table=True):
    """A file a record names, by the SHA-256 of its bytes (revision 0004). In the database,
    not on disk, so every central process of a region shares it and each chunk lands in
    the same transaction as the ``received`` it advances."""

    __tablename__ = "attachment"

    digest: str = Field(primary_key=True, max_length=64)
    size: int = Field(sa_type=BIG_INT)
    """Declared by the uploader; the digest check at completion proves it."""
    received: int = Field(default=0, sa_type=BIG_INT)
    """Bytes held and confirmed from the start of the file: where an upload goes on."""
    complete: bool = False
    created_at: datetime
    completed_at: datetime | None = None
    first_device_id: str = Field(max_length=36)
    """The device that sent the chunk at offset 0 (last, after a discard); it may always see
    the file, even when the record that named it no longer does."""


class AttachmentChunk(SQLModel, table=True):
    """The bytes of an attachment from ``start`` on, as one request delivered them."""

    __tablename__ = "attachment_chunk"

    digest: str = Field(primary_key=True, max_length=64)
    start: int = Field(primary_key=True, sa_type=BIG_INT, sa_column_kwargs={"autoincrement": False})
    """The chunk's offset in the file (``offset`` is an SQL keyword)."""
    data: bytes


RECORD_TABLES: tuple[str, ...] = tuple(str(spec.table.__tablename__) for spec in KINDS.values())
CENTRAL_ONLY_TABLES: tuple[str, ...] = (
    "body_assignment",
    "org_unit",
    "device",
    "enroll_code",
    "op_result",
    "record_version",
    "nonce",
    "counter",
    "central_setting",
    "device_audit",
    "audit_finding",
    "payment_fingerprint",
    "attachment",
    "attachment_chunk",
)
CENTRAL_TABLES: frozenset[str] = frozenset((*CENTRAL_ONLY_TABLES, *RECORD_TABLES))
NATURAL_KEY_INDEX_PREFIX = "uq_natural_"
"""Partial unique indexes made by the migrations only (not in the shared metadata)."""


def live(table: Any) -> ColumnElement[bool]:
    """``deleted = false``, word for word as the natural-key indexes' predicate: SQLite
    uses a partial index only for a query that repeats it (``deleted IS 0`` or ``= 0``
    sends it through every record of the unit instead, O(records) a lookup)."""
    return col(table.deleted) == literal_column("false")
