"""Whole numbers are capped by what their column holds: a 32-bit column (PostgreSQL's
INTEGER) takes at most 2^31-1, a 64-bit one (money) up to ``MAX_FEN``.

A PostgreSQL run once answered 500 to 2^31+5 in a clue's count of people disciplined:
the rule let anything up to 10^14 through, the column held 32 bits. The cap is read
from the same declaration as the column type, so the two cannot drift apart.
"""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql

from client.labels import errors_text, field_name
from models.field_rules import MAX_FEN, int_limit
from models.fields import FieldSpec, FieldType, Label, Money, field_spec
from models.kinds import KINDS
from models.limits import INT_MAX
from models.validation import normalize

INT_FIELDS = [
    (kind, spec)
    for kind, kind_spec in KINDS.items()
    for spec in kind_spec.specs.values()
    if spec.type is FieldType.INT
]
PLAIN = [(kind, spec) for kind, spec in INT_FIELDS if not spec.wide]
WIDE = [(kind, spec) for kind, spec in INT_FIELDS if spec.wide]


def _id(item: tuple[str, FieldSpec]) -> str:
    return f"{item[0]}.{item[1].name}"


def test_the_registry_has_both_sorts_of_whole_number() -> None:
    assert PLAIN and WIDE  # the walks below are not empty
    assert all(spec.wide for _kind, spec in INT_FIELDS if spec.money)


@pytest.mark.parametrize("item", INT_FIELDS, ids=_id)
def test_the_cap_follows_the_column_type(item: tuple[str, FieldSpec]) -> None:
    kind, spec = item
    column = KINDS[kind].table.__table__.columns[spec.name]  # type: ignore[attr-defined]
    on_postgres = column.type.compile(dialect=postgresql.dialect())  # type: ignore[no-untyped-call]
    assert on_postgres == ("BIGINT" if spec.wide else "INTEGER")
    assert int_limit(spec) == (MAX_FEN if spec.wide else INT_MAX)
    assert INT_MAX == 2**31 - 1  # PostgreSQL's INTEGER


@pytest.mark.parametrize("item", PLAIN, ids=_id)
def test_a_plain_whole_number_stops_at_2_pow_31_minus_1(item: tuple[str, FieldSpec]) -> None:
    kind, spec = item
    for fits in (INT_MAX, str(INT_MAX)):
        assert normalize(kind, {spec.name: fits}) == ({spec.name: INT_MAX}, [])
    for beyond in (INT_MAX + 1, str(INT_MAX + 1), 2**31 + 5, MAX_FEN):
        clean, errors = normalize(kind, {spec.name: beyond})
        assert clean == {}
        assert [(e.field, e.code) for e in errors] == [(spec.name, "too_large")]
        assert str(beyond) not in errors[0].message


@pytest.mark.parametrize("item", PLAIN, ids=_id)
def test_the_refusal_is_a_chinese_sentence_naming_the_field(item: tuple[str, FieldSpec]) -> None:
    kind, spec = item
    _clean, errors = normalize(kind, {spec.name: INT_MAX + 1})
    text = errors_text(kind, errors)
    label = field_name(kind, spec.name)
    assert label != spec.name and label in text  # the field's Chinese label
    assert "数值过大" in text


@pytest.mark.parametrize("item", WIDE, ids=_id)
def test_money_goes_past_32_bits_to_max_fen(item: tuple[str, FieldSpec]) -> None:
    kind, spec = item
    assert normalize(kind, {spec.name: INT_MAX + 1}) == ({spec.name: INT_MAX + 1}, [])
    assert normalize(kind, {spec.name: MAX_FEN}) == ({spec.name: MAX_FEN}, [])
    assert normalize(kind, {spec.name: MAX_FEN + 1})[1][0].code == "too_large"


def test_money_in_a_32_bit_column_is_a_declaration_mistake() -> None:
    with pytest.raises(TypeError, match="64-bit"):
        field_spec("amount_fen", int, [Label("Amount"), Money()], 0)
    assert field_spec("amount_fen", int, [Money()], 0, wide=True).wide
    assert not field_spec("note", str, [], "", wide=True).wide  # only whole numbers are wide
