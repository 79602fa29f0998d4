"""The attachment part of the sync protocol: photos and scans, content-addressed.

A record names its attachments by the SHA-256 of their bytes (lower-case hex), so
a file is the same file wherever it comes from and is never sent twice. Records
travel with push and pull; the bytes travel only here, and only on demand:

- ``POST /v1/attachments/status`` AttachmentStatusRequest -> AttachmentStatusResponse
  (signed JSON): for each digest, whether central has it whole, how many bytes of it
  central holds (the offset an upload resumes from), or that no record in the
  device's scope names it (central takes only files a record of yours refers to).
- ``POST /v1/attachments/{digest}?offset=N&size=S`` (signed, raw bytes,
  ``application/octet-stream``) -> AttachmentStatus: appends one chunk at ``offset``.
  A chunk at another offset than central's is not written; the answer says where to
  go on from. The chunk that completes the file is checked against the digest: a
  mismatch throws the partial file away (422 ``digest_mismatch``).
- ``POST /v1/attachments/{digest}/read`` AttachmentReadRequest -> raw bytes from
  ``offset``, at most ``length`` of them, with the whole size in ``X-Sanwu-Size``
  (signed; 404 when central does not have the file whole, 403 when no record in the
  device's scope names it).

Chunk bodies are not compressed: photos and scans already are.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum

from pydantic import BaseModel, Field

from sync.protocol import PROTOCOL_VERSION

DIGEST_PATTERN = r"^[0-9a-f]{64}$"
_DIGEST = re.compile(DIGEST_PATTERN)
ATTACHMENT_MAX_BYTES = 64 * 1024 * 1024
"""The largest attachment: a scanned document of many pages, not a video."""
CHUNK_MAX_BYTES = 1024 * 1024
"""The largest chunk central takes in one request."""
CHUNK_DEFAULT_BYTES = 128 * 1024
"""What a client sends per request: 4 s at 256 kbit/s, so a cut loses little."""
STATUS_MAX_ITEMS = 500
HEADER_SIZE = "X-Sanwu-Size"


def is_digest(text: str) -> bool:
    return bool(_DIGEST.match(text))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AttachmentRef(BaseModel):
    digest: str = Field(pattern=DIGEST_PATTERN)
    size: int = Field(ge=1, le=ATTACHMENT_MAX_BYTES)


class AttachmentStatusRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    attachments: list[AttachmentRef] = Field(max_length=STATUS_MAX_ITEMS)


class AttachmentState(StrEnum):
    COMPLETE = "complete"
    """Central has the whole file: never send it."""
    MISSING = "missing"
    """Central lacks (part of) it; ``received`` is where the upload goes on from."""
    UNREFERENCED = "unreferenced"
    """No record in the device's scope names it (yet): central will not take it."""


class AttachmentStatus(BaseModel):
    digest: str
    state: AttachmentState
    received: int = 0
    """Bytes central holds and has confirmed, from the start of the file."""
    size: int = 0


class AttachmentStatusResponse(BaseModel):
    attachments: list[AttachmentStatus]


class AttachmentReadRequest(BaseModel):
    protocol: int = PROTOCOL_VERSION
    offset: int = Field(default=0, ge=0, le=ATTACHMENT_MAX_BYTES)
    length: int = Field(default=CHUNK_DEFAULT_BYTES, ge=1, le=CHUNK_MAX_BYTES)
