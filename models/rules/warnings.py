"""A warning (预警, and the supervision documents sent like one) as a state machine.

States: issued 已下发 → received 已签收 → rectifying 整改中 → verifying 待验收 →
closed 已销号, or from verifying returned 已退回 → rectifying (or verifying again).

Steps, each taken by one side (``actors.Side``) from some states to one state, and
what each writes:

========  ==========  =====================================  ==========  =====================
step      side        from                                    to          writes on the warning
========  ==========  =====================================  ==========  =====================
sign      unit        issued                                  received    received_on
report    unit        received, rectifying, returned          rectifying  (a feedback: progress)
complete  unit        received, rectifying, returned          verifying   (a feedback: done)
accept    supervisor  verifying                               closed      closed_on, rectified
return    supervisor  verifying                               returned    return_reason
========  ==========  =====================================  ==========  =====================

Report and complete create the unit's feedback (progress, evidence, which problems
it rectified); accept and return give the waiting feedback its verdict. A warning's
problems are items, one per line of ``problems``, numbered from 1; acceptance adds
the items the accepted feedback rectified to the warning's ``rectified``, so
"problems rectified" is a count.

``plan`` turns a step into the changes of both records (one user action, one
transaction); ``check_warning`` and ``check_feedback`` judge any change of either
kind, from any device, against the same table: the store before saving, central on
push. A closed warning is immutable to units; a feedback with a verdict cannot be
changed or deleted by a unit; only supervising levels issue, accept and return.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from models.i18n import N_
from models.rules.actors import Side
from models.rules.refusals import Refusal, Refused

__all__ = [
    "STEP_NAMES",
    "TRANSITIONS",
    "Status",
    "Step",
    "StepPlan",
    "Transition",
    "check_feedback",
    "check_warning",
    "is_legal",
    "is_open",
    "is_overdue",
    "owes_reply",
    "plan",
    "problem_items",
]


class Status(StrEnum):
    ISSUED = "issued"
    RECEIVED = "received"
    RECTIFYING = "rectifying"
    VERIFYING = "verifying"
    CLOSED = "closed"
    RETURNED = "returned"


class Step(StrEnum):
    SIGN = "sign"
    REPORT = "report"
    COMPLETE = "complete"
    ACCEPT = "accept"
    RETURN = "return"


STEP_NAMES: Mapping[Step, str] = MappingProxyType(
    {
        Step.SIGN: N_("sign for it"),
        Step.REPORT: N_("report progress on it"),
        Step.COMPLETE: N_("report its rectification done"),
        Step.ACCEPT: N_("accept its rectification"),
        Step.RETURN: N_("return its rectification"),
    }
)
"""How a refusal names a step (msgids)."""


@dataclass(frozen=True)
class Transition:
    step: Step
    side: Side
    sources: frozenset[Status]
    target: Status


_ANSWERABLE = frozenset({Status.RECEIVED, Status.RECTIFYING, Status.RETURNED})

TRANSITIONS: Mapping[Step, Transition] = MappingProxyType(
    {
        t.step: t
        for t in (
            Transition(Step.SIGN, Side.UNIT, frozenset({Status.ISSUED}), Status.RECEIVED),
            Transition(Step.REPORT, Side.UNIT, _ANSWERABLE, Status.RECTIFYING),
            Transition(Step.COMPLETE, Side.UNIT, _ANSWERABLE, Status.VERIFYING),
            Transition(Step.ACCEPT, Side.SUPERVISOR, frozenset({Status.VERIFYING}), Status.CLOSED),
            Transition(
                Step.RETURN, Side.SUPERVISOR, frozenset({Status.VERIFYING}), Status.RETURNED
            ),
        )
    }
)

_STATUSES = frozenset(status.value for status in Status)

_BY_TARGET: Mapping[Status, Transition] = MappingProxyType(
    {t.target: t for t in TRANSITIONS.values()}
)
"""Each state is the target of one step: a status change names its step."""

UNIT_FIELDS = frozenset({"status", "received_on"})
"""What a unit's steps write on a warning; a unit writes nothing else of it."""
SUPERVISOR_STEP_FIELDS = frozenset({"status", "closed_on", "rectified", "return_reason"})
"""What the supervising side's steps write (besides the content it issues)."""
FIXED_AFTER_ISSUE = frozenset({"org_code", "problems"})
"""The unit and the problems a warning is about change only before the unit signs:
feedback refers to problems by their number."""
FEEDBACK_VERDICT = frozenset({"verdict", "verdict_note", "judged_on"})
"""A feedback's verdict: the supervising side's; the rest is the unit's report."""


CREATE_READS: tuple[str, ...] = ("status",)
"""What issuing a warning's check reads besides the unit (a bulk import checks each set
of these once)."""
OWES_ANSWER = frozenset({Status.ISSUED, Status.RECEIVED, Status.RECTIFYING, Status.RETURNED})
"""States in which the unit still owes its answer (it has not reported the work done)."""


def is_open(warning: Mapping[str, Any]) -> bool:
    """Not yet closed (销号): what every count of open warnings counts."""
    return warning.get("status") != Status.CLOSED


def owes_reply(warning: Mapping[str, Any]) -> bool:
    """Its reply date still runs: it has one and the unit owes its answer (a report
    waiting for verification, 待验收, is not late whatever the date)."""
    return bool(warning.get("reply_due")) and str(warning.get("status")) in OWES_ANSWER


def is_overdue(warning: Mapping[str, Any], today: date) -> bool:
    """Past its reply date while the unit still owes its answer: the one "overdue" the
    warnings list's days-left column, its filter, the homes and ``warnings_overdue``
    read."""
    return owes_reply(warning) and str(warning.get("reply_due")) < today.isoformat()


def problem_items(problems: str) -> list[str]:
    """A warning's problems, one per non-empty line (item ``n`` is the n-th)."""
    return [line.strip() for line in problems.splitlines() if line.strip()]


@dataclass(frozen=True)
class StepPlan:
    """The changes one step makes: to the warning, and to the feedback it creates
    (report, complete) or judges (accept, return)."""

    warning: dict[str, Any] = field(default_factory=dict)
    feedback: dict[str, Any] = field(default_factory=dict)


def plan(
    step: Step,
    warning: Mapping[str, Any],
    *,
    side: Side | None,
    today: date,
    feedback: Mapping[str, Any] | None = None,
    note: str = "",
    progress: str = "",
    rectified: Iterable[str] = (),
    reported: Iterable[str] = (),
) -> StepPlan:
    """The changes of ``step`` on ``warning`` (wire values), or ``Refused``.

    ``feedback``: for accept and return, the feedback being judged. ``note``: the
    verdict's note (return needs one: the reason the unit will read). ``progress``
    and ``rectified`` (item numbers): the report of report and complete. ``reported``:
    the items the unit's earlier feedback on the warning reported rectified; acceptance
    marks them with the judged report's (a return is about what was still missing, not
    about what was done)."""
    transition = TRANSITIONS[step]
    _may_take(transition, warning, side)
    status = Status(str(warning.get("status")))
    changes: dict[str, Any] = {}
    if transition.target is not status:
        changes["status"] = transition.target.value
    if step is Step.SIGN:
        changes["received_on"] = today.isoformat()
        return StepPlan(warning=changes)
    if step in (Step.REPORT, Step.COMPLETE):
        items = sorted(set(rectified), key=_item_order)
        _known_items(items, warning)
        report = {
            "warning_id": warning["id"],
            "org_code": warning["org_code"],
            "reported_on": today.isoformat(),
            "progress": progress,
            "completed": step is Step.COMPLETE,
            "rectified": items,
        }
        return StepPlan(warning=changes, feedback=report)
    judged = _judged(feedback, warning)
    if step is Step.ACCEPT:
        done = (
            set(warning.get("rectified") or ()) | set(judged.get("rectified") or ()) | set(reported)
        )
        changes["closed_on"] = today.isoformat()
        changes["rectified"] = sorted(done, key=_item_order)
        verdict = {"verdict": "accepted", "verdict_note": note, "judged_on": today.isoformat()}
        return StepPlan(warning=changes, feedback=verdict)
    changes["return_reason"] = note
    verdict = {"verdict": "returned", "verdict_note": note, "judged_on": today.isoformat()}
    return StepPlan(warning=changes, feedback=verdict)


def _may_take(transition: Transition, warning: Mapping[str, Any], side: Side | None) -> None:
    step = transition.step
    if side is None:
        raise Refused(Refusal("no_side"))
    if side is not transition.side:
        rule = "unit_only" if transition.side is Side.UNIT else "supervisor_only"
        raise Refused(Refusal(rule, "status", {"step": STEP_NAMES[step]}))
    status = Status(str(warning.get("status")))
    if status is Status.CLOSED:
        raise Refused(Refusal("closed", "status"))
    if status not in transition.sources:
        raise Refused(
            Refusal("bad_step", "status", {"status": status.value, "step": STEP_NAMES[step]})
        )


def _item_order(item: str) -> tuple[int, str]:
    return (int(item), item) if item.isdigit() else (1 << 30, item)


def _known_items(items: Iterable[str], warning: Mapping[str, Any]) -> None:
    count = len(problem_items(str(warning.get("problems") or "")))
    unknown = [item for item in items if not item.isdigit() or not 1 <= int(item) <= count]
    if unknown:
        raise Refused(
            Refusal(
                "unknown_items", "rectified", {"items": "、".join(unknown), "count": str(count)}
            )
        )


def _judged(feedback: Mapping[str, Any] | None, warning: Mapping[str, Any]) -> Mapping[str, Any]:
    if feedback is None or feedback.get("warning_id") != warning.get("id"):
        raise Refused(Refusal("verdict_needs_completed", "verdict"))
    if feedback.get("verdict"):
        raise Refused(Refusal("verdict_once", "verdict"))
    if not feedback.get("completed"):
        raise Refused(Refusal("verdict_needs_completed", "verdict"))
    return feedback


# ---- any change of a warning or a feedback, from any device -------------------------------


def check_warning(
    side: Side | None,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    feedback: Iterable[Mapping[str, Any]] = (),
    deleting: bool = False,
) -> Refusal | None:
    """Whether ``side`` may make ``changes`` (``{field: (from, to)}``) to a warning that is
    ``current`` (None: a create), or delete it; None when it may. ``feedback``: the
    warning's feedback as it stands (a status change needs the feedback its step is
    about: a completed report to verify, a verdict to close or return on)."""
    if side is None:
        return Refusal("no_side")
    if current is None or deleting:
        # Issuing (and withdrawing what was issued by mistake) is the supervising side's.
        if side is not Side.SUPERVISOR:
            return Refusal("supervisor_only", "status", {"step": N_("issue or withdraw it")})
        if current is not None and current.get("status") != Status.ISSUED:
            return Refusal("fixed_after_issue", "status", {"field": "status"})
        if current is None:
            status = changes.get("status", (None, Status.ISSUED.value))[1]
            if status != Status.ISSUED:
                return Refusal("bad_step", "status", {"status": "", "step": N_("issue it")})
        return None
    status = Status(str(current.get("status")))
    if status is Status.CLOSED and side is Side.UNIT:
        return Refusal("closed", "status")
    target = str(changes.get("status", (None, status.value))[1])
    if target != status:
        transition = _BY_TARGET.get(Status(target)) if target in _STATUSES else None
        if transition is None:
            return Refusal("bad_step", "status", {"status": status.value, "step": target})
        try:
            _may_take(transition, current, side)
        except Refused as refused:
            return refused.refusal
        if not _grounded(transition.target, feedback):
            return Refusal(_GROUNDS[transition.target], "status")
    for name in changes:
        if side is Side.UNIT and name not in UNIT_FIELDS:
            return Refusal("not_yours", name, {"field": name})
        if name in FIXED_AFTER_ISSUE and status is not Status.ISSUED:
            return Refusal("fixed_after_issue", name, {"field": name})
    return None


_GROUNDS: Mapping[Status, str] = MappingProxyType(
    {
        Status.VERIFYING: "verify_needs_report",
        Status.CLOSED: "close_needs_verdict",
        Status.RETURNED: "close_needs_verdict",
    }
)
"""The refusal of a status change that its feedback does not ground."""


def _grounded(target: Status, feedback: Iterable[Mapping[str, Any]]) -> bool:
    """Verifying needs a completed report still waiting for its verdict; closed and
    returned need a feedback with that verdict."""
    reports = [f for f in feedback if not f.get("deleted")]
    if target is Status.VERIFYING:
        return any(f.get("completed") and not f.get("verdict") for f in reports)
    if target is Status.CLOSED:
        return any(f.get("verdict") == "accepted" for f in reports)
    if target is Status.RETURNED:
        return any(f.get("verdict") == "returned" for f in reports)
    return True


def check_feedback(
    side: Side | None,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
    warning: Mapping[str, Any] | None,
    *,
    deleting: bool = False,
) -> Refusal | None:
    """Whether ``side`` may make ``changes`` to a feedback that is ``current`` (None: a
    create) on ``warning`` (as it stands), or delete it; None when it may."""
    if side is None:
        return Refusal("no_side")
    if warning is None:
        return Refusal("unknown_warning", "warning_id")
    status = Status(str(warning.get("status")))
    verdict_given = bool(current and current.get("verdict"))
    if side is Side.UNIT:
        if verdict_given:
            return Refusal("judged")
        if status is Status.CLOSED:
            return Refusal("closed")
        touched = FEEDBACK_VERDICT & {n for n, (_f, to) in changes.items() if to not in ("", None)}
        if touched:
            name = sorted(touched)[0]
            return Refusal("not_yours", name, {"field": name})
        if current is None and status not in _ANSWERABLE:
            return Refusal("no_feedback_now", "warning_id", {"status": status.value})
        if "rectified" in changes:
            try:
                _known_items(changes["rectified"][1] or (), warning)
            except Refused as refused:
                return refused.refusal
        return None
    # The supervising side judges what the unit reported; it reports nothing itself.
    if current is None or deleting:
        return Refusal("unit_only", None, {"step": STEP_NAMES[Step.REPORT]})
    other = sorted(set(changes) - FEEDBACK_VERDICT)
    if other:
        return Refusal("unit_only", other[0], {"step": STEP_NAMES[Step.REPORT]})
    if verdict_given:
        return Refusal("verdict_once", "verdict")
    if "verdict" in changes:
        if status is not Status.VERIFYING:
            return Refusal("verdict_when_verifying", "verdict")
        if not current.get("completed"):
            return Refusal("verdict_needs_completed", "verdict")
    return None


def is_legal(warning: Mapping[str, Any], feedback: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a warning and its feedback are a state the machine can be in."""
    try:
        status = Status(str(warning.get("status")))
    except ValueError:
        return False
    reports = [f for f in feedback if not f.get("deleted")]
    items = {str(n) for n in range(1, len(problem_items(str(warning.get("problems") or ""))) + 1)}
    checks = [
        set(warning.get("rectified") or ()) <= items,
        status is Status.ISSUED or bool(warning.get("received_on")),
        all(f.get("completed") for f in reports if f.get("verdict")),
        all(set(f.get("rectified") or ()) <= items for f in reports),
    ]
    if status is Status.CLOSED:
        checks.append(bool(warning.get("closed_on")))
        checks.append(any(f.get("verdict") == "accepted" for f in reports))
    if status is Status.RETURNED:
        checks.append(bool(warning.get("return_reason")))
        checks.append(any(f.get("verdict") == "returned" for f in reports))
    if status is Status.VERIFYING:
        checks.append(any(f.get("completed") and not f.get("verdict") for f in reports))
    return all(checks)


def issued_sms_text(unit_name: str, doc_label: str, warning: Mapping[str, Any]) -> str:
    """A warning issued with ``sms`` as the SMS to the unit's contact: what arrived and
    by when to answer (its problems stay in the app; no personal data)."""
    due = warning.get("reply_due") or ""
    return (
        f"【三务公开{doc_label}】{unit_name}：收到《{warning.get('title')}》，"
        f"请登录三务公开系统签收，并于{due}前反馈整改情况。"
    )
