"""The role rules per field, as a pure function, and as push applies them per op."""

from __future__ import annotations

from typing import Any

import pytest

from central.permissions import forbidden_field
from sync.protocol import Action
from tests.central.conftest import VILLAGE, create_op, update_op


@pytest.mark.parametrize(
    ("role", "kind", "action", "changes", "refused"),
    [
        ("supervisor", "warning", Action.CREATE, {"title": (None, "预警")}, None),
        ("town", "warning", Action.UPDATE, {"title": ("a", "b")}, None),
        ("clerk", "warning", Action.CREATE, {"title": (None, "预警")}, "*"),
        ("clerk", "warning", Action.DELETE, {"deleted": (False, True)}, "*"),
        ("clerk", "warning", Action.UPDATE, {"status": ("issued", "received")}, None),
        ("clerk", "warning", Action.UPDATE, {"status": ("received", "rectifying")}, None),
        ("clerk", "warning", Action.UPDATE, {"status": ("rectifying", "closed")}, "status"),
        (
            "clerk",
            "warning",
            Action.UPDATE,
            {"reply_due": ("2026-01-01", "2027-01-01")},
            "reply_due",
        ),
        ("clerk", "feedback", Action.CREATE, {"progress": (None, "已整改")}, None),
        ("clerk", "feedback", Action.CREATE, {"verdict": (None, "")}, None),
        ("clerk", "feedback", Action.UPDATE, {"verdict": ("", "accepted")}, "verdict"),
        ("clerk", "feedback", Action.UPDATE, {"verdict_note": ("", "好")}, "verdict_note"),
        ("supervisor", "feedback", Action.UPDATE, {"verdict": ("", "accepted")}, None),
        ("clerk", "disclosure", Action.UPDATE, {"title": ("a", "b")}, None),
    ],
)
def test_rules(role: str, kind: str, action: Action, changes: Any, refused: str | None) -> None:
    assert forbidden_field(role, kind, action, changes) == refused


def test_push_refuses_per_op_and_applies_the_rest(enroll: Any, session: Any) -> None:
    supervisor, clerk = enroll("150202000000", "supervisor"), enroll(VILLAGE)
    warning = create_op(
        "warning", org_code=VILLAGE, doc_type="warning", title="预警", reply_due="2026-02-01"
    )
    assert supervisor.push(warning).results[0].status.value == "applied"
    answer = clerk.push(
        update_op(warning.record_id, {"title": ("预警", "改了")}, kind="warning"),
        update_op(warning.record_id, {"status": ("issued", "received")}, kind="warning"),
    )
    refused, signed = answer.results
    assert refused.error is not None and refused.error.code == "forbidden_field"
    assert refused.error.field == "title"
    assert signed.status.value == "applied"
    from models.records import SupervisionWarning

    row = session.get(SupervisionWarning, warning.record_id)
    assert (row.title, row.status) == ("预警", "received")
