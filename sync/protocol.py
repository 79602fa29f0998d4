"""The sync protocol: wire schemas shared by the client engine and central.

Version 1. Every body is JSON, compressed in both directions: zstd where both
ends have it (``Accept-Encoding`` / a 415 answer decide), else gzip. Endpoints, all under ``/v1``:

- ``POST /v1/enroll``  EnrollRequest -> EnrollResponse (unsigned: the one-time code is the proof)
- ``POST /v1/push``    PushRequest -> PushResponse (signed)
- ``POST /v1/pull``    PullRequest -> PullResponse (signed)
- ``GET  /v1/health``  HealthResponse (unsigned)

An op carries, per field, ``[from, to]`` in wire values (see models.kinds).
Central applies each field whose current value equals ``from``; a field
already at ``to`` needs nothing; any other is a conflict returned as data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from sync.compression import compress, decompress

PROTOCOL_VERSION = 1
PUSH_BATCH_MAX_OPS = 2000
PULL_PAGE_MAX = 5000

# Headers of a signed request (see sync.signing).
HEADER_DEVICE = "X-Sanwu-Device"
HEADER_TIME = "X-Sanwu-Time"
HEADER_NONCE = "X-Sanwu-Nonce"
HEADER_SIGNATURE = "X-Sanwu-Signature"
HEADER_PROTOCOL = "X-Sanwu-Protocol"


class Role(StrEnum):
    CLERK = "clerk"
    TOWN = "town"
    SUPERVISOR = "supervisor"
    SUPPORT = "support"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Op(BaseModel):
    """One local change, idempotent by ``op_id``."""

    op_id: str
    kind: str
    record_id: str
    action: Action
    changes: dict[str, tuple[Any, Any]] = Field(default_factory=dict)
    """field -> (from, to). A create has ``from`` None for every field; a delete has
    ``{"deleted": (False, True)}``."""
    base_version: int = 0
    """The version the device had when it made the change."""
    recorded_at: str
    """Device clock, ISO 8601 UTC."""


class ConflictType(StrEnum):
    FIELD = "field"
    """Both sides changed one field to different values."""
    DUPLICATE = "duplicate"
    """A create repeats another record's natural key; ``theirs`` is that record's id."""
    DELETED = "deleted"
    """An edit met a delete (either way round); ``theirs`` is central's record."""


class ConflictInfo(BaseModel):
    field: str
    base: Any = None
    mine: Any = None
    theirs: Any = None
    version: int = 0
    """Central's version of the record when the conflict was found."""
    type: ConflictType = ConflictType.FIELD
    record: dict[str, Any] | None = None
    """Central's record as it stands (full wire record), when there is one."""


class OpStatus(StrEnum):
    APPLIED = "applied"
    """Every field applied or already there (conflicts list is empty)."""
    PARTIAL = "partial"
    """Some fields applied, the others are in ``conflicts``."""
    CONFLICT = "conflict"
    """Nothing applied; see ``conflicts``."""
    REJECTED = "rejected"
    """Invalid or not allowed; nothing applied and retrying will not help."""


class OpError(BaseModel):
    code: str
    field: str | None = None
    message: str


class OpResult(BaseModel):
    op_id: str
    status: OpStatus
    version: int = 0
    """The record's version after this op (0 when nothing exists)."""
    seq: int = 0
    received_at: str | None = None
    conflicts: list[ConflictInfo] = Field(default_factory=list)
    error: OpError | None = None


class EnrollRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    code: str
    public_key: str
    """Raw Ed25519 public key, base64."""
    device_name: str = ""


class EnrollResponse(BaseModel):
    device_id: str
    org_code: str
    org_name: str
    role: Role
    scope: str
    """The org-code prefix this device may read and write."""
    central_key: str = ""
    """Central's bundle public key (raw Ed25519, base64): verifies reply bundles of sync
    by file. Empty from a central that predates it."""


class AuditLink(BaseModel):
    """One entry of a device's local audit chain, as central checks it: the entry's id,
    the SHA-256 of its canonical body (the body itself stays on the device) and its
    chain hash, ``audit_link_hash(previous entry's hash, digest)``."""

    id: int
    digest: str
    hash: str | None = None
    """Sent for the first and the last link of a segment only: central recomputes the ones
    between, and an edited entry anywhere in the segment changes the last hash."""


AUDIT_DIGEST_HEX = 32
"""An entry's digest is the first 128 bits of its SHA-256: still beyond forging, and
every push carries one per entry, so half the bytes count."""


def audit_digest(body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:AUDIT_DIGEST_HEX]


def audit_link_hash(prev_hash: str, digest: str) -> str:
    return hashlib.sha256((prev_hash + digest).encode("ascii")).hexdigest()


AUDIT_GENESIS = "0" * 64
AUDIT_MAX_LINKS = 5000
"""Most audit links one push carries; the engine sends the rest with later pushes."""


class PushRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    ops: list[Op]
    audit: list[AuditLink] = Field(default_factory=list, max_length=AUDIT_MAX_LINKS + 1)
    """The device's audit entries since the last one central acknowledged, preceded by
    that one (optional; older clients send none)."""


class PushResponse(BaseModel):
    results: list[OpResult]


class PullRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    after: int = 0
    """The cursor: the highest change number the device has committed."""
    limit: int = 1000


class Change(BaseModel):
    kind: str
    seq: int
    record: dict[str, Any]
    """A full wire record: system columns and every field (see models.kinds.row_to_wire)."""


class PullResponse(BaseModel):
    changes: list[Change]
    cursor: int
    """The cursor to ask after next time; commit it with the page."""
    more: bool


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"
    protocol: int = PROTOCOL_VERSION
    server_time: str


class ErrorBody(BaseModel):
    """Every non-2xx answer of central."""

    code: str
    message: str
    field: str | None = None


def encode(model: BaseModel, encoding: str = "gzip") -> bytes:
    """A wire model as a compressed JSON body (gzip unless both ends take zstd)."""
    return compress(model.model_dump_json(exclude_none=False).encode("utf-8"), encoding)


DECODE_LIMIT = 256 * 1024 * 1024
"""The most a body may inflate to here; central applies its own, smaller limit."""


def decode_json(body: bytes, content_encoding: str | None) -> Any:
    """A request or response body as JSON, undoing its Content-Encoding (bounded)."""
    body = decompress(body, content_encoding, limit=DECODE_LIMIT)
    return json.loads(body) if body else None
