"""The home's attachment files: photos of the notice board, scanned minutes.

A file is kept under its SHA-256, sealed with the home's data key (a scan of a
payment list is as personal as the list), in ``<home>/attachments/ab/<digest>``.
The ``attachment`` table says where each stands with central. Attaching copies the
file in at once, so a photo on a USB stick that is then pulled out is not lost.

With a downscale setting, a big photo goes up as a smaller copy and the original
stays here (state ``original``): records name the copy, and opening the copy
here opens the original.

The sync engine sees this through ``sync.attachments.AttachmentSide``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from client.crypto import SealedValueError
from client.files import write_bytes
from client.i18n import N_
from client.photos import downscale
from client.store import Store, utcnow
from client.store.settings import get_setting, put_setting
from client.tables import AttachmentRow
from models.kinds import KINDS
from sync.failures import ExitCode, Failure, Retry
from sync.protocol_attachments import (
    ATTACHMENT_MAX_BYTES,
    AttachmentRef,
    is_digest,
    sha256_bytes,
)

ATTACHMENT_DIR = "attachments"
MAX_SIDE_SETTING = "attachment_max_side"
PENDING = "pending"
SYNCED = "synced"
WANTED = "wanted"
ORIGINAL = "original"

_table = AttachmentRow.__table__  # type: ignore[attr-defined]


class AttachmentError(ValueError):
    """A file that cannot be attached or opened. ``template`` is a catalogue msgid, so
    the app and the CLI show it translated. The person's to fix: exit 2."""

    failure: ClassVar[Failure] = Failure(ExitCode.USAGE, Retry.NEVER)

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params))


@dataclass(frozen=True)
class AttachmentInfo:
    digest: str
    size: int
    name: str
    state: str
    original_digest: str | None
    added_at: datetime
    synced_at: datetime | None
    last_error: str
    here: bool
    """The bytes are on this PC (else only central has them)."""


def _referencing_tables() -> list[sa.Table]:
    return [
        spec.table.__table__  # type: ignore[attr-defined]
        for spec in KINDS.values()
        if "attachments" in spec.field_types
    ]


class Attachments:
    """One home's attachment files and their sync state."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.root = store.home / ATTACHMENT_DIR

    # ---- files -------------------------------------------------------------------------

    def _path(self, digest: str) -> Path:
        if not is_digest(digest):
            raise AttachmentError(N_("not an attachment digest: {digest}"), digest=digest[:70])
        return self.root / digest[:2] / digest

    @staticmethod
    def _context(digest: str) -> str:
        return f"attachment|{digest}"

    def _store_bytes(self, digest: str, data: bytes) -> None:
        path = self._path(digest)
        if path.exists():
            return
        sealed = self.store.data_key().seal_bytes(self._context(digest), data)
        write_bytes(path, sealed, durable=True)

    def here(self, digest: str) -> bool:
        return self._path(digest).exists()

    def blob(self, digest: str) -> bytes:
        """The file's bytes as they were attached (or downloaded)."""
        path = self._path(digest)
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise AttachmentError(
                N_("attachment {digest} is not on this PC (fetch it first)"), digest=digest[:12]
            ) from None
        return self.store.data_key().open_bytes(self._context(digest), sealed)

    # ---- settings ------------------------------------------------------------------------

    def max_side(self) -> int:
        """Photos with a longer side than this go up as a smaller copy; 0: as they are."""
        with self.store.engine.connect() as conn:
            value = get_setting(conn, MAX_SIDE_SETTING)
        return int(value) if value and value.isdigit() else 0

    def set_max_side(self, pixels: int) -> None:
        if pixels < 0 or (0 < pixels < 320):
            raise AttachmentError(N_("the longer side must be at least 320 pixels (or 0 for off)"))
        with self.store.transaction() as conn:
            put_setting(conn, MAX_SIDE_SETTING, str(pixels))

    # ---- people's side ------------------------------------------------------------------

    def add_file(self, path: Path) -> str:
        """Copy a file in; returns the digest a record should name (the smaller copy's
        when the photo was downscaled)."""
        try:
            size = path.stat().st_size
            if size > ATTACHMENT_MAX_BYTES:
                raise AttachmentError(
                    N_("{name}: larger than {mb} MB"),
                    name=path.name,
                    mb=ATTACHMENT_MAX_BYTES // (1024 * 1024),
                )
            if not path.is_file():
                raise AttachmentError(N_("{name}: not a file"), name=path.name)
            data = path.read_bytes()
        except OSError as exc:
            raise AttachmentError(
                N_("{name}: cannot be read ({reason})"), name=path.name, reason=exc.strerror
            ) from None
        if not data:
            raise AttachmentError(N_("{name}: the file is empty"), name=path.name)
        digest = sha256_bytes(data)
        # (digest, bytes, state, original): the file, and its smaller copy when there is one.
        files: list[tuple[str, bytes, str, str | None]] = [(digest, data, PENDING, None)]
        copy = downscale(data, self.max_side())
        if copy is not None:
            files = [(digest, data, ORIGINAL, None), (sha256_bytes(copy), copy, PENDING, digest)]
        for name, blob, _state, _original in files:
            self._store_bytes(name, blob)
        now = utcnow()
        rows = [
            {
                "digest": name,
                "size": len(blob),
                "name": path.name,
                "state": state,
                "original_digest": original,
                "added_at": now,
                "last_error": "",
            }
            for name, blob, state, original in files
        ]
        with self.store.transaction() as conn:
            for row in rows:
                stmt = sqlite_insert(_table).values(**row)
                # Attached before: keep what we know; asked for and now here: central has it.
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["digest"],
                        set_={
                            "state": sa.case(
                                (_table.c.state == WANTED, SYNCED), else_=_table.c.state
                            ),
                            "size": stmt.excluded.size,
                        },
                    )
                )
        return files[-1][0]

    def info(self, digest: str) -> AttachmentInfo | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(_table).where(_table.c.digest == digest)).first()
        return self._info(row) if row is not None else None

    def _info(self, row: sa.Row[tuple[object, ...]]) -> AttachmentInfo:
        values = dict(row._mapping)
        return AttachmentInfo(**values, here=self.here(str(values["digest"])))

    def all(self) -> list[AttachmentInfo]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(_table).order_by(_table.c.added_at, _table.c.digest))
            return [self._info(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Files per state (pending, synced, wanted, original)."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(_table.c.state, sa.func.count()).group_by(_table.c.state)
            ).all()
        return {str(state): int(count) for state, count in rows}

    def want(self, digests: Iterable[str]) -> int:
        """Ask for files a record names but this PC lacks; the next sync round fetches
        them. Returns how many were not here already."""
        wanted = sorted({d for d in digests if is_digest(d) and not self.here(d)})
        if not wanted:
            return 0
        now = utcnow()
        with self.store.transaction() as conn:
            for digest in wanted:
                stmt = sqlite_insert(_table).values(
                    digest=digest, size=0, name="", state=WANTED, added_at=now, last_error=""
                )
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["digest"], set_={"state": WANTED, "last_error": ""}
                    )
                )
        return len(wanted)

    def open_copy(self, digest: str, folder: Path) -> Path:
        """A plain copy to open or print, in ``folder``; the original when the record
        names a downscaled copy and the original is here."""
        info = self.info(digest)
        source = digest
        if info is not None and info.original_digest and self.here(info.original_digest):
            source = info.original_digest
        data = self.blob(source)
        name = Path(info.name).name if info is not None and info.name else digest[:12]
        target = folder / f"{digest[:8]}-{name}"
        write_bytes(target, data)
        return target

    # ---- the sync engine's side ----------------------------------------------------------

    def _referenced(self, conn: sa.Connection, digest: str) -> bool:
        """Named by a record central has or will have (one deleted before it ever synced
        never reaches central, and neither may its files)."""
        for table in _referencing_tables():
            hit = conn.execute(
                sa.select(table.c.id)
                .where(
                    sa.cast(table.c.attachments, sa.Text).like(f"%{digest}%"),
                    sa.or_(table.c.deleted.is_(False), table.c.version > 0),
                )
                .limit(1)
            ).first()
            if hit is not None:
                return True
        return False

    def uploads(self, *, limit: int) -> list[AttachmentRef]:
        """Files central may lack that a record here names (one attached and then left out
        of the form is not sent)."""
        refs: list[AttachmentRef] = []
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(_table.c.digest, _table.c.size)
                .where(_table.c.state == PENDING)
                .order_by(_table.c.added_at, _table.c.digest)
            ).all()
            for digest, size in rows:
                if len(refs) >= limit:
                    break
                if self._referenced(conn, digest) and self.here(digest):
                    refs.append(AttachmentRef(digest=digest, size=size))
        return refs

    def mark_synced(self, digests: Sequence[str]) -> None:
        if not digests:
            return
        with self.store.transaction() as conn:
            conn.execute(
                _table.update()
                .where(_table.c.digest.in_(list(digests)))
                .values(state=SYNCED, synced_at=utcnow(), last_error="")
            )

    def note_error(self, digest: str, message: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                _table.update().where(_table.c.digest == digest).values(last_error=message[:500])
            )

    def wanted(self, *, limit: int) -> list[str]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(_table.c.digest)
                .where(_table.c.state == WANTED)
                .order_by(_table.c.added_at, _table.c.digest)
                .limit(limit)
            )
            return [str(digest) for (digest,) in rows]

    def receive(self, digest: str, data: bytes) -> bool:
        """Keep a whole file from central (an assembled download, or a reply bundle's);
        False, and nothing kept, when its bytes do not hash to ``digest``."""
        if not is_digest(digest) or sha256_bytes(data) != digest:
            return False
        self._store_bytes(digest, data)
        with self.store.transaction() as conn:
            stmt = sqlite_insert(_table).values(
                digest=digest,
                size=len(data),
                name="",
                state=SYNCED,
                added_at=utcnow(),
                synced_at=utcnow(),
                last_error="",
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["digest"],
                    set_={
                        "state": sa.case((_table.c.state == ORIGINAL, ORIGINAL), else_=SYNCED),
                        "size": len(data),
                        "synced_at": utcnow(),
                        "last_error": "",
                    },
                )
            )
        return True

    def _partial_dir(self, digest: str) -> Path:
        return self.root / "partial" / self._path(digest).name

    def _partial_chunks(self, digest: str) -> list[tuple[int, int, Path]]:
        """The chunks kept so far that follow on from the start, in order."""
        folder = self._partial_dir(digest)
        if not folder.is_dir():
            return []
        found: dict[int, tuple[int, Path]] = {}
        for path in folder.iterdir():
            start, _, size = path.name.partition("-")
            if start.isdigit() and size.isdigit():
                found[int(start)] = (int(size), path)
        chunks: list[tuple[int, int, Path]] = []
        offset = 0
        while offset in found:
            length, path = found[offset]
            chunks.append((offset, length, path))
            offset += length
            if length == 0:
                break
        return chunks

    def partial_offset(self, digest: str) -> int:
        chunks = self._partial_chunks(digest)
        return chunks[-1][0] + chunks[-1][1] if chunks else 0

    def save_partial(self, digest: str, offset: int, data: bytes) -> None:
        sealed = self.store.data_key().seal_bytes(f"{self._context(digest)}|{offset}", data)
        write_bytes(self._partial_dir(digest) / f"{offset:012d}-{len(data)}", sealed, durable=True)

    def finish_download(self, digest: str) -> bool:
        key = self.store.data_key()
        try:
            data = b"".join(
                key.open_bytes(f"{self._context(digest)}|{offset}", path.read_bytes())
                for offset, _length, path in self._partial_chunks(digest)
            )
        except SealedValueError:  # a chunk moved or altered on disk: fetch it all again
            data = b""
        folder = self._partial_dir(digest)
        for path in folder.iterdir() if folder.is_dir() else []:
            path.unlink()
        if folder.is_dir():
            folder.rmdir()
        return self.receive(digest, data)
