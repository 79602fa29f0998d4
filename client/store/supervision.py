"""The supervision loop's actions on this home. Each is one user action and one
transaction, and writes every record it changes: a unit's report creates its feedback
and moves its warning; a verdict judges the feedback and closes or returns the warning;
a document sent to several units is one warning each; a clue's outcome may raise a
warning; a proposed warning is confirmed (or dismissed) with one key. What each action
may do, and what it writes, is ``models.rules``'; this module only carries it out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from client.errors import RuleRefused, UnknownRecord
from client.store.database import Database
from client.store.device import Device
from client.store.records import Records
from models.ids import derived_id
from models.rules.actors import Side, side_of
from models.rules.clues import conclusion
from models.rules.refusals import Refused
from models.rules.reminders import may_decide
from models.rules.warnings import Step, plan

__all__ = ["REPLY_DAYS", "StepDone", "Supervision"]

REPLY_DAYS: Mapping[str, int] = {
    "reminder_letter": 7,
    "warning": 10,
    "suggestion": 15,
    "notice": 15,
}
"""Local practice: a reminder answered in 7 days, a written report in 10, a plan in 15."""


@dataclass(frozen=True)
class StepDone:
    """What a step wrote: the warning's changes and the feedback it made or judged."""

    warning: dict[str, Any]
    feedback_id: str | None


class Supervision:
    def __init__(self, db: Database, records: Records, device: Device) -> None:
        self._db = db
        self._records = records
        self._device = device

    def _side(self, org_code: str) -> Side | None:
        identity = self._device.identity
        return None if identity is None else side_of(identity.actor(), org_code)

    def _live(self, conn: Connection, kind: str, record_id: str) -> dict[str, Any]:
        found = self._records.live(conn, kind, record_id)
        if found is None:
            raise UnknownRecord(record_id)
        return found

    # ---- warnings ---------------------------------------------------------------------

    def issue(self, units: Sequence[str], fields: Mapping[str, Any], *, today: date) -> list[str]:
        """One warning (or supervision document) per unit, in one transaction: each unit's
        progress is its own. The reply date defaults by the document's type."""
        doc_type = str(fields.get("doc_type") or "warning")
        values = {
            "issued_on": today.isoformat(),
            "reply_due": (today + timedelta(days=REPLY_DAYS.get(doc_type, 10))).isoformat(),
            **fields,
        }
        with self._db.transaction() as conn:
            return [
                self._records.add_in(conn, "warning", {**values, "org_code": unit})
                for unit in units
            ]

    def step(
        self,
        warning_id: str,
        step: Step,
        *,
        today: date,
        progress: str = "",
        rectified: Iterable[str] = (),
        note: str = "",
        attachments: Sequence[str] = (),
    ) -> StepDone:
        """Take one step of a warning (``models.rules.warnings``): sign, report, complete
        (both create the unit's feedback), accept or return (both judge the feedback that
        waits for a verdict). ``RuleRefused`` when this device may not."""
        with self._db.transaction() as conn:
            warning = self._live(conn, "warning", warning_id)
            reports = self._records.live_where(conn, "feedback", warning_id=warning_id)
            waiting = self.waiting_feedback(conn, warning_id)
            try:
                decided = plan(
                    step,
                    warning,
                    side=self._side(str(warning["org_code"])),
                    today=today,
                    feedback=waiting,
                    note=note,
                    progress=progress,
                    rectified=rectified,
                    reported=[str(item) for f in reports for item in f.get("rectified") or ()],
                )
            except Refused as refused:
                raise RuleRefused("warning", refused.refusal) from None
            feedback_id: str | None = None
            if step in (Step.REPORT, Step.COMPLETE):
                report = {**decided.feedback, "attachments": list(attachments)}
                feedback_id = self._records.add_in(conn, "feedback", report)
            elif decided.feedback and waiting is not None:
                feedback_id = str(waiting["id"])
                self._records.edit_in(conn, feedback_id, decided.feedback)
            if decided.warning:
                self._records.edit_in(conn, warning_id, decided.warning)
            return StepDone(decided.warning, feedback_id)

    def waiting_feedback(self, conn: Connection, warning_id: str) -> dict[str, Any] | None:
        """The latest report of the work done that waits for its verdict."""
        reports = self._records.live_where(conn, "feedback", warning_id=warning_id)
        waiting = [f for f in reports if f.get("completed") and not f.get("verdict")]
        return waiting[-1] if waiting else None

    # ---- clues --------------------------------------------------------------------------

    def investigate(self, clue_id: str) -> None:
        """A clue taken in goes to 核查."""
        with self._db.transaction() as conn:
            self._live(conn, "clue", clue_id)
            self._records.edit_in(conn, clue_id, {"status": "investigating"})

    def conclude(
        self,
        clue_id: str,
        outcome: str,
        *,
        today: date,
        finding: str = "",
        people: int = 0,
        warning: Mapping[str, Any] | None = None,
    ) -> str | None:
        """Conclude a clue with its one outcome; a rectification raises its warning (to
        the unit the clue is about) in the same transaction. Returns that warning's id."""
        with self._db.transaction() as conn:
            clue = self._live(conn, "clue", clue_id)
            warning_id = ""
            if outcome == "rectification":
                fields = {
                    "doc_type": "suggestion",
                    "title": f"关于{clue['description'][:30]}问题的整改通知",
                    "problems": str(clue["description"]),
                    "issued_on": today.isoformat(),
                    "reply_due": (today + timedelta(days=REPLY_DAYS["suggestion"])).isoformat(),
                    **(warning or {}),
                    "org_code": clue["org_code"],
                }
                warning_id = self._records.add_in(conn, "warning", fields)
            changes = conclusion(
                outcome,
                finding=finding,
                today=today.isoformat(),
                warning_id=warning_id,
                people=people,
            )
            self._records.edit_in(conn, clue_id, changes)
            return warning_id or None

    # ---- proposed warnings (the reminder pass's last step) -------------------------------

    def confirm_proposal(self, reminder_id: str, *, today: date, issued_by: str) -> str:
        """Issue the warning a reminder proposes (one key for a supervisor); returns it.
        Its id is derived from the reminder's: two devices that confirm the same proposal
        before syncing issue one warning. ``RuleRefused`` when the reminder proposes none
        or its proposal was decided (``rules.reminders.may_decide``)."""
        with self._db.transaction() as conn:
            reminder = self._live(conn, "reminder", reminder_id)
            refusal = may_decide(reminder)
            if refusal is not None:
                raise RuleRefused("reminder", refusal)
            warning_id = self._records.add_in(
                conn,
                "warning",
                {
                    "org_code": reminder["org_code"],
                    "issued_by": issued_by,
                    "doc_type": "warning",
                    "title": f"关于{reminder['title']}的预警",
                    "problems": str(reminder["title"]),
                    "issued_on": today.isoformat(),
                    "reply_due": (today + timedelta(days=REPLY_DAYS["warning"])).isoformat(),
                    "reminder_id": reminder_id,
                },
                record_id=derived_id("proposed warning", reminder_id),
            )
            self._records.edit_in(
                conn, reminder_id, {"proposal": "confirmed", "warning_id": warning_id}
            )
            return warning_id

    def dismiss_proposal(self, reminder_id: str) -> None:
        """Do not issue the warning a reminder proposes (a decision taken once)."""
        with self._db.transaction() as conn:
            refusal = may_decide(self._live(conn, "reminder", reminder_id))
            if refusal is not None:
                raise RuleRefused("reminder", refusal)
            self._records.edit_in(conn, reminder_id, {"proposal": "dismissed"})
