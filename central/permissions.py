"""Who may change which fields of which kind: a small pure rule, checked per op in push.

Scope (which units a device reaches) is checked elsewhere (``central.push``); this
is about roles inside their scope:

- warnings (预警, 监督建议书, ...) are issued by the supervising levels: the district's
  supervisors and town staff (the town's discipline committee supervises its
  villages). Only they create, delete or change a warning's content. A clerk's device
  may only move a warning's status to ``received`` (签收) or ``rectifying`` (整改中),
  and nothing else of a warning.
- a feedback's ``verdict`` and ``verdict_note`` (acceptance of the rectification) are
  set by the supervising levels only; clerks write the rest of their feedback.
- every other kind: any field, for any writing role.

Returns the first refused field (or ``"*"`` for the op as a whole), or None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sync.protocol import Action, Role

__all__ = ["SUPERVISING_ROLES", "UNIT_WARNING_STATUSES", "forbidden_field"]

UNIT_WARNING_STATUSES = frozenset({"received", "rectifying"})
"""The warning statuses a unit (clerk, town) may set: signed for, being rectified."""
SUPERVISOR_ONLY: Mapping[str, frozenset[str]] = {
    "feedback": frozenset({"verdict", "verdict_note"}),
}
ISSUED_BY_SUPERVISORS = frozenset({"warning"})
SUPERVISING_ROLES = frozenset({Role.SUPERVISOR.value, Role.TOWN.value})
UNIT_MAY_SET: Mapping[str, frozenset[str]] = {"warning": frozenset({"status"})}


def forbidden_field(
    role: str, kind: str, action: Action, changes: Mapping[str, Sequence[Any]]
) -> str | None:
    """The field this role may not write in this op (``"*"``: not the op at all)."""
    if role in SUPERVISING_ROLES:
        return None
    if kind in ISSUED_BY_SUPERVISORS:
        if action is not Action.UPDATE:
            return "*"
        allowed = UNIT_MAY_SET[kind]
        for name, pair in changes.items():
            if name not in allowed:
                return name
            if name == "status" and pair[1] not in UNIT_WARNING_STATUSES:
                return name
        return None
    for name, pair in changes.items():
        if name in SUPERVISOR_ONLY.get(kind, frozenset()) and pair[1] not in ("", None):
            return name
    return None
