"""A disclosure's review on this home (``models.rules.disclosures``): a unit submits (or
takes back) its disclosure, the reviewing level publishes it or returns it with its
opinion, and may withdraw what it published. Each step is one user action and one
transaction; what it may do and what it writes are the rules', not this module's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from client import audit
from client.errors import RuleRefused, UnknownRecord
from client.store.database import Database, utcnow
from client.store.device import Device
from client.store.records import Records
from models.orgs import org_by_code
from models.rules.actors import side_of
from models.rules.disclosures import Step, is_reviewer, plan, reviews_first
from models.rules.refusals import Refused

__all__ = ["NOTE", "Review"]

NOTE = "note"
"""The audit action of a step's note (``sanwu disclosure submit|approve ID --reason T``):
the disclosure declares no field for it (``return_reason`` is the reviewer's opinion on
a return, ``review_opinion`` the village's committee's), so the record's history keeps
it, as ``{"note": ["", text]}`` right after the step's own entry."""


class Review:
    def __init__(self, db: Database, records: Records, device: Device) -> None:
        self._db = db
        self._records = records
        self._device = device

    def step(
        self, disclosure_id: str, step: Step, *, today: date, reason: str = ""
    ) -> dict[str, Any]:
        """Take one step; returns what it changed. ``RuleRefused`` when this device may
        not, ``UnknownRecord`` when the disclosure is not here."""
        return self.steps([disclosure_id], step, today=today, reason=reason)[0]

    def steps(
        self,
        disclosure_ids: Iterable[str],
        step: Step,
        *,
        today: date,
        reason: str = "",
        note: str = "",
    ) -> list[dict[str, Any]]:
        """The same step on several disclosures in one transaction (a town approving a
        village's imported ledger): all of them, or none. ``note``: a word on the step
        kept in each record's history (``NOTE``)."""
        identity = self._device.require_identity()
        actor = identity.actor()
        done = []
        with self._db.transaction() as conn:
            for disclosure_id in disclosure_ids:
                current = self._records.live(conn, "disclosure", disclosure_id)
                if current is None:
                    raise UnknownRecord(disclosure_id)
                org_code = str(current["org_code"])
                try:
                    changes = plan(
                        step,
                        current,
                        side=side_of(actor, org_code),
                        level=_level(org_code),
                        today=today,
                        reviewer_name=identity.org_name,
                        reason=reason,
                    )
                except Refused as refused:
                    raise RuleRefused("disclosure", refused.refusal) from None
                self._records.edit_in(conn, disclosure_id, changes)
                if note.strip():
                    audit.append(
                        conn,
                        at=utcnow(),
                        actor=self._device.actor,
                        action=NOTE,
                        kind="disclosure",
                        record_id=disclosure_id,
                        changes={"note": ["", note.strip()]},
                    )
                done.append(changes)
        return done

    def waits_here(self, org_code: str) -> bool:
        """Whether unit ``org_code``'s submissions wait for this device (a town's home
        lists its villages'; the district's does not, though it may review them)."""
        identity = self._device.identity
        if identity is None:
            return False
        side = side_of(identity.actor(), org_code)
        return reviews_first(identity.role, side, _level(org_code))

    def reviews(self, org_code: str) -> bool:
        """Whether this device reviews the disclosures of unit ``org_code``."""
        identity = self._device.identity
        if identity is None:
            return False
        return is_reviewer(side_of(identity.actor(), org_code), _level(org_code))


def _level(org_code: str) -> str:
    unit = org_by_code().get(org_code)
    return unit.level if unit is not None else ""
