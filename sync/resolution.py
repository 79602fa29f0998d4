"""What a person's decision on a conflict means, as a pure plan the store carries out.

A resolution never edits central's data directly: when the chosen value is not
already central's, it goes out as a new op whose ``from`` is central's value,
so a third edit that lands meanwhile is caught as a new conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sync.protocol import Action, ConflictType

# Fields a duplicate's "keep mine" does not copy onto the other record.
_NOT_COPIED = frozenset(
    {"id", "version", "deleted", "updated_by", "recorded_at", "received_at", "seq", "org_code"}
)


class Choice(StrEnum):
    MINE = "mine"
    THEIRS = "theirs"
    VALUE = "value"


class ResolutionError(ValueError):
    """The choice does not fit this kind of conflict."""


@dataclass(frozen=True)
class ConflictView:
    type: ConflictType
    field: str
    base: Any
    mine: Any
    theirs: Any
    version: int
    record_id: str
    record: Mapping[str, Any] | None
    """Central's record as it stood."""


@dataclass(frozen=True)
class PlannedOp:
    action: Action
    record_id: str
    changes: dict[str, tuple[Any, Any]]
    base_version: int


@dataclass(frozen=True)
class Plan:
    set_fields: dict[str, Any] = field(default_factory=dict)
    """Wire values to write on the local record (``record_id`` of the conflict)."""
    set_deleted: bool | None = None
    adopt: Mapping[str, Any] | None = None
    """Central's full record to store locally as it is."""
    retire_local: bool = False
    """Mark the local record deleted without telling central (it never existed there)."""
    op: PlannedOp | None = None
    recreate: bool = False
    """Send the local record again as a new create (a duplicate whose key was edited)."""
    copy_as_new: Mapping[str, Any] | None = None
    """Fields of a new record of this device's own unit, made from the copy of a record
    that moved out of its reach (the edit kept, under a new id)."""


def plan(
    conflict: ConflictView,
    choice: Choice,
    *,
    value: Any = None,
    local: Mapping[str, Any] | None = None,
) -> Plan:
    """The plan for one decision; ``local`` is the local record's wire values."""
    if conflict.type is ConflictType.FIELD:
        return _plan_field(conflict, choice, value)
    if conflict.type is ConflictType.DELETED:
        return _plan_deleted(conflict, choice)
    if conflict.type is ConflictType.MOVED:
        return _plan_moved(conflict, choice)
    return _plan_duplicate(conflict, choice, value, local or {})


def _plan_field(conflict: ConflictView, choice: Choice, value: Any) -> Plan:
    chosen = {Choice.MINE: conflict.mine, Choice.THEIRS: conflict.theirs}.get(choice, value)
    op = None
    if chosen != conflict.theirs:
        op = PlannedOp(
            Action.UPDATE,
            conflict.record_id,
            {conflict.field: (conflict.theirs, chosen)},
            conflict.version,
        )
    return Plan(set_fields={conflict.field: chosen}, op=op)


def _plan_deleted(conflict: ConflictView, choice: Choice) -> Plan:
    if choice is Choice.VALUE:
        raise ResolutionError("an edit against a delete takes mine or theirs, not a value")
    theirs_record = dict(conflict.record or {})
    if conflict.mine is True:  # I deleted; they edited
        if choice is Choice.MINE:
            changes: dict[str, tuple[Any, Any]] = {"deleted": (False, True)}
            op = PlannedOp(Action.DELETE, conflict.record_id, changes, conflict.version)
            return Plan(set_deleted=True, op=op)
        return Plan(adopt=theirs_record)
    # I edited; they deleted.
    if choice is Choice.THEIRS:
        return Plan(adopt=theirs_record) if theirs_record else Plan(set_deleted=True)
    mine = dict(conflict.mine or {})
    changes = {"deleted": (True, False)}
    changes.update({name: (theirs_record.get(name), new) for name, new in mine.items()})
    op = PlannedOp(Action.UPDATE, conflict.record_id, changes, conflict.version)
    return Plan(set_fields=mine, set_deleted=False, op=op)


def _plan_moved(conflict: ConflictView, choice: Choice) -> Plan:
    """The record is another unit's now: drop the edit (theirs), or keep it as a new
    record of this device's own unit (mine), its first step again (managed fields are
    not copied). Sending it to the new unit is that unit's to do: this device does not
    learn which unit it is."""
    if choice is Choice.THEIRS:
        return Plan()
    if choice is Choice.VALUE:
        raise ResolutionError("a record moved away takes mine (keep a copy) or theirs (drop)")
    return Plan(copy_as_new=dict(conflict.record or {}))


def _plan_duplicate(
    conflict: ConflictView, choice: Choice, value: Any, local: Mapping[str, Any]
) -> Plan:
    theirs_record = dict(conflict.record or {})
    if choice is Choice.THEIRS:
        return Plan(retire_local=True, adopt=theirs_record)
    if choice is Choice.MINE:
        if not conflict.theirs:
            raise ResolutionError(
                "the record holding this key is outside this device's units: "
                "change the key, or drop this record"
            )
        other_id = str(conflict.theirs)
        changes = {
            name: (theirs_record.get(name), mine)
            for name, mine in local.items()
            if name not in _NOT_COPIED and theirs_record.get(name) != mine
        }
        adopted = {**theirs_record, **{name: pair[1] for name, pair in changes.items()}}
        op = PlannedOp(Action.UPDATE, other_id, changes, conflict.version) if changes else None
        return Plan(retire_local=True, adopt=adopted, op=op)
    if not isinstance(value, Mapping) or not value:
        raise ResolutionError("a duplicate takes a JSON object of the key fields to change")
    return Plan(set_fields=dict(value), recreate=True)
