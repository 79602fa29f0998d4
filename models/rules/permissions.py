"""Who may write what, for every kind: the one check both ends run on a change.

The store runs it before saving (the refusal is immediate, in the person's language)
and central again on every pushed op (no device can skip it). Scope (which units a
device reaches) is checked beside it, at each end; this is about the side a device
takes on a unit's record and the rules of the kind:

- a support device only reads;
- warnings and their feedback follow the state machine (``rules.warnings``);
- clues are the supervising side's (``rules.clues``);
- reminders are raised by central's daily pass and decided by supervisors: a unit
  reads its own but writes none (``rules.reminders``);
- catalogue items are written by the level that issues them (its supervisors);
- a disclosure is published by the level that reviews it (``rules.disclosures``);
- duty adjustments are a supervising level's, and a closed year's adjustments and
  evidence stand (``rules.duty``);
- every other kind: any writing role, within its scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any, Protocol

from models.kinds import kind_spec
from models.orgs import org_by_code, unit_level_prefix
from models.rules import bulletins, clues, disclosures, duty, references, reminders, warnings
from models.rules.actors import Actor, side_of
from models.rules.refusals import Refusal
from models.visibility import hidden_fields, reads

__all__ = ["Lookup", "check_change", "create_reads", "imported"]


class Lookup(Protocol):
    """Records a rule reads beside the one changed, as this end holds them now."""

    def record(self, kind: str, record_id: str) -> Mapping[str, Any] | None: ...

    def feedback_of(self, warning_id: str) -> list[Mapping[str, Any]]: ...


def check_change(
    actor: Actor,
    kind: str,
    current: Mapping[str, Any] | None,
    changes: Mapping[str, tuple[Any, Any]],
    lookup: Lookup,
    *,
    deleting: bool = False,
    today: date | None = None,
) -> Refusal | None:
    """Whether ``actor`` may make ``changes`` (``{field: (from, to)}``) to a record of
    ``kind`` that is ``current`` (None: a create), or delete it; None when it may.
    ``today``: this end's date, for the rules that lock with time (a closed year)."""
    if actor.role == "support":
        return Refusal("read_only")
    spec = kind_spec(kind)
    if not reads(spec, actor.role):
        return Refusal("supervisor_only", None, {"step": spec.label})
    hidden = sorted(hidden_fields(spec, actor.role) & set(changes))
    if hidden:
        return Refusal("not_yours", hidden[0], {"field": hidden[0]})
    org_code = str(changes.get("org_code", (None, None))[1] or (current or {}).get("org_code"))
    dangling = references.check_references(actor, kind, changes, partial(_org_of, lookup))
    if dangling is not None:
        return dangling
    side = side_of(actor, org_code)
    if kind == "warning":
        record_id = str((current or {}).get("id") or "")
        feedback = lookup.feedback_of(record_id) if record_id else []
        return warnings.check_warning(side, current, changes, feedback=feedback, deleting=deleting)
    if kind == "feedback":
        warning_id = str(
            changes.get("warning_id", (None, None))[1] or (current or {}).get("warning_id") or ""
        )
        warning = lookup.record("warning", warning_id) if warning_id else None
        return warnings.check_feedback(side, current, changes, warning, deleting=deleting)
    if kind == "clue":
        return clues.check_clue(side, current, changes, deleting=deleting)
    if kind == "reminder":
        return reminders.check_reminder(side, current, changes, deleting=deleting)
    if kind == "catalog_item":
        return _check_catalog_item(actor, org_code)
    if kind == "disclosure":
        return disclosures.check_disclosure(
            side, _level(org_code), current, changes, deleting=deleting
        )
    if kind == "bulletin":
        return bulletins.check_bulletin(actor, side, current, changes)
    if kind == "duty_adjustment":
        return duty.check_adjustment(side, current, changes, today=today)
    if kind == "duty_evidence":
        return duty.check_evidence(current, changes, deleting=deleting, today=today)
    return None


def _org_of(lookup: Lookup, kind: str, record_id: str) -> str | None:
    """The unit of a live record this end holds (None: none, or deleted)."""
    record = lookup.record(kind, record_id)
    return None if record is None else str(record.get("org_code") or "")


def _level(org_code: str) -> str:
    unit = org_by_code().get(org_code)
    return unit.level if unit is not None else ""


_CREATE_READS: Mapping[str, tuple[str, ...] | None] = {
    "warning": warnings.CREATE_READS,
    "feedback": None,  # its warning's state: each on its own
    "clue": clues.CREATE_READS,
    "disclosure": disclosures.CREATE_READS,
    "bulletin": bulletins.CREATE_READS,
    "duty_adjustment": duty.ADJUSTMENT_READS,
    "duty_evidence": duty.EVIDENCE_READS,
}


def create_reads(kind: str) -> tuple[str, ...] | None:
    """The fields a create's check reads besides the unit (rows alike in them and the
    unit get the same answer, so a bulk import checks each such set once), its references
    among them; None: each row on its own."""
    reads = _CREATE_READS.get(kind, ())
    if reads is None:
        return None
    return (*reads, *(name for name in references.ref_fields(kind) if name not in reads))


def imported(actor: Actor, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """What an imported row becomes before its checks: a disclosure an old ledger marks
    published waits for the reviewing level (``rules.disclosures.as_imported``)."""
    if kind != "disclosure":
        return {}
    org_code = str(record.get("org_code") or "")
    reviewer = disclosures.is_reviewer(side_of(actor, org_code), _level(org_code))
    return disclosures.as_imported(record, reviewer=reviewer)


def _check_catalog_item(actor: Actor, org_code: str) -> Refusal | None:
    """A catalogue item is the issuing level's: a supervisor of that level (its own unit),
    or central's own import (a pseudo device of that level)."""
    if actor.role != "supervisor" or unit_level_prefix(org_code) not in actor.scopes:
        return Refusal("issuer_only", "org_code")
    return None
