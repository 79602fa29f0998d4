"""Reminders that raise themselves: the daily pass of 一书两提醒, as pure rules.

Per unit, the pass finds work past its deadline: a catalogue item not published by its
deadline (公开时限, for the period that ended last), a duty indicator without evidence
by its deadline (departments and discipline bodies), a warning unanswered past its reply
date. For each it raises an online reminder the unit pulls (marked automatic); ``N``
days later (default 3) the reminder moves to an SMS to the unit's contact; ``M`` days
after it was raised (default 10) it proposes a formal warning, which a supervisor
confirms with one key. A reminder closes by itself when the work is done, and opens
again if the work is undone. Every reminder is keyed by unit, subject, item and period
(the kind's natural key): running the pass twice the same day raises nothing new.

``plan_pass`` says what to do; central carries it out (reminder records written like
any device's, SMS queued with the reminder's id as its key).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models.catalog import CatalogItem, deadline_for, periods_to_watch
from models.duty import Indicator, applies_to, due_dates, window_start
from models.rules.actors import Side
from models.rules.duty import year_closed
from models.rules.refusals import Refusal

__all__ = [
    "Owed",
    "PassPlan",
    "Settings",
    "UnitInfo",
    "World",
    "catalogue_owed",
    "check_reminder",
    "indicator_owed",
    "may_decide",
    "plan_pass",
    "warning_owed",
]

OPEN_WARNING = frozenset({"issued", "received"})
"""A warning not yet answered: no feedback, and the unit has not reported."""


@dataclass(frozen=True)
class Settings:
    sms_after_days: int = 3
    """An open reminder becomes an SMS to the unit's contact after this many days."""
    propose_after_days: int = 10
    """An open reminder proposes a formal warning after this many days."""


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class Owed:
    """Something a unit owes past its deadline: what a reminder is about."""

    org_code: str
    subject: str
    """catalog_item, duty_indicator or warning."""
    subject_code: str
    period: str
    title: str
    due_on: date

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.org_code, self.subject, self.subject_code, self.period)


@dataclass(frozen=True)
class World:
    """What the pass reads, as central holds it today."""

    units: Sequence[UnitInfo]
    catalogue: Mapping[str, CatalogItem]
    published: frozenset[tuple[str, str, str]]
    """(org code, item code, period) of every live published disclosure."""
    indicators: Sequence[Indicator]
    evidence: Mapping[tuple[str, str], Sequence[date]]
    """(org code, indicator code) → the days its evidence records say the work was done."""
    warnings: Sequence[Mapping[str, Any]]
    answered: frozenset[str]
    """Ids of warnings with at least one live feedback."""
    reminders: Mapping[tuple[str, str, str, str], Mapping[str, Any]]
    """Existing reminders by their key (live ones)."""


@dataclass
class PassPlan:
    raise_: list[dict[str, Any]] = field(default_factory=list)
    """New reminders' fields."""
    update: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(reminder id, the fields that change)."""
    sms: list[tuple[str, str]] = field(default_factory=list)
    """(reminder id, org code) of the reminders the pass moves to SMS today (each unit's
    go out as one message: ``digest_text``)."""

    def summary(self) -> dict[str, int]:
        steps = [changes.get("step") for _id, changes in self.update]
        return {
            "raised": len(self.raise_),
            "sms": len(self.sms),
            "proposed": steps.count("proposed"),
            "closed": sum(c.get("status") == "closed" for _id, c in self.update),
            "reopened": sum(c.get("status") == "open" for _id, c in self.update),
        }


# ---- what is owed ---------------------------------------------------------------------------


def catalogue_owed(
    unit: UnitInfo, items: Iterable[CatalogItem], published: frozenset[tuple[str, str, str]],
    today: date,
) -> list[Owed]:  # fmt: skip
    """The periodic items a unit has not published for the period that ended last, past
    their deadline."""
    out = []
    for item in items:
        if item.period == "on_event" or unit.level not in item.applies_to:
            continue
        period = periods_to_watch(item, today)[0]
        deadline = deadline_for(item, period)
        if deadline < today and (unit.code, item.code, period) not in published:
            title = f"{item.name}（{period}）逾期未公开"
            out.append(Owed(unit.code, "catalog_item", item.code, period, title, deadline))
    return out


def indicator_owed(
    unit: UnitInfo,
    indicators: Iterable[Indicator],
    evidence: Mapping[tuple[str, str], Sequence[date]],
    today: date,
) -> list[Owed]:
    """The duty indicators that apply to the unit whose last deadline passed with no
    evidence recorded in the window it closes (``models.duty.window_start``)."""
    out = []
    for indicator in indicators:
        if not applies_to(indicator, unit.level):
            continue
        dates = [d for year in (today.year - 1, today.year) for d in due_dates(indicator, year)]
        passed = [d for d in dates if d < today]
        if not passed:
            continue
        due = passed[-1]
        if year_closed(due.year, today):
            continue  # its year's evidence is locked (rules.duty): nothing left to do
        start = window_start(indicator, due)
        done = evidence.get((unit.code, indicator.code), ())
        if not any(start <= day <= due for day in done):
            title = f"{indicator.name}（{due.isoformat()}前）未记实"
            out.append(
                Owed(unit.code, "duty_indicator", indicator.code, due.isoformat(), title, due)
            )
    return out


def warning_owed(
    warnings: Iterable[Mapping[str, Any]],
    answered: frozenset[str],
    today: date,
    reminders: Iterable[Mapping[str, Any]] = (),
) -> list[Owed]:
    """Warnings past their reply date that nobody answered. ``reminders``: those a
    warning may have been confirmed from (a reminder about such a warning is titled by
    the document the chain started from, not by the warning's own title around it)."""
    warnings = list(warnings)
    by_id = {str(w.get("id")): w for w in warnings}
    proposals = {str(r.get("id")): r for r in reminders}
    out = []
    for warning in warnings:
        due = warning.get("reply_due")
        if warning.get("deleted") or warning.get("status") not in OPEN_WARNING or not due:
            continue
        due_on = date.fromisoformat(str(due))
        if due_on < today and warning["id"] not in answered:
            title = _unanswered_title(warning, by_id, proposals)
            out.append(
                Owed(str(warning["org_code"]), "warning", str(warning["id"]), "", title, due_on)
            )
    return out


def _unanswered_title(
    warning: Mapping[str, Any],
    warnings: Mapping[str, Mapping[str, Any]],
    proposals: Mapping[str, Mapping[str, Any]],
) -> str:
    """《document》逾期未反馈; for a warning a proposal became, the document its chain of
    reminders began with (or what the first reminder was about), named once."""
    if not warning.get("reminder_id"):
        return f"《{warning.get('title')}》逾期未反馈"
    origin = str(warning.get("title"))
    seen: set[str] = set()
    while warning.get("reminder_id") and str(warning.get("id")) not in seen:
        seen.add(str(warning.get("id")))
        reminder = proposals.get(str(warning.get("reminder_id")))
        if reminder is None:
            break
        about = warnings.get(str(reminder.get("subject_code")))
        if reminder.get("subject") != "warning" or about is None:
            origin = str(reminder.get("title"))
            break
        warning, origin = about, str(about.get("title"))
    return f"《{origin}》预警逾期未反馈"


def owed(world: World, today: date) -> list[Owed]:
    """Everything owed today, unit by unit."""
    items = list(world.catalogue.values())
    out: list[Owed] = []
    for unit in world.units:
        out += catalogue_owed(unit, items, world.published, today)
        out += indicator_owed(unit, world.indicators, world.evidence, today)
    out += warning_owed(world.warnings, world.answered, today, world.reminders.values())
    return out


# ---- the pass --------------------------------------------------------------------------------


def plan_pass(world: World, today: date, settings: Settings = Settings()) -> PassPlan:
    """What the pass does today: raise, escalate, close and reopen reminders, and which
    SMS go out. Idempotent: the plan of a day the pass already ran is empty."""
    plan = PassPlan()
    for item in owed(world, today):
        if item.key not in world.reminders:
            plan.raise_.append(_new(item, today))
    for reminder in world.reminders.values():
        rid = str(reminder["id"])
        done = is_done(reminder, world, today)
        if reminder.get("status") == "closed":
            if not done and reminder.get("automatic"):
                plan.update.append((rid, {"status": "open", "closed_on": None}))
            continue
        if done and reminder.get("automatic"):
            plan.update.append((rid, {"status": "closed", "closed_on": today.isoformat()}))
            continue
        changes = _escalation(reminder, today, settings)
        if changes:
            plan.update.append((rid, changes))
            if changes.get("step") == "sms":
                plan.sms.append((rid, str(reminder["org_code"])))
    return plan


def is_done(reminder: Mapping[str, Any], world: World, today: date) -> bool:
    """Whether the work a reminder is about has been done since, or can no longer be
    (a duty item of a year that has closed): it then closes."""
    unit, code, period = (
        str(reminder["org_code"]),
        str(reminder["subject_code"]),
        str(reminder.get("period") or ""),
    )
    subject = reminder.get("subject")
    if subject == "catalog_item":
        return (unit, code, period) in world.published
    if subject == "duty_indicator":
        due = date.fromisoformat(period)
        if year_closed(due.year, today):
            return True
        indicator = next((ind for ind in world.indicators if ind.code == code), None)
        start = window_start(indicator, due) if indicator is not None else date(due.year, 1, 1)
        return any(start <= day <= due for day in world.evidence.get((unit, code), ()))
    if subject == "warning":
        warning = next((w for w in world.warnings if str(w.get("id")) == code), None)
        return (
            warning is None or warning.get("status") not in OPEN_WARNING or code in world.answered
        )
    return False


def _new(item: Owed, today: date) -> dict[str, Any]:
    return {
        "org_code": item.org_code,
        "subject": item.subject,
        "subject_code": item.subject_code,
        "period": item.period,
        "title": item.title,
        "due_on": item.due_on.isoformat(),
        "raised_on": today.isoformat(),
        "step": "online",
        "automatic": True,
        "status": "open",
    }


def _escalation(reminder: Mapping[str, Any], today: date, settings: Settings) -> dict[str, Any]:
    """The next step an open reminder has reached by today, if any."""
    raised = reminder.get("raised_on")
    if not raised:
        return {}
    age = (today - date.fromisoformat(str(raised))).days
    step = reminder.get("step")
    if step in ("online", "sms") and age >= settings.propose_after_days:
        return {"step": "proposed", "proposal": "proposed"}
    if step == "online" and age >= settings.sms_after_days:
        return {"step": "sms", "sms_on": today.isoformat()}
    return {}


def digest_text(sender: str, reminders: Sequence[Mapping[str, Any]]) -> str:
    """A unit's one SMS of a pass, for its reminders moving to SMS that day: how many, and
    the most urgent (the earliest due; by title when two fall due the same day). Counts
    and an item's name only, nothing personal: the details are on the platform."""
    urgent = min(reminders, key=lambda r: (str(r.get("due_on") or ""), str(r.get("title"))))
    return (
        f"{sender}提醒：您单位有{len(reminders)}项事项逾期未办，"
        f"最紧急的是：{urgent.get('title')}，请登录三务公开平台查看。"
    )


# ---- who writes reminders --------------------------------------------------------------------


DECISIONS = frozenset({"confirmed", "dismissed"})
"""What a supervisor decides on a proposed warning: issue it or not, once."""


def may_decide(reminder: Mapping[str, Any]) -> Refusal | None:
    """Whether a supervisor may confirm (or dismiss) the warning ``reminder`` proposes:
    only a reminder that proposes one, and only once (not after it was decided or a
    warning issued, on this device or on another one)."""
    if reminder.get("proposal") in DECISIONS or reminder.get("warning_id"):
        return Refusal("proposal_once", "proposal")
    if reminder.get("proposal") != "proposed":
        return Refusal("proposal_needed", "proposal")
    return None


def check_reminder(
    side: Side | None,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    deleting: bool = False,
) -> Refusal | None:
    """Reminders are raised by central's pass (and supervisors); a unit only reads them.
    A proposed warning is decided once (confirmed or dismissed). A change to what the
    reminder already holds changes nothing and is no decision (a second device's
    confirmation of the same proposal, with the same derived warning, converges)."""
    if side is not Side.SUPERVISOR:
        return Refusal("reminders_by_supervisors")
    if deleting:
        return None
    held = current or {}
    moved = {name for name, (_from, to) in changes.items() if held.get(name) != to}
    if moved & {"proposal", "warning_id"}:
        target = changes.get("proposal", (None, held.get("proposal")))[1]
        if target in DECISIONS or "warning_id" in moved or held.get("proposal") in DECISIONS:
            return may_decide(held)
    return None
