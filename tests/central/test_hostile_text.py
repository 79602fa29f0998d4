"""Central refuses what a device should have refused: control characters in any text,
by the one validation both ends use (``models.validation``), naming the field; the rest
of the batch applies."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sync.protocol import OpStatus

from .conftest import VILLAGE, Device, create_op, disclosure_fields, update_op

Enroll = Callable[..., Device]


@pytest.mark.parametrize("bad", ["\x1b]0;pwned\x07", "x\x1b[2J", "a\u202eb", "a\x9bb", "a\x00b"])
def test_control_characters_are_refused_naming_the_field(enroll: Enroll, bad: str) -> None:
    clerk = enroll(VILLAGE)
    hostile = create_op(**disclosure_fields(title=f"十月{bad}"))
    good = create_op(**disclosure_fields(period="2026-03", title="x[/] =1+2 [link=a]"))
    results = clerk.push(hostile, good).results
    assert [r.status for r in results] == [OpStatus.REJECTED, OpStatus.APPLIED]
    error = results[0].error
    assert error is not None and (error.code, error.field) == ("invalid", "title")
    assert "control_character" in error.message and bad not in error.message
    edit = update_op(good.record_id, {"content": ("见附表", f"改{bad}")})
    [result] = clerk.push(edit).results
    assert result.status is OpStatus.REJECTED and result.error is not None
    assert result.error.field == "content"


@pytest.mark.parametrize(
    "record_id",
    [
        "r-1",
        "\x1b]0;pwned\x07",
        "0190B7C4-0000-7000-8000-0000000000B1",
        "{0190b7c4-0000}",
        "x" * 36,
    ],
)
def test_a_record_id_must_be_a_uuid(enroll: Enroll, record_id: str) -> None:
    """Ids travel to every device and are printed there: only a UUID in its canonical text
    is taken; the rest of the batch applies."""
    clerk = enroll(VILLAGE)
    bad = create_op(record_id=record_id, **disclosure_fields())
    good = create_op(**disclosure_fields(period="2026-04"))
    results = clerk.push(bad, good).results
    assert [r.status for r in results] == [OpStatus.REJECTED, OpStatus.APPLIED]
    error = results[0].error
    assert error is not None and (error.code, error.field) == ("invalid", "id")
    assert record_id not in error.message
