"""Who issues a supervision bulletin (监督通报): a supervising level, under its own unit's
code (the level that circulates it); everyone below reads it. The units it names are
units that level supervises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.i18n import N_
from models.rules.actors import SUPERVISING_ROLES, Actor, Side
from models.rules.refusals import Refusal

__all__ = ["CREATE_READS", "check_bulletin"]

CREATE_READS: tuple[str, ...] = ("named_units",)
"""What a create's check reads besides the issuing unit."""


def check_bulletin(
    actor: Actor,
    side: Side | None,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
) -> Refusal | None:
    """Whether ``actor`` may make ``changes`` to a bulletin (``current`` None: issue it)."""
    if side is not Side.UNIT or actor.role not in SUPERVISING_ROLES:
        return Refusal("supervisor_only", None, {"step": N_("issue a bulletin")})
    named = changes.get("named_units", (None, (current or {}).get("named_units") or []))[1]
    outside = [code for code in named or () if code == actor.unit or not actor.reaches(code)]
    if outside:
        return Refusal("names_outside", "named_units", {"unit": str(outside[0])})
    return None
