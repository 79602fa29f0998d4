"""The reference rule alone (models.rules.references): a record names only records its
writer reaches, and an unreachable one is refused exactly like a missing one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from models.kinds import KINDS
from models.rules.actors import Actor
from models.rules.permissions import check_change, create_reads
from models.rules.references import check_references, ref_fields
from models.rules.refusals import Refusal

VILLAGE = "150202101200"
OTHER_VILLAGE = "150202101201"
TOWN_SCOPE = "150202101"
OTHER_TOWN_VILLAGE = "150202100200"
UNITS = [VILLAGE, OTHER_VILLAGE, OTHER_TOWN_VILLAGE]

CLERK = Actor("clerk", VILLAGE, (VILLAGE,))
TOWN = Actor("town", "150202101000", (TOWN_SCOPE,))
REF_KINDS = sorted(kind for kind in KINDS if ref_fields(kind))


def test_the_declared_references_are_found() -> None:
    assert ref_fields("subsidy_payment") == {"project_id": "subsidy_project"}
    assert ref_fields("feedback") == {"warning_id": "warning"}
    assert "duty_adjustment" in REF_KINDS and "disclosure" not in REF_KINDS


def test_a_bulk_import_checks_each_reference_on_its_own() -> None:
    """Rows alike in unit but naming different projects must not share one verdict."""
    for kind in REF_KINDS:
        reads = create_reads(kind)
        assert reads is None or set(ref_fields(kind)) <= set(reads)


@given(
    kind=st.sampled_from(REF_KINDS),
    held_by=st.one_of(st.none(), st.sampled_from(UNITS)),
    actor=st.sampled_from([CLERK, TOWN]),
)
def test_out_of_reach_is_answered_as_missing(kind: str, held_by: str | None, actor: Actor) -> None:
    field, _target = next(iter(ref_fields(kind).items()))
    changes = {field: (None, "0190b7c4-0000-7000-8000-00000000000a")}
    refusal = check_references(actor, kind, changes, lambda _kind, _id: held_by)
    missing = check_references(actor, kind, changes, lambda _kind, _id: None)
    if held_by is not None and actor.reaches(held_by):
        assert refusal is None
    else:
        assert refusal == missing == Refusal("unknown_reference", field, {"field": field})


@given(kind=st.sampled_from(REF_KINDS))
def test_an_emptied_or_untouched_reference_is_not_checked(kind: str) -> None:
    field = next(iter(ref_fields(kind)))

    def never(_kind: str, _id: str) -> str | None:
        raise AssertionError("no lookup for a reference not set")

    assert check_references(CLERK, kind, {field: ("x", "")}, never) is None
    assert check_references(CLERK, kind, {"org_code": (None, VILLAGE)}, never) is None


class _Held:
    """A lookup holding some records, as either end does."""

    def __init__(self, records: Mapping[str, Mapping[str, Any]]) -> None:
        self._records = records

    def record(self, kind: str, record_id: str) -> Mapping[str, Any] | None:
        return self._records.get(record_id)

    def feedback_of(self, warning_id: str) -> list[Mapping[str, Any]]:
        return []


def test_check_change_runs_the_reference_rule_first() -> None:
    held = _Held({"w-other": {"id": "w-other", "org_code": OTHER_VILLAGE, "status": "issued"}})
    changes = {
        "org_code": (None, VILLAGE),
        "warning_id": (None, "w-other"),
        "reported_on": (None, "2026-12-10"),
    }
    foreign = check_change(CLERK, "feedback", None, changes, held)
    missing = check_change(CLERK, "feedback", None, changes | {"warning_id": (None, "w-x")}, held)
    assert foreign == missing
    assert foreign is not None and foreign.rule == "unknown_reference"
    assert foreign.english() == "warning_id names no record this device holds."
