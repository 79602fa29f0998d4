"""Moving attachment bytes: uploads of the files this device's records name, and the
downloads a person asked for. Runs after the records of a round are through.

Every step leaves a state the next round continues from: central confirms each
chunk, and the next upload starts from the offset central gives, never from what
this side believes it sent; a download keeps each chunk as it arrives. A file
central already has whole is never sent, whoever sent it first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sync.central_api import CentralAPI
from sync.errors import ProtocolError, ScopeError
from sync.protocol_attachments import (
    CHUNK_DEFAULT_BYTES,
    STATUS_MAX_ITEMS,
    AttachmentRef,
    AttachmentState,
    sha256_bytes,
)

MAX_FILES_PER_ROUND = 10_000
"""A bound on one round's uploads and downloads; the rest wait for the next round."""
MAX_CHUNKS_PER_FILE = 64 * 1024 + 2
"""A bound on one download: central sends at least 1 KiB a chunk of at most 64 MiB."""


class AttachmentSide(Protocol):
    """What the transfer needs from the local attachment store."""

    def uploads(self, *, limit: int) -> list[AttachmentRef]:
        """Files still to send that a local record names, oldest first."""
        ...

    def blob(self, digest: str) -> bytes: ...

    def mark_synced(self, digests: Sequence[str]) -> None: ...

    def note_error(self, digest: str, message: str) -> None: ...

    def wanted(self, *, limit: int) -> list[str]: ...

    def partial_offset(self, digest: str) -> int: ...

    def save_partial(self, digest: str, offset: int, data: bytes) -> None: ...

    def finish_download(self, digest: str) -> bool:
        """Assemble the chunks; False (and nothing kept) when they do not hash to ``digest``."""
        ...


@dataclass
class FileCounts:
    sent: int = 0
    received: int = 0
    skipped: int = 0
    """Files central will not take yet (no record of ours names them there) or could not
    give (not uploaded by anyone yet); tried again next round."""


class AttachmentTransfer:
    def __init__(
        self,
        api: CentralAPI,
        side: AttachmentSide,
        *,
        chunk_bytes: int = CHUNK_DEFAULT_BYTES,
        on_chunk: Callable[[], None] | None = None,
    ) -> None:
        self.api = api
        self.side = side
        self.chunk_bytes = chunk_bytes
        self.on_chunk = on_chunk

    def _tick(self) -> None:
        if self.on_chunk is not None:
            self.on_chunk()

    def upload(self, counts: FileCounts) -> None:
        """Ask central which files it lacks, then send those from its offset on."""
        done: set[str] = set()
        for _batch in range(MAX_FILES_PER_ROUND // STATUS_MAX_ITEMS + 1):
            refs = [
                ref for ref in self.side.uploads(limit=STATUS_MAX_ITEMS) if ref.digest not in done
            ]
            if not refs:
                return
            sizes = {ref.digest: ref.size for ref in refs}
            for status in self.api.attachment_status(refs):
                done.add(status.digest)
                if status.state is AttachmentState.COMPLETE:
                    self.side.mark_synced([status.digest])
                elif status.state is AttachmentState.UNREFERENCED:
                    counts.skipped += 1
                else:
                    if self._send(status.digest, sizes[status.digest], status.received):
                        counts.sent += 1

    def _send(self, digest: str, size: int, offset: int) -> bool:
        data = self.side.blob(digest)
        if len(data) != size or sha256_bytes(data) != digest:
            self.side.note_error(digest, "the local copy is damaged")
            return False
        # Each request either moves central's offset on or is answered with where to go
        # on from: twice the chunks plus a little is a generous bound.
        for _chunk in range(2 * (size // self.chunk_bytes) + 4):
            try:
                status = self.api.upload_chunk(
                    digest, offset, size, data[offset : offset + self.chunk_bytes]
                )
            except ScopeError as exc:
                self.side.note_error(digest, str(exc))
                return False
            except ProtocolError as exc:  # digest_mismatch: central dropped what it had
                self.side.note_error(digest, str(exc))
                raise
            self._tick()
            if status.state is AttachmentState.COMPLETE:
                self.side.mark_synced([digest])
                return True
            if status.state is AttachmentState.UNREFERENCED:
                return False
            offset = status.received
        raise ProtocolError(f"central did not take attachment {digest[:12]}")

    def download(self, counts: FileCounts) -> None:
        """Fetch the files a person asked for, each from where its last chunk ended."""
        for digest in self.side.wanted(limit=MAX_FILES_PER_ROUND):
            try:
                if self._fetch(digest):
                    counts.received += 1
                else:
                    counts.skipped += 1
            except (ScopeError, ProtocolError) as exc:
                # Not there yet (nobody uploaded it), or not ours to read: the others go on.
                self.side.note_error(digest, str(exc))
                counts.skipped += 1

    def _fetch(self, digest: str) -> bool:
        offset = self.side.partial_offset(digest)
        size: int | None = None
        for _chunk in range(MAX_CHUNKS_PER_FILE):
            if size is not None and offset >= size:
                break
            data, size = self.api.read_attachment(digest, offset, self.chunk_bytes)
            if not data and offset < size:
                raise ProtocolError("central sent an empty chunk")
            if data:
                self.side.save_partial(digest, offset, data)
                offset += len(data)
            self._tick()
        if not self.side.finish_download(digest):
            self.side.note_error(digest, "the downloaded file did not match its digest")
            return False
        return True
