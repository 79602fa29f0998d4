"""A district's half year with a known count of every figure (``models.figures``), read
by the pure tests (tests/models/test_figures.py) and the store's and the command line's
(tests/client/test_figures.py).

Two villages of 沙尔沁镇 are the scope (two prefixes, as a discipline body's device has);
one village of 河东镇 and a department are outside it. The window is 2026-01-01 to
2026-06-30. Each record says, next to it, which figures it counts for; records before,
after and outside are there to be left out, and so are deleted ones. The catalogue is
two items: FIN-02 (monthly, due the 10th) and VIL-04 (quarterly, due the 20th).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from models.catalog import CatalogItem, deadline_for, packaged_catalog, period_for
from models.figure_counts import Scope, Window

V1 = "150202101200"  # 黑麻板村
V2 = "150202101201"  # 杨圪塄村
X = "150202100200"  # a village of 河东镇: outside
DEPT = "150202900001"  # a department: outside
TOWN = "150202101000"  # 沙尔沁镇
DISTRICT = "150202000000"

WINDOW = Window(date(2026, 1, 1), date(2026, 6, 30))
SCOPE = Scope((V1, V2))
ITEMS = ("FIN-02", "VIL-04")


def catalogue() -> dict[str, CatalogItem]:
    return {code: packaged_catalog()[code] for code in ITEMS}


def periods_due(items: Mapping[str, CatalogItem], start: date, end: date) -> set[tuple[str, str]]:
    """(item, period) of every periodic item whose deadline falls from ``start`` to
    ``end``, found day by day (the slow way round: what the figures are checked by)."""
    found = set()
    for code, item in items.items():
        if item.period == "on_event":
            continue
        day = start - timedelta(days=400)
        while day <= end:
            period = period_for(item.period, day)
            if start <= deadline_for(item, period) <= end:
                found.add((code, period))
            day += timedelta(days=1)
    return found


def rid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sanwu-figures:{name}"))


EXPECTED = {
    # reviews 5 + scorings 1 + reminders 3 + documents 7 + verdicts 3 + bulletins 2
    # + clues concluded 3
    "online_supervisions": 24,
    "suggestions_sent": 3,
    "feedback_completed": 2,
    "problems_rectified": 4,
    "reminders_online": 3,
    "reminders_sms": 2,
    "reminder_notices_offline": 2,
    "bulletins": 2,
    "units_named": 2,
    "clues_received": 4,
    "cases_filed": 1,
    "people_disciplined": 2,
    # two villages x (FIN-02: 2025-12 to 2026-05, six; VIL-04: 2025-Q4, 2026-Q1)
    "disclosures_due": 16,
    "disclosures_on_time": 2,
    "warnings_open": 7,
    "warnings_overdue": 4,
}


def _disclosure(name: str, org: str, code: str, period: str, status: str, **days: Any) -> Any:
    return {
        "id": rid(name),
        "org_code": org,
        "catalog_code": code,
        "period": period,
        "title": f"{code} {period}",
        "status": status,
        **days,
    }


def _warning(name: str, org: str, doc_type: str, issued: str, due: str, **more: Any) -> Any:
    return {
        "id": rid(name),
        "org_code": org,
        "doc_type": doc_type,
        "title": name,
        "problems": "问题一\n问题二\n问题三",
        "issued_on": issued,
        "reply_due": due,
        "status": "issued",
        **more,
    }


def _feedback(name: str, warning: str, org: str, reported: str, **more: Any) -> Any:
    return {
        "id": rid(name),
        "warning_id": rid(warning),
        "org_code": org,
        "reported_on": reported,
        "progress": name,
        "completed": True,
        **more,
    }


def records() -> dict[str, list[dict[str, Any]]]:
    """Every record of the scenario, by kind (``deleted`` set on the deleted ones)."""
    closed = {"status": "closed"}
    return {
        "disclosure": [
            # on time (published on its deadline); a review
            _disclosure(
                "d1",
                V1,
                "FIN-02",
                "2026-01",
                "published",
                published_on="2026-02-10",
                reviewed_on="2026-02-10",
            ),
            # late; a review
            _disclosure(
                "d2",
                V1,
                "FIN-02",
                "2026-02",
                "published",
                published_on="2026-03-11",
                reviewed_on="2026-03-11",
            ),
            # on time; a review
            _disclosure(
                "d3",
                V2,
                "VIL-04",
                "2026-Q1",
                "published",
                published_on="2026-04-01",
                reviewed_on="2026-04-01",
            ),
            # withdrawn since: not on time; its approval is a review
            _disclosure(
                "d4",
                V1,
                "FIN-02",
                "2026-03",
                "withdrawn",
                published_on="2026-04-01",
                reviewed_on="2026-04-01",
            ),
            # waiting: due, not on time
            _disclosure("d5", V2, "FIN-02", "2026-04", "submitted", submitted_on="2026-05-01"),
            # returned: a review
            _disclosure(
                "d6",
                V2,
                "FIN-02",
                "2026-05",
                "returned",
                reviewed_on="2026-06-12",
                return_reason="缺附件",
            ),
            # reviewed after the window; its deadline (07-10) too
            _disclosure(
                "d7",
                V1,
                "FIN-02",
                "2026-06",
                "published",
                published_on="2026-07-02",
                reviewed_on="2026-07-02",
            ),
            # outside the scope
            _disclosure(
                "d8",
                X,
                "FIN-02",
                "2026-01",
                "published",
                published_on="2026-02-01",
                reviewed_on="2026-02-01",
            ),
            # deleted
            _disclosure(
                "d9",
                V1,
                "FIN-02",
                "2026-04",
                "published",
                published_on="2026-05-01",
                reviewed_on="2026-05-01",
                deleted=True,
            ),
        ],
        "duty_adjustment": [
            {
                "id": rid("a1"),
                "org_code": V1,
                "year": 2026,
                "indicator_code": "ZT-001",
                "points": "1",
                "reason": "补记",
                "adjusted_on": "2026-03-01",
            },  # a scoring
            {
                "id": rid("a2"),
                "org_code": DEPT,
                "year": 2026,
                "indicator_code": "ZT-001",
                "points": "1",
                "reason": "补记",
                "adjusted_on": "2026-03-01",
            },  # outside
            {
                "id": rid("a3"),
                "org_code": V1,
                "year": 2025,
                "indicator_code": "ZT-002",
                "points": "1",
                "reason": "补记",
                "adjusted_on": "2025-12-31",
            },  # before
        ],
        "reminder": [
            _reminder("r1", V1, "2026-02-11", sms_on="2026-02-14"),  # raised, SMS
            _reminder("r2", V2, "2026-06-29", sms_on="2026-07-02"),  # raised (SMS after)
            _reminder("r3", V1, "2025-12-28", sms_on="2026-01-01"),  # SMS (raised before)
            _reminder("r4", X, "2026-03-01", sms_on="2026-03-04"),  # outside
            _reminder("r5", V2, "2026-03-01", sms_on="2026-03-04", deleted=True),
            _reminder("r6", V2, "2026-04-01"),  # raised, never an SMS
        ],
        "warning": [
            # a suggestion, issued and closed in the window: 3 problems rectified
            _warning(
                "w1",
                V1,
                "suggestion",
                "2026-01-05",
                "2026-01-20",
                **closed,
                closed_on="2026-02-01",
                rectified=["1", "2", "3"],
            ),
            # a suggestion whose report was returned: open, overdue
            _warning(
                "w2",
                V2,
                "suggestion",
                "2026-03-01",
                "2026-03-15",
                status="returned",
                return_reason="未整改到位",
            ),
            # a reminder letter on paper, waiting for its verdict: open, not overdue
            _warning(
                "w3",
                V1,
                "reminder_letter",
                "2026-04-01",
                "2026-04-08",
                status="verifying",
                on_paper=True,
            ),
            # a notice on paper, due after the window: open, not overdue
            _warning("w4", V1, "notice", "2026-05-01", "2026-07-15", on_paper=True),
            # a notice sent online only, unanswered past its date: open, overdue
            _warning("w5", V2, "notice", "2026-05-02", "2026-05-10", status="received"),
            # issued before the window, closed in it: 1 problem rectified
            _warning(
                "w6",
                V1,
                "warning",
                "2025-11-01",
                "2025-11-10",
                **closed,
                closed_on="2026-03-01",
                rectified=["1"],
            ),
            # a suggestion on paper (not a reminder notice), due after the window: open
            _warning("w7", V1, "suggestion", "2026-06-20", "2026-07-05", on_paper=True),
            # outside the scope
            _warning("w8", X, "suggestion", "2026-02-01", "2026-02-15"),
            # issued after the window
            _warning("w9", V1, "suggestion", "2026-07-03", "2026-07-18"),
            # deleted
            _warning(
                "w10",
                V1,
                "reminder_letter",
                "2026-02-01",
                "2026-02-08",
                on_paper=True,
                deleted=True,
            ),
            # issued before the window, never answered: open, overdue
            _warning(
                "w11",
                V2,
                "warning",
                "2025-12-01",
                "2025-12-15",
                status="rectifying",
                received_on="2025-12-02",
            ),
            # closed after the window: open and overdue on its last day, nothing rectified
            _warning(
                "w12",
                V1,
                "warning",
                "2026-02-01",
                "2026-02-10",
                **closed,
                closed_on="2026-07-10",
                rectified=["1", "2"],
            ),
        ],
        "feedback": [
            _feedback("f1", "w1", V1, "2026-01-25", verdict="accepted", judged_on="2026-02-01"),
            _feedback("f1b", "w1", V1, "2026-01-15", completed=False),
            _feedback("f2", "w2", V2, "2026-03-10", verdict="returned", judged_on="2026-03-12"),
            _feedback("f3", "w3", V1, "2026-04-07"),
            _feedback("f6", "w6", V1, "2026-02-20", verdict="accepted", judged_on="2026-03-01"),
            _feedback("f12", "w12", V1, "2026-07-01", verdict="accepted", judged_on="2026-07-10"),
        ],
        "bulletin": [
            # the district's, naming both villages (and two units outside)
            _bulletin("b1", DISTRICT, "2026-03-15", [V1, V2, X, DEPT]),
            # the town's, naming V1 again
            _bulletin("b2", TOWN, "2026-06-01", [V1]),
            _bulletin("b3", DISTRICT, "2026-04-01", [V2], status="withdrawn"),
            _bulletin("b4", DISTRICT, "2026-08-01", [V2]),  # after
            _bulletin("b5", DISTRICT, "2026-04-01", [X]),  # names no unit in scope
        ],
        "clue": [
            _clue("c1", V1, "2026-02-01", "case_filed", "2026-03-01", people=2),
            _clue("c2", V2, "2026-05-01", status="investigating"),
            _clue("c3", V1, "2025-12-20", "unfounded", "2026-01-10"),
            _clue("c4", V2, "2026-06-01", "case_filed", "2026-07-01", people=1),  # after
            _clue("c5", X, "2026-02-01", "case_filed", "2026-03-01", people=3),  # outside
            _clue("c6", V1, "2026-04-01", "rectification", "2026-04-15"),
        ],
    }


def _reminder(name: str, org: str, raised: str, **more: Any) -> dict[str, Any]:
    return {
        "id": rid(name),
        "org_code": org,
        "subject": "catalog_item",
        "subject_code": "FIN-02",
        "period": name,
        "title": f"逾期未公开 {name}",
        "raised_on": raised,
        "step": "sms" if more.get("sms_on") else "online",
        **more,
    }


def _bulletin(
    name: str, issuer: str, issued: str, named: list[str], status: str = "issued"
) -> dict[str, Any]:
    return {
        "id": rid(name),
        "org_code": issuer,
        "title": name,
        "period_from": "2026-01-01",
        "period_to": "2026-03-31",
        "body": "通报",
        "named_units": sorted(named),
        "status": status,
        "issued_on": issued,
    }


def _clue(
    name: str,
    org: str,
    received: str,
    outcome: str = "",
    concluded: str | None = None,
    *,
    people: int = 0,
    status: str = "",
) -> dict[str, Any]:
    return {
        "id": rid(name),
        "org_code": org,
        "source": "hotline",
        "problem": "not_disclosed",
        "description": name,
        "received_on": received,
        "status": status or ("concluded" if outcome else "received"),
        "outcome": outcome,
        "concluded_on": concluded,
        "people_disciplined": people,
    }
