"""A rule's refusal, named so that both ends say the same thing.

A refusal carries its rule (a code), the field it is about and its parameters; the
sentence is the rule's msgid (English, marked for the catalogue) filled with them.
Central answers a refused op with all three (``OpError.rule``/``params``), so the
device shows the very sentence it would have shown had it refused the change
itself, in its own language.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from models.i18n import N_

__all__ = ["RULES", "Refusal", "Refused"]

RULES: Mapping[str, str] = MappingProxyType(
    {
        "unit_only": N_("Only the unit itself may {step} (this device supervises it)."),
        "supervisor_only": N_("Only a supervising level may {step}."),
        "no_side": N_("This device neither is nor supervises the unit concerned."),
        "bad_step": N_("A warning that is {status} cannot be {step}."),
        "closed": N_("This warning is closed (销号): it can no longer be changed."),
        "not_yours": N_("{field} is set by the supervising level, not by the unit."),
        "fixed_after_issue": N_("{field} can only change before the unit signs for it."),
        "judged": N_("This feedback has a verdict: it can no longer be changed or deleted."),
        "no_feedback_now": N_("A warning that is {status} takes no feedback."),
        "verdict_when_verifying": N_("A verdict is given while the warning waits for it."),
        "verdict_once": N_("A verdict, once given, stays."),
        "verdict_needs_completed": N_("Only feedback that reports the work done is judged."),
        "unknown_items": N_("Problems {items} are not in the warning (it lists {count})."),
        "unknown_warning": N_("No such warning on this device."),
        "unknown_record": N_("No such record on this device (deleted, or never here)."),
        "verify_needs_report": N_("Verification waits on a report of the work done."),
        "close_needs_verdict": N_("A warning is closed or returned by a verdict on its feedback."),
        "review_publishes": N_("Only the reviewing level may {step} (a village's: its town)."),
        "disclosure_step": N_("A disclosure that is {status} cannot {step}."),
        "disclosure_move": N_("A disclosure that is {status} cannot become {target}."),
        "disclosure_fixed": N_(
            "A disclosure that is {status} no longer changes on the unit's side."
        ),
        "return_needs_reason": N_("Say why it is returned: the unit reads it."),
        "year_closed": N_("The duty items of {year} are locked: that year has closed."),
        "evidence_year_closed": N_(
            "Duty evidence that counts in {year} is locked: that year has closed."
        ),
        "names_outside": N_(
            "A bulletin names only units this level supervises ({unit} is not one)."
        ),
        "clue_concluded": N_("This clue is concluded (办结): it can no longer be changed."),
        "clue_step": N_("A clue that is {status} cannot become {target}."),
        "clue_outcome_field": N_("{field} belongs to another outcome of the clue."),
        "issuer_only": N_("Only the supervisors of the issuing level keep its catalogue."),
        "proposal_once": N_("A proposed warning, once issued or dismissed, stays so."),
        "proposal_needed": N_(
            "This reminder proposes no warning: there is nothing to issue or dismiss."
        ),
        "read_only": N_("This device only reads (support): it changes no records."),
        "unknown_reference": N_("{field} names no record this device holds."),
        "reminders_by_supervisors": N_(
            "Reminders are raised by the supervising level; a unit reads them."
        ),
    }
)
"""Each rule's sentence (a msgid); ``Refusal.params`` fill its placeholders."""


@dataclass(frozen=True)
class Refusal:
    """Why a change is refused: which rule, about which field, with what."""

    rule: str
    field: str | None = None
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"no rule {self.rule!r}")

    @property
    def msgid(self) -> str:
        return RULES[self.rule]

    def english(self) -> str:
        """The sentence as central's logs and English devices show it."""
        return self.msgid.format(**self.params)


class Refused(Exception):
    """A refusal raised where a caller cannot go on (the store, a CLI command)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.english())
        self.refusal = refusal
