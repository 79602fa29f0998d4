"""The sync protocol: wire schemas shared by the client engine and central.

Version 2. Every body is JSON, compressed in both directions: zstd where both
ends have it (``Accept-Encoding`` / a 415 answer decide), else gzip. Endpoints, all under ``/v1``:

- ``POST /v1/enroll``  EnrollRequest -> EnrollResponse (unsigned: the one-time code is the proof)
- ``POST /v1/push``    PushRequest -> PushResponse (signed)
- ``POST /v1/pull``    PullRequest -> PullResponse (signed)
- ``GET  /v1/health``  HealthResponse (unsigned)

An op carries, per field, ``[from, to]`` in wire values (see models.kinds).
Central applies each field whose current value equals ``from``; a field
already at ``to`` needs nothing; any other is a conflict returned as data.

Batches travel as compact rows (version 2; version 1 sent one verbose object per
item): ``PushRequest.ops``, ``PushRequest.audit``, ``PushResponse.results`` and
``PullResponse.changes`` are each an object ``{"shapes": [...], "rows": [...]}``
written and read by ``sync.rows``, which documents the rows. A push answer's
results follow the pushed ops one for one and leave their op ids out: read it
with ``PushResponse.model_validate_json(body, context=answering(ops))``. In memory
the fields are plain lists of models; a plain list is read too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from models.limits import BIG_INT_MAX
from sync import rows
from sync.compression import compress, decompress

PROTOCOL_VERSION = 2
"""2: batches travel as compact rows (``sync.rows``)."""
PUSH_BATCH_MAX_OPS = 2000
PULL_PAGE_MAX = 5000

# The signed request's own headers are sync.signing's.
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
    base_version: int = Field(default=0, ge=0, le=BIG_INT_MAX)
    """The version the device had when it made the change (64-bit, as central keeps it)."""
    recorded_at: str
    """Device clock, ISO 8601 UTC."""


class ConflictType(StrEnum):
    FIELD = "field"
    """Both sides changed one field to different values."""
    DUPLICATE = "duplicate"
    """A create repeats another record's natural key; ``theirs`` is that record's id
    (None when it is outside the device's scope: it is not named)."""
    DELETED = "deleted"
    """An edit met a delete (either way round); ``theirs`` is central's record."""
    MOVED = "moved"
    """Made by the device, never sent: the record moved out of its reach while it had an
    edit pending; ``mine`` names the fields edited, ``record`` is its copy as edited."""


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
    rule: str | None = None
    """For ``forbidden_field``: the rule that refused (``models.rules.refusals.RULES``),
    so the device words it as it would have had it refused the change itself."""
    params: dict[str, str] = Field(default_factory=dict)
    """The rule's parameters (codes, never personal values)."""
    record: dict[str, Any] | None = None
    """Central's record as it stands, when the refused op was about one the device may
    see: the device takes it back, and agrees with central again."""


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
    encryption_key: str = ""
    """Raw X25519 public key, base64: central seals reply bundles' personal values to it
    (``sync.bundle_sealing``). Empty from a device that predates it."""
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
    central_encryption_key: str = ""
    """Central's X25519 public key (raw, base64): a device seals its bundles' personal
    values to it. Empty from a central that predates it."""


class AuditLink(BaseModel):
    """One entry of a device's local audit chain, as central checks it: the entry's id,
    the SHA-256 of its canonical body (the body itself stays on the device) and its
    chain hash, ``audit_link_hash(previous entry's hash, digest)``."""

    id: int = Field(ge=0, le=BIG_INT_MAX)
    """The entry's local id (a SQLite rowid, so 64-bit at most)."""
    digest: str = Field(pattern=r"^[0-9a-f]{32,64}$")
    hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
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


class Change(BaseModel):
    kind: str
    seq: int
    record: dict[str, Any]
    """A full wire record: system columns and every field (see models.kinds.row_to_wire);
    of a record moved out, its id alone."""
    moved_out: bool = False
    """The record left the device's reach (moved to a unit it does not reach): the device
    drops its copy and makes a conflict of any edit it has pending (``central.pull``)."""


OP_IDS = "op_ids"
"""Validation context key: the op ids a push answer's results stand for, in order."""


def answering(ops: Sequence[Op]) -> dict[str, list[str]]:
    """The validation context that reads a push answer for ``ops``."""
    return {OP_IDS: [op.op_id for op in ops]}


def _reader(
    read: Callable[[Any, ValidationInfo], list[dict[str, Any]]],
) -> Callable[[Any, ValidationInfo], Any]:
    """A before-validator: a compact object becomes the list the field holds; a list
    (models in memory, or plain objects) is left to the field's own validation. A
    malformed object fails with ``ctx["path"]`` naming the place in it."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, list):
            return value
        try:
            return read(value, info)
        except rows.RowError as exc:
            raise PydanticCustomError(
                "compact_rows", "{problem}", {"path": exc.path, "problem": exc.problem}
            ) from None

    return validate


def _dumped(items: Sequence[BaseModel]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


def _op_dicts(ops: Sequence[Op]) -> list[dict[str, Any]]:
    """Ops as their JSON objects, read off the attributes: model_dump per op would double
    the time a 2,000-op batch takes to serialise."""
    return [
        {
            "op_id": op.op_id,
            "kind": op.kind,
            "record_id": op.record_id,
            "action": op.action.value,
            "changes": op.changes,
            "base_version": op.base_version,
            "recorded_at": op.recorded_at,
        }
        for op in ops
    ]


def _change_dicts(changes: Sequence[Change]) -> list[dict[str, Any]]:
    return [
        {"kind": c.kind, "seq": c.seq, "record": c.record}
        | ({"moved_out": True} if c.moved_out else {})
        for c in changes
    ]


def _result_dicts(results: Sequence[OpResult]) -> list[dict[str, Any]]:
    return [
        {
            "op_id": result.op_id,
            "status": result.status.value,
            "version": result.version,
            "seq": result.seq,
            "received_at": result.received_at,
            "conflicts": _dumped(result.conflicts),
            "error": None if result.error is None else result.error.model_dump(mode="json"),
        }
        for result in results
    ]


def _positional_results(value: Any, info: ValidationInfo) -> list[dict[str, Any]]:
    op_ids = info.context.get(OP_IDS) if isinstance(info.context, dict) else None
    if op_ids is None:
        raise rows.RowError("", "a push answer is read with the pushed op ids (answering(ops))")
    return rows.read_results(value, op_ids=op_ids)


_Serialized = dict[str, Any] | list[Any]

OpRows = Annotated[
    list[Op],
    BeforeValidator(_reader(lambda value, _info: rows.read_ops(value))),
    PlainSerializer(lambda ops: rows.write_ops(_op_dicts(ops)), return_type=_Serialized),
]
ChangeRows = Annotated[
    list[Change],
    BeforeValidator(_reader(lambda value, _info: rows.read_changes(value))),
    PlainSerializer(
        lambda changes: rows.write_changes(_change_dicts(changes)), return_type=_Serialized
    ),
]
ResultRows = Annotated[
    list[OpResult],
    BeforeValidator(_reader(lambda value, _info: rows.read_results(value))),
    PlainSerializer(
        lambda results: rows.write_results(_result_dicts(results), op_ids=True),
        return_type=_Serialized,
    ),
]
"""Op results that name their ops (a reply bundle)."""
PositionalResults = Annotated[
    list[OpResult],
    BeforeValidator(_reader(_positional_results)),
    PlainSerializer(
        lambda results: rows.write_results(_result_dicts(results), op_ids=False),
        return_type=_Serialized,
    ),
]
"""Op results in the order of the pushed ops, without their op ids (a push answer)."""
AuditRows = Annotated[
    list[AuditLink],
    BeforeValidator(_reader(lambda value, _info: rows.read_audit(value))),
    PlainSerializer(lambda links: rows.write_audit(_dumped(links)), return_type=_Serialized),
]


class PushRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    ops: OpRows
    audit: AuditRows = Field(default_factory=list, max_length=AUDIT_MAX_LINKS + 1)
    """The device's audit entries since the last one central acknowledged, preceded by
    that one (optional; older clients send none)."""


class PushResponse(BaseModel):
    results: PositionalResults


class PullRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    after: int = Field(default=0, ge=0, le=BIG_INT_MAX)
    """The cursor: the highest change number the device has committed."""
    limit: int = Field(default=1000, ge=0, le=BIG_INT_MAX)
    """Changes per page (0: central's default); central caps it at its page maximum."""
    after_check: str | None = None
    """The ``cursor_check`` central answered with ``after`` (None: none kept, e.g. after
    a bundle): central answers ``behind`` when its log no longer holds that change."""


class PullResponse(BaseModel):
    changes: ChangeRows
    cursor: int
    """The cursor to ask after next time; commit it with the page."""
    more: bool
    scope: str | None = None
    """The device's scope as central holds it now (a discipline body's grows when central
    assigns it units): the device keeps it for its own checks."""
    duty_late_share: str | None = None
    """The district's share of a due date's points late duty evidence earns (a decimal
    from 0 to 1, ``models.rules.scoring``), as the office set it at central (None: never
    set): the device keeps it for its score tables."""
    cursor_check: str | None = None
    """Names the change numbered ``cursor`` in central's log (None at 0): send it back
    with the cursor, so central can tell whether it still holds that change."""
    behind: bool = False
    """Central's log is behind this device: it does not hold the change the cursor names
    (central was restored from an older backup). Nothing is served; ``cursor`` is
    central's newest change. The device rewinds to a cursor central still holds and
    sends again what it made since (``sync.engine``)."""

    @model_serializer(mode="wrap")
    def _lean(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``scope``, ``duty_late_share``, ``cursor_check`` and ``behind`` travel only when
        they say something."""
        data: dict[str, Any] = handler(self)
        for name in ("scope", "duty_late_share", "cursor_check"):
            if data.get(name) is None:
                data.pop(name, None)
        if not data.get("behind"):
            data.pop("behind", None)
        return data


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
