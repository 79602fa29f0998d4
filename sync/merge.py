"""The per-field merge rule, used by central to apply ops and by the client to rebase.

Pure functions over wire values, so both ends agree by construction and the
rule is tested alone. Nothing here picks a winner: a field whose current
value is neither the op's ``from`` nor its ``to`` is handed back as a conflict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: Any
    """What the device saw before its change (the op's ``from``)."""
    mine: Any
    """What the device changed it to (the op's ``to``)."""
    theirs: Any
    """What the other side holds now."""


@dataclass(frozen=True)
class MergeOutcome:
    applied: dict[str, Any] = field(default_factory=dict)
    """Fields to write: current value equalled ``from``."""
    unchanged: tuple[str, ...] = ()
    """Fields already at ``to``: nothing to do (a retry, or both made the same edit)."""
    conflicts: tuple[FieldConflict, ...] = ()


def merge_fields(
    current: Mapping[str, Any], changes: Mapping[str, tuple[Any, Any] | list[Any]]
) -> MergeOutcome:
    """Apply ``changes`` ({field: (from, to)}) to ``current`` field by field."""
    applied: dict[str, Any] = {}
    unchanged: list[str] = []
    conflicts: list[FieldConflict] = []
    for name, (old, new) in changes.items():
        now = current.get(name)
        if now == new:
            unchanged.append(name)
        elif now == old:
            applied[name] = new
        else:
            conflicts.append(FieldConflict(field=name, base=old, mine=new, theirs=now))
    return MergeOutcome(applied=applied, unchanged=tuple(unchanged), conflicts=tuple(conflicts))


def rebase(
    pulled: Mapping[str, Any], pending: Iterable[Mapping[str, tuple[Any, Any] | list[Any]]]
) -> dict[str, Any]:
    """A pulled record with the device's pending changes laid on top, oldest first.

    The pending ops keep their ``from`` values, so when they are pushed central
    still sees whether the field moved under them and reports a conflict.
    """
    out = dict(pulled)
    for changes in pending:
        for name, (_old, new) in changes.items():
            out[name] = new
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The ``{field: (from, to)}`` of fields in ``after`` whose value differs from ``before``."""
    return {
        name: (before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    }
