"""A supervisor's score for one duty item (逐项赋分) on this home: one user action, one
transaction. The unit, year and item name the one ``duty_adjustment`` record (its
natural key): the first score creates it, a later one edits it in place, so its
versions are the item's history. Who may, and until when, is ``models.rules.duty``
(run by the store's check, as central runs it); the points' bound is the kind's check
across fields; what the score means is ``models.rules.scoring``."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from client.errors import UnknownRecord, ValidationFailed
from client.store.database import Database
from client.store.records import Records
from models.duty import indicator_by_code
from models.rules.scoring import Evidence, counted_in
from models.validation import FieldError

__all__ = ["Scoring"]

KIND = "duty_adjustment"


class Scoring:
    def __init__(self, db: Database, records: Records) -> None:
        self._db = db
        self._records = records

    def adjust(
        self,
        org_code: str,
        year: int,
        indicator_code: str,
        *,
        points: str,
        reason: str,
        today: date,
        evidence_id: str = "",
    ) -> str:
        """Score the unit's item of ``year`` at ``points`` for ``reason``; returns the
        adjustment's id. ``ValidationFailed`` names the field (points above the
        indicator's, no reason, an indicator that does not apply to the unit);
        ``RuleRefused`` when this device does not supervise the unit or the year has
        closed."""
        with self._db.transaction() as conn:
            return self._adjust_in(
                conn, org_code, year, indicator_code, points, reason, today, evidence_id
            )

    def _adjust_in(
        self,
        conn: Connection,
        org_code: str,
        year: int,
        indicator_code: str,
        points: str,
        reason: str,
        today: date,
        evidence_id: str,
    ) -> str:
        code = indicator_code.strip().upper()
        values = {
            "points": points,
            "reason": reason.strip(),
            "evidence_id": evidence_id,
            "adjusted_on": today.isoformat(),
        }
        current = self._records.live_where(
            conn, KIND, org_code=org_code, year=year, indicator_code=code
        )
        if current:
            record_id = str(current[0]["id"])
            self._records.edit_in(conn, record_id, values)
            return record_id
        return self._records.add_in(
            conn, KIND, {"org_code": org_code, "year": year, "indicator_code": code, **values}
        )

    def adjust_evidence(
        self,
        evidence_id: str,
        *,
        points: str,
        reason: str,
        today: date,
        year: int | None = None,
    ) -> str:
        """Score the item a duty evidence record is about (its unit and indicator), for
        ``year`` or else the year whose score the record counts in (``rules.scoring.
        counted_in``: late for one year before on time for the next); the adjustment
        names the record."""
        with self._db.transaction() as conn:
            evidence = self._records.live(conn, "duty_evidence", evidence_id)
            if evidence is None:
                raise UnknownRecord(evidence_id)
            code = str(evidence["indicator_code"])
            indicator = indicator_by_code().get(code)
            occurred = evidence.get("occurred_on")
            if indicator is None or not occurred:
                raise ValidationFailed(
                    [FieldError("evidence_id", "unscorable", "the record names no indicator")]
                )
            org_code = str(evidence["org_code"])
            if year is None:
                year = counted_in(
                    indicator,
                    Evidence(date.fromisoformat(str(occurred)), evidence_id),
                    self._unit_evidence(conn, org_code, code),
                    today=today,
                )
            return self._adjust_in(conn, org_code, year, code, points, reason, today, evidence_id)

    def _unit_evidence(self, conn: Connection, org_code: str, code: str) -> list[Evidence]:
        """The unit's live records for one indicator, as the scoring rule reads them."""
        return [
            Evidence(date.fromisoformat(str(record["occurred_on"])), str(record["id"]))
            for record in self._records.live_where(
                conn, "duty_evidence", org_code=org_code, indicator_code=code
            )
            if record.get("occurred_on")
        ]
