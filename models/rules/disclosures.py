"""A disclosure's review before it is published, written once: the steps, who takes
each, and what each writes.

A village's or community's disclosure goes 草稿 → 待审核 (the unit submits) → 已公开
(its town approves) or 已退回 with the town's opinion, which the unit reads, corrects
and submits again. Only a level that supervises the unit publishes it (the town, or
the district's supervisors); a department or discipline body reviews its own (its
reviewer works on the unit's device) and may be reviewed from above too. The on-time
rule counts the day it was published (``published_on``). A published disclosure no
longer changes on the unit's side: the reviewing level withdraws it.

``plan`` says what a step writes (the store takes it in one transaction);
``check_disclosure`` says whether any change from any device may be made (the store
before saving, central on every push).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from models.i18n import N_
from models.rules.actors import Side
from models.rules.refusals import Refusal, Refused

__all__ = [
    "CREATE_READS",
    "REVIEW_FIELDS",
    "SELF_REVIEWING",
    "TRANSITIONS",
    "Status",
    "Step",
    "as_imported",
    "check_disclosure",
    "is_reviewer",
    "plan",
    "reviews_first",
]


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Step(StrEnum):
    SUBMIT = "submit"
    TAKE_BACK = "take_back"
    APPROVE = "approve"
    RETURN = "return"
    WITHDRAW = "withdraw"


SELF_REVIEWING = frozenset({"department", "discipline"})
"""Unit levels that review their own disclosures (their reviewer sits in the unit)."""

REVIEW_FIELDS = frozenset({"published_on", "reviewed_by", "reviewed_on", "return_reason"})
"""What only the reviewing side writes."""


@dataclass(frozen=True)
class Transition:
    step: Step
    sources: frozenset[Status]
    target: Status
    reviewer: bool
    """Whether only the reviewing side takes it (else the unit, and the reviewer too)."""


TRANSITIONS: Mapping[Step, Transition] = MappingProxyType(
    {
        Step.SUBMIT: Transition(
            Step.SUBMIT,
            frozenset({Status.DRAFT, Status.RETURNED}),
            Status.SUBMITTED,
            reviewer=False,
        ),
        Step.TAKE_BACK: Transition(
            Step.TAKE_BACK, frozenset({Status.SUBMITTED}), Status.DRAFT, reviewer=False
        ),
        Step.APPROVE: Transition(
            Step.APPROVE,
            frozenset({Status.SUBMITTED, Status.DRAFT, Status.WITHDRAWN}),
            Status.PUBLISHED,
            reviewer=True,
        ),
        Step.RETURN: Transition(
            Step.RETURN, frozenset({Status.SUBMITTED}), Status.RETURNED, reviewer=True
        ),
        Step.WITHDRAW: Transition(
            Step.WITHDRAW, frozenset({Status.PUBLISHED}), Status.WITHDRAWN, reviewer=True
        ),
    }
)
"""Every step: from which statuses, to which, and whose it is. A reviewer publishes a
draft directly only where it reviews its own (or records a village's for it)."""

STEP_NAMES: Mapping[Step, str] = MappingProxyType(
    {
        Step.SUBMIT: N_("submit it for review"),
        Step.TAKE_BACK: N_("take it back"),
        Step.APPROVE: N_("publish it"),
        Step.RETURN: N_("return it"),
        Step.WITHDRAW: N_("withdraw it"),
    }
)

CREATE_READS: tuple[str, ...] = ("status", *sorted(REVIEW_FIELDS))
"""What a create's check reads besides the unit (a bulk import checks each set once)."""

_STATUSES = frozenset(status.value for status in Status)
_UNIT_EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
"""Statuses in which the unit edits its disclosure's content."""


def as_imported(record: Mapping[str, Any], *, reviewer: bool) -> dict[str, Any]:
    """What a row of a unit's old ledger becomes when the unit imports it: marked
    published (or withdrawn) there, it waits here for the reviewing level. A reviewer's
    import stays as it is. Reads the status only (``CREATE_READS``)."""
    if reviewer or record.get("status") not in (Status.PUBLISHED, Status.WITHDRAWN):
        return {}
    return {
        "status": Status.SUBMITTED.value,
        "published_on": None,
        "reviewed_by": "",
        "reviewed_on": None,
        "return_reason": "",
    }


def is_reviewer(side: Side | None, level: str) -> bool:
    """Whether the side reviews a disclosure of a unit of ``level``: a supervising level
    always; the unit itself only where it reviews its own."""
    return side is Side.SUPERVISOR or (side is Side.UNIT and level in SELF_REVIEWING)


def reviews_first(role: str, side: Side | None, level: str) -> bool:
    """Whether a device of ``role`` is where a unit of ``level``'s disclosures wait: the
    town for its villages and communities, the unit's own reviewer for a department or
    discipline body. (The district may review any, but does not wait on them.)"""
    if level in SELF_REVIEWING:
        return side is Side.UNIT
    return side is Side.SUPERVISOR and role == "town"


def _by_target(source: Status, target: Status) -> Transition | None:
    for transition in TRANSITIONS.values():
        if transition.target is target and source in transition.sources:
            return transition
    return None


def plan(
    step: Step,
    disclosure: Mapping[str, Any],
    *,
    side: Side | None,
    level: str,
    today: date,
    reviewer_name: str = "",
    reason: str = "",
) -> dict[str, Any]:
    """The changes ``step`` makes to ``disclosure`` (wire values), or ``Refused``."""
    transition = TRANSITIONS[step]
    if side is None:
        raise Refused(Refusal("no_side"))
    if transition.reviewer and not is_reviewer(side, level):
        raise Refused(Refusal("review_publishes", "status", {"step": STEP_NAMES[step]}))
    status = Status(str(disclosure.get("status") or Status.DRAFT.value))
    if status not in transition.sources:
        raise Refused(
            Refusal("disclosure_step", "status", {"status": status.value, "step": STEP_NAMES[step]})
        )
    changes: dict[str, Any] = {"status": transition.target.value}
    if step is Step.SUBMIT:
        changes["submitted_on"] = today.isoformat()
    elif step is Step.APPROVE:
        changes |= {
            "published_on": today.isoformat(),
            "reviewed_by": reviewer_name,
            "reviewed_on": today.isoformat(),
            "return_reason": "",
        }
    elif step is Step.RETURN:
        if not reason.strip():
            raise Refused(Refusal("return_needs_reason", "return_reason"))
        changes |= {
            "return_reason": reason.strip(),
            "reviewed_by": reviewer_name,
            "reviewed_on": today.isoformat(),
        }
    return changes


def check_disclosure(
    side: Side | None,
    level: str,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    deleting: bool = False,
) -> Refusal | None:
    """Whether ``side`` may make ``changes`` to a disclosure of a unit of ``level`` that is
    ``current`` (None: a create), or delete it; None when it may."""
    if side is None:
        return Refusal("no_side")
    reviewer = is_reviewer(side, level)
    status = Status(str((current or {}).get("status") or Status.DRAFT.value))
    if deleting:
        if reviewer or status in _UNIT_EDITABLE:
            return None
        return Refusal("disclosure_fixed", "status", {"status": status.value})
    if not reviewer:
        review = sorted(REVIEW_FIELDS & set(changes))
        if review:
            return Refusal("not_yours", review[0], {"field": review[0]})
    target_text = str(changes.get("status", (None, status.value))[1] or Status.DRAFT.value)
    if target_text not in _STATUSES:
        return None  # validation names the bad value
    target = Status(target_text)
    if current is None:
        allowed = (
            {Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED}
            if reviewer
            else {Status.DRAFT, Status.SUBMITTED}
        )
        if target not in allowed:
            return Refusal("review_publishes", "status", {"step": STEP_NAMES[Step.APPROVE]})
        return None
    if target is not status:
        transition = _by_target(status, target)
        if transition is None:
            return Refusal(
                "disclosure_move", "status", {"status": status.value, "target": target.value}
            )
        if transition.reviewer and not reviewer:
            return Refusal("review_publishes", "status", {"step": STEP_NAMES[transition.step]})
        return None
    if not reviewer and status not in _UNIT_EDITABLE:
        return Refusal("disclosure_fixed", "status", {"status": status.value})
    return None
