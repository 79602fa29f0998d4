"""A problem clue (问题线索) from intake to one outcome, handled by the supervising side.

received 已受理 → investigating 核查中 → concluded 已办结, with one outcome: unfounded
(不属实，了结), rectification (责令整改, linked to the warning it raised) or case filed
(立案, with the number of people disciplined). The unit a clue is about never sees it,
and only the supervisor role sees who reported it: both declared on the kind
(``read_by``, ``VisibleTo``) and applied by ``models.visibility`` and the permissions.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from models.i18n import N_
from models.rules.actors import Side
from models.rules.refusals import Refusal

__all__ = ["NEXT", "Status", "check_clue", "conclusion"]


class Status(StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    CONCLUDED = "concluded"


NEXT: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        Status.RECEIVED: frozenset({Status.INVESTIGATING, Status.CONCLUDED}),
        Status.INVESTIGATING: frozenset({Status.CONCLUDED}),
        Status.CONCLUDED: frozenset(),
    }
)
"""Where a clue may go from each status (a clue found unfounded at intake concludes at once)."""

_OUTCOME_FIELDS = {
    "unfounded": frozenset(),
    "rectification": frozenset({"warning_id"}),
    "case_filed": frozenset({"people_disciplined"}),
}


def conclusion(
    outcome: str, *, finding: str, today: str, warning_id: str = "", people: int = 0
) -> dict[str, Any]:
    """The changes that conclude a clue with ``outcome``."""
    changes: dict[str, Any] = {
        "status": Status.CONCLUDED.value,
        "outcome": outcome,
        "finding": finding,
        "concluded_on": today,
    }
    if outcome == "rectification":
        changes["warning_id"] = warning_id
    if outcome == "case_filed":
        changes["people_disciplined"] = people
    return changes


CREATE_READS: tuple[str, ...] = ("status", "outcome", "warning_id", "people_disciplined")
"""What taking in a clue's check reads besides the unit."""


def check_clue(
    side: Side | None,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    deleting: bool = False,
) -> Refusal | None:
    """Whether a device on ``side`` may make ``changes`` to a clue."""
    if side is not Side.SUPERVISOR:
        return Refusal("supervisor_only", None, {"step": N_("handle a clue")})
    status = Status(str((current or {}).get("status") or Status.RECEIVED.value))
    if current is not None and status is Status.CONCLUDED:
        return Refusal("clue_concluded", "status")
    if deleting:
        return None
    target = str(changes.get("status", (None, status.value))[1])
    if current is None and target != Status.RECEIVED:
        return Refusal("clue_step", "status", {"status": "", "target": target})
    if current is not None and target != status and Status(target) not in NEXT[status]:
        return Refusal("clue_step", "status", {"status": status.value, "target": target})
    outcome = str(changes.get("outcome", (None, (current or {}).get("outcome") or ""))[1])
    for name in ("warning_id", "people_disciplined"):
        value = changes.get(name, (None, None))[1]
        if value not in (None, "", 0) and name not in _OUTCOME_FIELDS.get(outcome, frozenset()):
            return Refusal("clue_outcome_field", name, {"field": name})
    return None
