"""What an operator asks of a central database (``sanwu central check``): the schema it
stands at, how much it holds, and the device central has heard from least recently.

That device matters after a restore or an outage: whatever it entered since it was last
seen has not been acknowledged by central (its outbox still holds it, or it was sent to
a central since restored from an older backup and comes back when the device next
syncs). Read only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from central.changelog import last_seq
from central.db import make_engine
from central.migrate import current_revision, head_revision
from central.tables import (
    Attachment,
    AuditFinding,
    Device,
    OpResultRow,
    RecordVersion,
)
from models.i18n import _
from models.kinds import KINDS

__all__ = ["CentralCheck", "DeviceSeen", "check"]


@dataclass(frozen=True)
class DeviceSeen:
    device_id: str
    org_code: str
    role: str
    name: str
    last_seen_at: datetime | None
    """None: never since it enrolled."""
    enrolled_at: datetime


@dataclass(frozen=True)
class CentralCheck:
    database: str
    schema: str | None
    head: str | None
    last_change: int = 0
    records: dict[str, int] = field(default_factory=dict)
    """Live records per kind."""
    deleted: int = 0
    versions: int = 0
    devices: int = 0
    revoked: int = 0
    answered_ops: int = 0
    files: int = 0
    audit_findings: int = 0
    oldest: DeviceSeen | None = None
    """The enrolled, unrevoked device seen least recently."""

    @property
    def current(self) -> bool:
        return self.schema is not None and self.schema == self.head

    def lines(self, now: datetime | None = None) -> list[str]:
        """The report as an operator reads it."""
        where = self.database
        if self.schema is None:
            return [_("{db}: no central schema here: run `sanwu central init`").format(db=where)]
        out = [
            _("{db}: schema {schema} (newest {head})").format(
                db=where, schema=self.schema, head=self.head
            )
        ]
        if not self.current:
            out.append("  " + _("older than this sanwu: run `sanwu central init` to upgrade"))
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in self.records.items())
        live = sum(self.records.values())
        out += [
            _("records: {live:,} live ({kinds}); {deleted:,} deleted").format(
                live=live, kinds=kinds, deleted=self.deleted
            ),
            _("change log: {versions:,} versions, last change number {last:,}").format(
                versions=self.versions, last=self.last_change
            ),
            _("devices: {devices:,} enrolled, {revoked:,} revoked; {ops:,} ops answered").format(
                devices=self.devices, revoked=self.revoked, ops=self.answered_ops
            ),
            _("files: {files:,} whole; audit findings: {findings:,}").format(
                files=self.files, findings=self.audit_findings
            ),
        ]
        oldest = self.oldest
        if oldest is None:
            out.append(_("oldest unacknowledged device: none enrolled"))
            return out
        seen = oldest.last_seen_at
        moment = seen or oldest.enrolled_at
        days = ((now or datetime.now(UTC)) - _aware(moment)).total_seconds() / 86_400
        when = (
            _("last seen {when} UTC").format(when=f"{_aware(moment):%Y-%m-%d %H:%M}")
            if seen
            else _("never seen")
        )
        device = f"{oldest.org_code}{', ' + oldest.name if oldest.name else ''}"
        out.append(
            _(
                "oldest unacknowledged device: {id} ({role} of {unit}), {when}, {days:.1f} days ago"
            ).format(id=oldest.device_id, role=oldest.role, unit=device, when=when, days=days)
        )
        return out

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.oldest is not None:
            for name in ("last_seen_at", "enrolled_at"):
                moment = getattr(self.oldest, name)
                data["oldest"][name] = None if moment is None else _aware(moment).isoformat()
        data["current"] = self.current
        return data


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _count(session: Session, *where: Any, table: Any) -> int:
    return int(session.exec(select(func.count()).select_from(table).where(*where)).one())


def check(db_url: str) -> CentralCheck:
    """Look at ``db_url`` (never writes, nor makes a SQLite file that is not there)."""
    url = sa.make_url(db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return CentralCheck(database="sqlite", schema=None, head=head_revision())
    schema, head = current_revision(db_url), head_revision()
    engine = make_engine(db_url)
    try:
        database = engine.dialect.name
        if schema is None:
            return CentralCheck(database=database, schema=None, head=head)
        present = set(sa.inspect(engine).get_table_names())
        with Session(engine) as session:
            records: dict[str, int] = {}
            deleted = 0
            for kind, spec in KINDS.items():
                table = spec.table
                if table.__tablename__ not in present:  # a kind of a newer schema
                    continue
                records[kind] = _count(session, col(table.deleted).is_(False), table=table)
                deleted += _count(session, col(table.deleted).is_(True), table=table)
            active = col(Device.revoked_at).is_(None)
            # Only columns every schema has: an older one lacks what later revisions added.
            seen = (
                col(Device.id),
                col(Device.org_code),
                col(Device.role),
                col(Device.name),
                col(Device.last_seen_at),
                col(Device.enrolled_at),
            )
            row = session.execute(
                sa.select(*seen)
                .where(active)
                .order_by(
                    sa.func.coalesce(col(Device.last_seen_at), col(Device.enrolled_at)),
                    col(Device.id),
                )
                .limit(1)
            ).first()
            oldest = None
            if row is not None:
                oldest = DeviceSeen(*row)
            return CentralCheck(
                database=database,
                schema=schema,
                head=head,
                last_change=last_seq(session),
                records=records,
                deleted=deleted,
                versions=_count(session, table=RecordVersion),
                devices=_count(session, col(Device.id).is_not(None), table=Device),
                revoked=_count(session, col(Device.revoked_at).is_not(None), table=Device),
                answered_ops=_count(session, table=OpResultRow),
                files=_count(session, col(Attachment.complete).is_(True), table=Attachment),
                audit_findings=_count(session, table=AuditFinding),
                oldest=oldest,
            )
    finally:
        engine.dispose()
