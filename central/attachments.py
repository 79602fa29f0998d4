"""Attachments at central: which files it lacks, chunked uploads that resume, ranged reads.

The bytes live in the database (``attachment`` and ``attachment_chunk``), so every
central process of a region shares them, and a chunk is written in the same
transaction as the ``received`` it advances: after any cut, ``received`` is exactly
what central holds, and the upload goes on from there.

Central takes and gives only files that a record (live or deleted) in the device's
scope names in its ``attachments``, or that the device itself began to upload;
otherwise it answers as if it had never heard of the digest, so a device learns
nothing about files outside its scope. A file whole at central is never asked for
again. The chunk that completes a file is checked against the digest; a mismatch
throws the partial file away.

Writers lock the attachment's row first (an UPDATE: a row lock on PostgreSQL, the
database's write lock at once on SQLite), so concurrent uploads of one file, from
one device retrying or from two devices, serialise and never both write an offset.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select, update

from central.errors import (
    BadRequest,
    CentralError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ProtocolMismatch,
    ReadOnly,
)
from central.tables import Attachment, AttachmentChunk, Device
from models.kinds import KINDS, FieldType, KindSpec
from sync.protocol import PROTOCOL_VERSION, Role
from sync.protocol_attachments import (
    ATTACHMENT_MAX_BYTES,
    CHUNK_MAX_BYTES,
    AttachmentRef,
    AttachmentState,
    AttachmentStatus,
    AttachmentStatusResponse,
    is_digest,
)

__all__ = [
    "ATTACHMENT_KINDS",
    "append_chunk",
    "check_digest",
    "check_media_type",
    "check_protocol_header",
    "parse_chunk_query",
    "read",
    "read_whole",
    "referenced",
    "status",
    "store_whole",
]

log = logging.getLogger("central.attachments")

ATTACHMENTS_FIELD = "attachments"
ATTACHMENT_KINDS: tuple[KindSpec, ...] = tuple(
    spec for spec in KINDS.values() if spec.field_types.get(ATTACHMENTS_FIELD) is FieldType.SET
)
"""The kinds whose records name attachments (by digest)."""
_LIKE_MAX = 4
"""Up to this many digests, a LIKE each; beyond, reading the scope's lists is cheaper."""
CHUNK_MEDIA_TYPE = "application/octet-stream"
_MAX_QUERY_DIGITS = 12
"""Query integers longer than this are refused before int() (a 64 MiB file has 8 digits)."""
_HASH_BATCH = 8
"""Chunks fetched at a time while hashing a completed file: memory stays a few MiB."""


# ---- request checks (the route's arguments, named by field) -----------------------------


def check_digest(digest: str) -> str:
    """The path's digest, or 422 naming ``digest``: lower-case hex SHA-256 only."""
    if not is_digest(digest):
        raise BadRequest(
            "invalid", "digest: expected 64 lower-case hex digits", field="digest", status=422
        )
    return digest


def _query_int(value: str | None, name: str) -> int:
    if value is None:
        raise BadRequest("invalid", f"{name}: required", field=name, status=422)
    if not value.isascii() or not value.isdigit() or len(value) > _MAX_QUERY_DIGITS:
        raise BadRequest(
            "invalid", f"{name}: expected a non-negative integer", field=name, status=422
        )
    return int(value)


def parse_chunk_query(offset: str | None, size: str | None) -> tuple[int, int]:
    """``offset`` and ``size`` of a chunk upload, each refused by name when malformed."""
    return _query_int(offset, "offset"), _query_int(size, "size")


def check_media_type(content_type: str | None) -> None:
    """A chunk is raw bytes: anything but ``application/octet-stream`` (or none) is 415."""
    media = (content_type or CHUNK_MEDIA_TYPE).split(";")[0].strip().lower()
    if media != CHUNK_MEDIA_TYPE:
        raise BadRequest("bad_content_type", f"a chunk is sent as {CHUNK_MEDIA_TYPE}", status=415)


def check_protocol_header(value: str | None) -> None:
    """A raw-bytes request has no JSON ``protocol`` field: the header alone says it (426)."""
    if value is not None and value.strip() != str(PROTOCOL_VERSION):
        raise ProtocolMismatch(
            "protocol",
            f"central speaks protocol {PROTOCOL_VERSION}, the request says {value[:20]}: "
            "update the client",
        )


# ---- scope --------------------------------------------------------------------------------


def _names(value: Any) -> set[str]:
    """The digests in an ``attachments`` column as text (JSON list), tolerating junk."""
    if value is None:
        return set()
    try:
        loaded = json.loads(value) if isinstance(value, str | bytes) else value
    except ValueError:
        return set()
    if not isinstance(loaded, list):
        return set()
    return {item for item in loaded if isinstance(item, str)}


def referenced(session: Session, scope: str, digests: Collection[str]) -> set[str]:
    """Those of ``digests`` that some record (live or deleted) within ``scope`` names.

    A few digests: SQL narrows by a LIKE on the list's JSON text (digests are validated
    hex, so nothing needs escaping). Many: one pass over the scope's non-empty lists,
    as a LIKE per digest per row costs more than reading the lists. Either way Python
    keeps exact list members only. Portable: JSON cast to text reads the same on
    SQLite and PostgreSQL.
    """
    wanted = {digest for digest in digests if is_digest(digest)}
    found: set[str] = set()
    if not scope or not wanted:
        return found
    for spec in ATTACHMENT_KINDS:
        table = cast(Table, spec.table.__table__)  # type: ignore[attr-defined]
        text = sa.cast(table.c[ATTACHMENTS_FIELD], sa.Text)
        pending = sorted(wanted - found)
        if len(pending) <= _LIKE_MAX:
            narrow = sa.or_(*(text.like(f"%{digest}%") for digest in pending))
        else:
            narrow = text != "[]"
        stmt = sa.select(text).where(table.c.org_code.startswith(scope), narrow)
        for (value,) in session.execute(stmt):
            found |= _names(value) & wanted
        if found == wanted:
            break
    return found


def _visible(session: Session, device_id: str, scope: str, digest: str) -> bool:
    """Whether the device may upload or read ``digest``: a record in its scope names it,
    or it began the upload itself (a reference dropped mid-upload does not strand it)."""
    row = session.get(Attachment, digest)
    if row is not None and row.first_device_id == device_id:
        return True
    return digest in referenced(session, scope, [digest])


def _unreferenced(digest: str) -> Forbidden:
    return Forbidden(
        "unreferenced",
        f"no record in this device's scope names attachment {digest[:12]}: push the record first",
    )


# ---- status -------------------------------------------------------------------------------


def status(
    session: Session, *, device: Device, refs: Sequence[AttachmentRef]
) -> AttachmentStatusResponse:
    """For each ref, in order: complete, missing from ``received`` on, or unreferenced.

    Read only. A file whole at central is COMPLETE with central's size even when the
    ref declares another (the digest proves central's); a partial upload under another
    declared size is MISSING from 0 (the next chunk starts it again under the new size).
    """
    digests = {ref.digest for ref in refs}
    rows = {
        row.digest: row
        for row in session.exec(select(Attachment).where(col(Attachment.digest).in_(digests)))
    }
    mine = {digest for digest, row in rows.items() if row.first_device_id == device.id}
    visible = mine | referenced(session, device.scope, digests - mine)
    answers: list[AttachmentStatus] = []
    for ref in refs:
        row = rows.get(ref.digest)
        if ref.digest not in visible:
            answers.append(AttachmentStatus(digest=ref.digest, state=AttachmentState.UNREFERENCED))
        elif row is not None and row.complete:
            answers.append(_complete(row))
        elif row is None or row.size != ref.size:
            answers.append(
                AttachmentStatus(digest=ref.digest, state=AttachmentState.MISSING, size=ref.size)
            )
        else:
            answers.append(_missing(row))
    session.rollback()  # read only: end the read transaction now
    return AttachmentStatusResponse(attachments=answers)


def _complete(row: Attachment) -> AttachmentStatus:
    return AttachmentStatus(
        digest=row.digest, state=AttachmentState.COMPLETE, received=row.size, size=row.size
    )


def _missing(row: Attachment) -> AttachmentStatus:
    return AttachmentStatus(
        digest=row.digest, state=AttachmentState.MISSING, received=row.received, size=row.size
    )


# ---- upload -------------------------------------------------------------------------------


def _check_chunk(offset: int, size: int, length: int) -> None:
    if size > ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(
            "too_large",
            f"size: an attachment is at most {ATTACHMENT_MAX_BYTES} bytes",
            field="size",
        )
    if size < 1:
        raise BadRequest("invalid", "size: must be at least 1", field="size", status=422)
    if length > CHUNK_MAX_BYTES:
        raise PayloadTooLarge("too_large", f"a chunk is at most {CHUNK_MAX_BYTES} bytes")
    if length < 1:
        raise BadRequest("invalid", "body: a chunk is at least 1 byte", field="body", status=422)
    if offset < 0 or offset + length > size:
        raise BadRequest(
            "invalid", "offset: the chunk does not fit in the file", field="offset", status=422
        )


def _lock(session: Session, digest: str) -> Attachment | None:
    """Take the attachment's row lock (the write lock on SQLite) and read it fresh."""
    session.exec(
        update(Attachment).where(col(Attachment.digest) == digest).values(size=Attachment.size)
    )
    return session.exec(
        select(Attachment)
        .where(col(Attachment.digest) == digest)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def append_chunk(
    session: Session,
    *,
    device: Device,
    digest: str,
    offset: int,
    size: int,
    data: bytes,
    now: datetime,
) -> AttachmentStatus:
    """Write ``data`` at ``offset`` of the file ``digest`` of ``size`` bytes, and commit.

    Writes only at central's ``received``; any other offset writes nothing and the
    answer says where to go on from (so a retried chunk is harmless). A complete
    file is answered COMPLETE without writing. Raises ReadOnly (support role),
    Forbidden ``unreferenced``, PayloadTooLarge, BadRequest (422 naming ``size``,
    ``offset`` or ``body``; ``digest_mismatch`` when the completed file does not
    hash to ``digest``, which is then discarded).
    """
    check_digest(digest)
    _check_chunk(offset, size, len(data))
    # Plain values: a rollback below expires the ORM object.
    device_id, scope, role = device.id, device.scope, device.role
    if role == Role.SUPPORT:
        raise ReadOnly("the support role may read but not write")
    visible = _visible(session, device_id, scope, digest)
    session.rollback()  # the write transaction below starts with the lock
    if not visible:
        raise _unreferenced(digest)
    for attempt in range(2):  # once more when another process created the row meanwhile
        try:
            return _append(session, device_id, digest, offset, size, data, now)
        except IntegrityError:
            session.rollback()
            if attempt:
                raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _append(
    session: Session,
    device_id: str,
    digest: str,
    offset: int,
    size: int,
    data: bytes,
    now: datetime,
) -> AttachmentStatus:
    row = _lock(session, digest)
    if row is None:
        if offset != 0:
            session.rollback()
            return AttachmentStatus(digest=digest, state=AttachmentState.MISSING, size=size)
        row = Attachment(
            digest=digest, size=size, received=0, created_at=now, first_device_id=device_id
        )
        session.add(row)
        session.flush()
    if row.complete:
        session.rollback()
        return _complete(row)
    if row.size != size:
        # Both declarations cannot be right; the digest check at the end decides.
        log.warning(
            "attachment %s: declared size %d replaces %d; upload starts again",
            digest[:12],
            size,
            row.size,
        )
        session.exec(delete(AttachmentChunk).where(col(AttachmentChunk.digest) == digest))
        row.size = size
        row.received = 0
    if offset != row.received:
        answer = _missing(row)
        session.commit()  # keeps a restart above, writes nothing else
        return answer
    if offset == 0:
        row.first_device_id = device_id  # who began this upload (again, after a discard)
    session.add(AttachmentChunk(digest=digest, start=offset, data=data))
    row.received = offset + len(data)
    if row.received < row.size:
        answer = _missing(row)
        session.commit()
        return answer
    session.flush()
    if _hash(session, digest, row.size) != digest:
        session.exec(delete(AttachmentChunk).where(col(AttachmentChunk.digest) == digest))
        row.received = 0
        session.commit()
        log.warning("attachment %s: bytes do not match the digest; discarded", digest[:12])
        raise BadRequest(
            "digest_mismatch",
            f"the {size} bytes received do not hash to {digest[:12]}…: "
            "central discarded them; send the file again from 0",
            field="digest",
            status=422,
        )
    row.complete = True
    row.completed_at = now
    answer = _complete(row)
    session.commit()
    log.info("attachment %s complete (%d bytes)", digest[:12], row.size)
    return answer


def _hash(session: Session, digest: str, size: int) -> str:
    """SHA-256 of the chunks in order; a gap or overlap yields a digest that cannot match."""
    hasher = hashlib.sha256()
    position = 0
    rows = session.execute(
        select(AttachmentChunk.start, AttachmentChunk.data)
        .where(col(AttachmentChunk.digest) == digest)
        .order_by(col(AttachmentChunk.start))
        .execution_options(yield_per=_HASH_BATCH)
    )
    for start, data in rows:
        if start != position:
            return ""
        hasher.update(data)
        position += len(data)
    return hasher.hexdigest() if position == size else ""


# ---- read ---------------------------------------------------------------------------------


def read(
    session: Session, *, device: Device, digest: str, offset: int, length: int
) -> tuple[bytes, int]:
    """Bytes ``[offset, offset + length)`` of a complete file (fewer at its end) and its size.

    Forbidden ``unreferenced`` unless the device may see the file (checked first, so a
    device learns nothing of files outside its scope); NotFound until it is whole;
    422 naming ``offset`` beyond the end (at the end: no bytes, which ends a download).
    """
    check_digest(digest)
    try:
        if not _visible(session, device.id, device.scope, digest):
            raise _unreferenced(digest)
        row = session.get(Attachment, digest)
        if row is None or not row.complete:
            raise NotFound("not_found", f"central does not have attachment {digest[:12]} whole")
        if offset > row.size:
            raise BadRequest(
                "invalid", "offset: beyond the end of the file", field="offset", status=422
            )
        end = min(offset + max(0, length), row.size)
        return _range(session, digest, offset, end), row.size
    finally:
        session.rollback()  # read only


def _range(session: Session, digest: str, begin: int, end: int) -> bytes:
    if begin >= end:
        return b""
    first = (
        select(func.max(AttachmentChunk.start))
        .where(col(AttachmentChunk.digest) == digest, col(AttachmentChunk.start) <= begin)
        .scalar_subquery()
    )
    rows = session.execute(
        select(AttachmentChunk.start, AttachmentChunk.data)
        .where(
            col(AttachmentChunk.digest) == digest,
            col(AttachmentChunk.start) >= first,
            col(AttachmentChunk.start) < end,
        )
        .order_by(col(AttachmentChunk.start))
    )
    out = bytearray()
    for start, data in rows:
        out += bytes(data)[max(0, begin - start) : max(0, end - start)]
    if len(out) != end - begin:
        raise CentralError("storage", f"attachment {digest[:12]} is missing bytes at central")
    return bytes(out)


# ---- whole files (sync by file) -------------------------------------------------------------


def store_whole(
    session: Session, *, device: Device, digest: str, data: bytes, now: datetime
) -> bool:
    """Keep a whole file carried in a bundle; True when central holds it whole after.

    It goes through ``append_chunk``, chunk by chunk from central's offset, so the rules
    are an upload's: only a file a record in the device's scope names, only bytes that
    hash to the digest; a partial upload of it is completed (or, when its bytes turn out
    wrong, discarded and written again).
    """
    check_digest(digest)
    if not data or len(data) > ATTACHMENT_MAX_BYTES or hashlib.sha256(data).hexdigest() != digest:
        return False
    offset = 0
    # Each call moves central's offset on, or says where to go on from: twice the chunks
    # plus a little is a generous bound.
    for _chunk in range(2 * (len(data) // CHUNK_MAX_BYTES) + 4):
        try:
            answer = append_chunk(
                session,
                device=device,
                digest=digest,
                offset=offset,
                size=len(data),
                data=data[offset : offset + CHUNK_MAX_BYTES],
                now=now,
            )
        except Forbidden:  # not named in the device's scope, or the support role
            return False
        except BadRequest as exc:
            if exc.code != "digest_mismatch":
                raise
            offset = 0  # an earlier partial upload was wrong and is gone: from the start
            continue
        if answer.state is AttachmentState.COMPLETE:
            return True
        offset = answer.received
    return False


def read_whole(session: Session, *, device: Device, digest: str) -> bytes | None:
    """A complete file the device may see, whole; None otherwise (read only)."""
    if not is_digest(digest):
        return None
    try:
        if not _visible(session, device.id, device.scope, digest):
            return None
        row = session.get(Attachment, digest)
        if row is None or not row.complete:
            return None
        return _range(session, digest, 0, row.size)
    finally:
        session.rollback()
