"""The findings a bulletin reports (``models.rules.bulletin_findings``), without a store:
over the figures' scenario and any window and scope, the late disclosures are exactly the
items due less those on time and the unanswered documents exactly the figures'
``documents_overdue`` (a bulletin never disagrees with the figures); a low score is
judged against the points due so far; the issuer is never named."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from models.figure_counts import (
    Facts,
    Scope,
    Window,
    disclosures_due,
    disclosures_on_time,
    documents_overdue,
)
from models.orgs import load_org_units
from models.rules.bulletin_findings import (
    LOW_SCORE_SHARE,
    LateDisclosure,
    LowScore,
    UnansweredDocument,
    by_unit,
    late_disclosures,
    low_scores,
    points_due,
    unanswered_documents,
)
from models.rules.scoring import ItemScore, Slot, Status, UnitScore
from tests.figures_scenario import SCOPE, V1, V2, WINDOW, X, catalogue, records

FACTS = Facts.of(records(), load_org_units(), catalogue())

windows = st.tuples(st.dates(date(2025, 10, 1), date(2026, 9, 30)), st.integers(0, 300)).map(
    lambda pair: Window(pair[0], pair[0] + timedelta(days=pair[1]))
)
scopes = st.sampled_from([SCOPE, Scope((V1,)), Scope((V2,)), Scope(("150202101",)), Scope((X,))])


@settings(max_examples=60, deadline=None)
@given(windows, scopes)
def test_findings_agree_with_the_figures(window: Window, scope: Scope) -> None:
    late = late_disclosures(FACTS, window, scope)
    due, on_time = disclosures_due(FACTS, window, scope), disclosures_on_time(FACTS, window, scope)
    assert len(late) == due - on_time
    assert all(scope.holds(f.org_code) and window.holds(f.deadline) for f in late)
    assert all(not f.published_on or f.deadline < f.published_on <= window.last for f in late)
    unanswered = unanswered_documents(FACTS, window, scope)
    assert len(unanswered) == documents_overdue(FACTS, window, scope)
    assert all(doc.reply_due < window.last for doc in unanswered)


def test_the_scenario_names_both_villages() -> None:
    late = late_disclosures(FACTS, WINDOW, SCOPE)
    unanswered = unanswered_documents(FACTS, WINDOW, SCOPE)
    named = by_unit(late, unanswered, (), issuer="")
    assert {unit.org_code for unit in named} <= {V1, V2}
    assert sum(len(unit.late) for unit in named) == len(late) > 0


def unit(org_code: str, *slots: tuple[Status, str, str], adjusted: str = "") -> UnitScore:
    """A unit with one item per slot given as (status, share, score); ``adjusted``: one
    more item adjusted to that score out of 2 points."""
    items = [
        ItemScore(
            f"I-{n}",
            Decimal(share),
            Decimal(score),
            status,
            (Slot(date(2026, 3, 31), status, None, Decimal(share), Decimal(score)),),
        )
        for n, (status, share, score) in enumerate(slots)
    ]
    if adjusted:
        items.append(ItemScore("ADJ", Decimal(2), Decimal(adjusted), Status.ADJUSTED, ()))
    score = sum((item.score for item in items), Decimal(0))
    total = sum((item.points for item in items), Decimal(0))
    return UnitScore(org_code, "department", score, total, 0, tuple(items))


def test_low_is_below_the_share_of_the_points_due_so_far() -> None:
    passed = unit(
        "A", (Status.ON_TIME, "3", "3"), (Status.MISSING, "2", "0"), (Status.PENDING, "5", "0")
    )
    assert points_due(passed) == Decimal(5)
    assert low_scores([passed]) == []  # 3 of 5: 60%, not below
    failing = unit("B", (Status.LATE, "4", "2"), (Status.MISSING, "2", "0"), adjusted="1")
    assert points_due(failing) == Decimal(8)
    assert low_scores([failing]) == [LowScore("B", Decimal(3), Decimal(8), Decimal(8))]
    nothing_due = unit("C", (Status.PENDING, "5", "0"))
    assert low_scores([nothing_due], Decimal(1)) == []  # the year not lived yet
    assert low_scores([passed], Decimal("0.61")) == [
        LowScore("A", Decimal(3), Decimal(5), Decimal(10))
    ]
    assert Decimal("0.5") < LOW_SCORE_SHARE < 1


@given(
    st.lists(st.sampled_from(["U1", "U2", "U3", "ME"]), max_size=6),
    st.lists(st.sampled_from(["U1", "U2", "U3", "ME"]), max_size=6),
    st.sets(st.sampled_from(["U1", "U2", "U3", "ME"])),
)
def test_every_unit_with_a_finding_is_named_but_the_issuer(
    late_units: list[str], doc_units: list[str], low_units: set[str]
) -> None:
    late = [LateDisclosure(code, "FIN-02", "2026-01", "2026-02-10") for code in late_units]
    docs = [UnansweredDocument(code, f"w{n}", "2026-02-01") for n, code in enumerate(doc_units)]
    low = [LowScore(code, Decimal(0), Decimal(1), Decimal(9)) for code in sorted(low_units)]
    named = by_unit(late, docs, low, issuer="ME")
    expected = (set(late_units) | set(doc_units) | low_units) - {"ME"}
    assert [u.org_code for u in named] == sorted(expected)
    for found in named:
        assert len(found.late) == late_units.count(found.org_code)
        assert len(found.unanswered) == doc_units.count(found.org_code)
        assert (found.low_score is not None) == (found.org_code in low_units)
