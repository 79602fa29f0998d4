"""Central's daily reminder pass (一书两提醒): the rules are ``models.rules.reminders``;
this module reads what they need from the database, writes the reminders they raise
(through push, as a pseudo device of the district, so devices pull them like any
record) and queues the SMS they send: one a unit a pass, however many of its reminders
move to SMS that day (a digest; ``digests``). Idempotent: the same day twice raises nothing
new, and the ids of what it writes are made from what it is about.

``run_pass`` runs it once (``sanwu central remind``); ``DailyPass`` runs it from the
served app once a day at the configured hour.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from central.at_rest import AtRest
from central.catalogue import refresh_catalogue
from central.clock import utcnow
from central.own_writes import create, own_device, stable_id, update, write
from central.tables import CentralSetting, OrgUnitRow
from models.duty import load_indicators
from models.kinds import kind_spec
from models.records import Disclosure, DutyEvidence, Feedback, Reminder, SupervisionWarning
from models.rules.reminders import (
    PassPlan,
    Settings,
    UnitInfo,
    World,
    digest_text,
    plan_pass,
)
from sync.protocol import OpStatus

__all__ = ["DailyPass", "PassOutcome", "digest_key", "digests", "run_pass"]

log = logging.getLogger("central.reminders")

REMINDING_LEVELS = frozenset({"village", "community", "department", "discipline"})
"""The units that owe disclosures or duty evidence (never a town's or the district's office)."""
LAST_RUN = "reminders_last_run"
DEFAULTS = Settings()

SmsQueue = Callable[[Session, str, str, str], object]
"""Queues one SMS: (session, idempotency key, unit, text); None when SMS is not set up."""


@dataclass(frozen=True)
class PassOutcome:
    today: date
    counts: dict[str, int]
    raised: list[dict[str, Any]]
    """The new reminders (unit, subject, item, period, title)."""
    refused: int


def _world(session: Session) -> World:
    refresh_catalogue(session)
    from models.catalog import load_catalog

    units = [
        UnitInfo(row.code, row.name, row.level)
        for row in session.exec(select(OrgUnitRow))
        if row.level in REMINDING_LEVELS
    ]
    published = frozenset(
        (org, code, period)
        for org, code, period in session.exec(
            select(Disclosure.org_code, Disclosure.catalog_code, Disclosure.period).where(
                col(Disclosure.deleted).is_(False), col(Disclosure.status) == "published"
            )
        )
    )
    evidence: dict[tuple[str, str], list[date]] = {}
    for row in session.exec(select(DutyEvidence).where(col(DutyEvidence.deleted).is_(False))):
        if row.occurred_on is not None:
            evidence.setdefault((row.org_code, row.indicator_code), []).append(row.occurred_on)
    warning_spec = kind_spec("warning")
    at_rest = AtRest.of(session)  # what a kind declares personal is opened (none today)
    warnings = [
        at_rest.wire(warning_spec, row)
        for row in session.exec(
            select(SupervisionWarning).where(col(SupervisionWarning.deleted).is_(False))
        )
    ]
    answered = frozenset(
        session.exec(select(Feedback.warning_id).where(col(Feedback.deleted).is_(False)))
    )
    reminder_spec = kind_spec("reminder")
    reminders = {
        (r["org_code"], r["subject"], r["subject_code"], r["period"]): r
        for r in (
            at_rest.wire(reminder_spec, row)
            for row in session.exec(select(Reminder).where(col(Reminder.deleted).is_(False)))
        )
    }
    return World(
        units=units,
        catalogue=load_catalog(),
        published=published,
        indicators=load_indicators(),
        evidence=evidence,
        warnings=warnings,
        answered=answered,
        reminders=reminders,
    )


def _district(session: Session) -> tuple[str, str]:
    """The pass's pseudo device's unit and scope: the level every unit central serves
    belongs to (the district; a city's central, the city)."""
    codes = list(session.exec(select(OrgUnitRow.code)))
    for width in (9, 6, 4, 2):
        if codes and all(code[:width] == codes[0][:width] for code in codes):
            return codes[0][:width].ljust(12, "0"), codes[0][:width]
    return "150202000000", "150202"


def run_pass(
    session: Session,
    *,
    today: date,
    settings: Settings = DEFAULTS,
    sms: SmsQueue | None = None,
) -> PassOutcome:
    """Run the pass for ``today`` once: reminders raised, moved on, closed; SMS queued."""
    world = _world(session)
    plan = plan_pass(world, today, settings)
    unit, scope = _district(session)
    device = own_device("central-reminders", unit, scope)
    ops = _ops(plan, world, today)
    results = write(session, device, ops)
    refused = sum(result.status is OpStatus.REJECTED for result in results)
    if sms is not None:
        applied = {
            op.record_id
            for op, result in zip(ops, results, strict=True)
            if result.status is OpStatus.APPLIED
        }
        moved = [(rid, org) for rid, org in plan.sms if rid in applied]
        texts = digests(session, moved, world, unit)
        for org_code, text in texts.items():
            sms(session, digest_key(org_code, today), org_code, text)
        session.commit()
        log.info(
            "reminder pass %s: %d to SMS, one message to each of %d units",
            today.isoformat(),
            len(moved),
            len(texts),
        )
    row = session.get(CentralSetting, LAST_RUN)
    if row is None:
        session.add(CentralSetting(key=LAST_RUN, value=today.isoformat()))
    else:
        row.value = max(row.value, today.isoformat())
    session.commit()
    raised = [
        {k: r[k] for k in ("org_code", "subject", "subject_code", "period", "title")}
        for r in plan.raise_
    ]
    log.info("reminder pass %s: %s", today.isoformat(), plan.summary())
    return PassOutcome(today, plan.summary(), raised, refused)


def digest_key(org_code: str, today: date) -> str:
    """The key of a unit's one SMS of a pass: the reminders it sends are those of that
    unit whose ``sms_on`` is that day (each reminder records the message that sent it)."""
    return f"reminders:{org_code}:{today.isoformat()}:sms"


def digests(
    session: Session, moved: list[tuple[str, str]], world: World, district: str
) -> dict[str, str]:
    """One SMS per unit (``digest_text``) for the reminders the pass moved to SMS today:
    ``moved`` is (reminder id, unit) of each whose move was written."""
    by_id = {str(r["id"]): r for r in world.reminders.values()}
    by_unit: dict[str, list[Mapping[str, Any]]] = {}
    for reminder_id, org_code in moved:
        by_unit.setdefault(org_code, []).append(by_id[reminder_id])
    row = session.get(OrgUnitRow, district)
    sender = f"{row.name}纪委监委" if row is not None else "纪委监委"
    return {org_code: digest_text(sender, mine) for org_code, mine in by_unit.items()}


def _ops(plan: PassPlan, world: World, today: date) -> list[Any]:
    by_id = {str(r["id"]): r for r in world.reminders.values()}
    ops = []
    for fields in plan.raise_:
        parts = (fields["org_code"], fields["subject"], fields["subject_code"], fields["period"])
        record_id = stable_id("reminder", *parts)
        ops.append(create("reminder", record_id, fields, op_key=f"{record_id}:raise"))
    for record_id, changes in plan.update:
        current = by_id[record_id]
        pairs = {name: (current.get(name), value) for name, value in changes.items()}
        key = f"{record_id}:{current['version']}:{today.isoformat()}"
        ops.append(
            update("reminder", record_id, pairs, base_version=int(current["version"]), op_key=key)
        )
    return ops


class DailyPass:
    """Runs the pass once a day at ``at`` (central's clock) while the app serves, in a
    daemon thread; a day it already ran (``sanwu central remind`` too) is skipped."""

    def __init__(
        self,
        engine: Engine,
        *,
        at: time,
        settings: Settings = DEFAULTS,
        sms: SmsQueue | None = None,
        clock: Callable[[], datetime] = utcnow,
        check_every_s: float = 60.0,
    ) -> None:
        self.engine = engine
        self.at = at
        self.settings = settings
        self.sms = sms
        self.clock = clock
        self.check_every_s = check_every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="reminder-pass", daemon=True)

    def start(self) -> None:
        at = self.at.strftime("%H:%M")
        log.info("reminder pass daily at %s; next at %s", at, next_run(self.clock(), self.at))
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def due(self, now: datetime, last_run: str | None) -> date | None:
        """The day to run for now, or None (not yet the hour, or done today)."""
        today = now.date()
        if now.time() < self.at or (last_run is not None and last_run >= today.isoformat()):
            return None
        return today

    def tick(self) -> PassOutcome | None:
        """Run the pass if it is due; what it did, or None."""
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(CentralSetting, LAST_RUN)
            today = self.due(self.clock(), row.value if row else None)
            if today is None:
                return None
            return run_pass(session, today=today, settings=self.settings, sms=self.sms)

    def _loop(self) -> None:
        for _round in range(10**9):  # bounded; a day is 1,440 checks
            if self._stop.wait(self.check_every_s):
                return
            try:
                self.tick()
            except Exception:  # the pass must never stop central serving
                log.exception("reminder pass failed; trying again at the next check")


def next_run(now: datetime, at: time) -> datetime:
    """When the pass runs next after ``now`` (for the operator's log line)."""
    today = datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    return today if today > now else today + timedelta(days=1)
