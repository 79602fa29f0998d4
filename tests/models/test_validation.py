"""Pure validation: normalize what people type, check whole records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.catalog import PERIOD_KINDS
from models.cross_checks import AMOUNT_EXPECTED, PERIOD_FORMS
from models.fields import Format
from models.kinds import KINDS, SYSTEM_COLUMNS, FieldType, WireValue, kind_spec
from models.validation import (
    FieldError,
    cross_check,
    id_error,
    normalize,
    text_limit,
    validate_record,
)

VECTOR = "11010519491231002X"
VILLAGE = "150202101200"


def fullwidth(text: str) -> str:
    """The same text in full-width digits and letters, as some Chinese IMEs type it."""
    return text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F) if chr(c) != "-"})


def codes(errors: list[FieldError]) -> set[tuple[str, str]]:
    return {(error.field, error.code) for error in errors}


def one(kind: str, field: str, value: Any) -> tuple[WireValue, list[FieldError]]:
    out, errors = normalize(kind, {field: value})
    return out.get(field), errors


# ---------------------------------------------------------------- ID numbers


def test_id_test_vector_is_valid() -> None:
    assert one("subsidy_payment", "id_number", VECTOR) == (VECTOR, [])


def test_id_lower_case_x_and_spaces() -> None:
    assert one("subsidy_payment", "id_number", " 110105 19491231 002x ") == (VECTOR, [])


def test_id_fifteen_digits_become_eighteen() -> None:
    # The legacy form of the test vector: area, YYMMDD, order; no check character.
    assert one("subsidy_payment", "id_number", "110105491231002") == (VECTOR, [])
    assert one("subsidy_payment", "id_number", 110105491231002) == (VECTOR, [])


@pytest.mark.parametrize(
    "bad",
    [
        "110105194912310021",  # wrong check character
        "11010519491331002X",  # month 13
        "1101051949123100",  # too short
        "11010519491231002Y",
        "110105491331002",  # legacy with month 13
        fullwidth(VECTOR),
    ],
)
def test_bad_id_numbers_are_named_but_never_echoed(bad: str) -> None:
    value, errors = one("subsidy_payment", "id_number", bad)
    assert value is None
    assert codes(errors) == {("id_number", "bad_id_number")}
    message = errors[0].message
    assert "id_number" in message
    for piece in (bad, bad[:6], bad[6:14], bad[-4:]):
        assert piece not in message


# ---------------------------------------------------------------- money and numbers


@pytest.mark.parametrize("field", ["amount_fen", "standard"])
def test_money_refuses_floats(field: str) -> None:
    assert codes(one("subsidy_payment", field, 12.5)[1]) == {(field, "float_money")}
    assert codes(one("subsidy_payment", field, 12.0)[1]) == {(field, "float_money")}
    assert codes(one("subsidy_payment", field, "12.5")[1]) == {(field, "float_money")}


def test_money_policy() -> None:
    assert one("subsidy_payment", "amount_fen", 1200) == (1200, [])
    assert one("subsidy_payment", "amount_fen", " 1200 ") == (1200, [])
    assert codes(one("subsidy_payment", "amount_fen", True)[1]) == {("amount_fen", "not_int")}
    assert codes(one("subsidy_payment", "amount_fen", "1,200")[1]) == {("amount_fen", "not_int")}
    assert codes(one("subsidy_payment", "amount_fen", -1)[1]) == {("amount_fen", "negative")}
    assert codes(one("subsidy_payment", "amount_fen", "-5")[1]) == {("amount_fen", "negative")}
    assert codes(one("subsidy_payment", "amount_fen", None)[1]) == {("amount_fen", "not_int")}
    assert codes(one("subsidy_project", "total_fen", 10**15)[1]) == {("total_fen", "too_large")}


@pytest.mark.parametrize(
    ("value", "wire"),
    [("2.50", "2.50"), ("02", "2"), (3, "3"), (" 12.5 ", "12.5"), ("", "")],
)
def test_quantity_is_decimal_text(value: Any, wire: str) -> None:
    assert one("subsidy_payment", "quantity", value) == (wire, [])


@pytest.mark.parametrize(
    ("value", "code"),
    [(2.5, "bad_decimal"), ("2,5", "bad_decimal"), ("1e3", "bad_decimal"), ("-1", "negative")],
)
def test_quantity_refuses(value: Any, code: str) -> None:
    assert codes(one("subsidy_payment", "quantity", value)[1]) == {("quantity", code)}


# ---------------------------------------------------------------- text, dates, choices


def test_text_is_stripped_and_limited() -> None:
    assert one("disclosure", "title", "  二〇二六年十月财务公开  ") == (
        "二〇二六年十月财务公开",
        [],
    )
    assert one("disclosure", "title", None) == ("", [])
    assert codes(one("disclosure", "title", "长" * 201)[1]) == {("title", "too_long")}
    assert one("disclosure", "content", "长" * 20000)[1] == []
    assert codes(one("disclosure", "content", ["x"])[1]) == {("content", "not_text")}


def test_text_limit_names_exactly_the_plain_text_fields() -> None:
    """A bulk import replaces ``normalize`` by strip and a length check for the fields
    ``text_limit`` names: for each of them that must be all the rule does."""
    assert text_limit("disclosure", "title") == 200
    assert text_limit("disclosure", "content") == 20000
    assert text_limit("subsidy_project", "fund_batch") == 200
    # Rules that do more than strip and limit (or no such field): None.
    for kind, field in [
        ("subsidy_payment", "recipient_name"),  # a person's name: a ledger's padding goes
        ("disclosure", "period"),
        ("disclosure", "status"),
        ("disclosure", "channels"),
        ("disclosure", "catalog_code"),
        ("disclosure", "org_code"),
        ("disclosure", "disclosed_on"),
        ("disclosure", "attachments"),
        ("disclosure", "no_such_field"),
        ("subsidy_payment", "account"),
        ("subsidy_payment", "quantity"),
        ("subsidy_payment", "amount_fen"),
        ("feedback", "completed"),
    ]:
        assert text_limit(kind, field) is None, (kind, field)
    for kind in KINDS:
        for field in kind_spec(kind).field_types:
            limit = text_limit(kind, field)
            if limit is None:
                continue
            # Stripped only: full-width text stays (the importer's cleaning made it ASCII).
            assert one(kind, field, f"\u3000 {fullwidth('AB1')} x \n") == (
                f"{fullwidth('AB1')} x",
                [],
            )
            assert one(kind, field, " " + "长" * limit + "\t") == ("长" * limit, [])
            assert codes(one(kind, field, "长" * (limit + 1))[1]) == {(field, "too_long")}


HOSTILE_CONTROLS = [
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "a\x00b",
    "a\x7fb",
    "a\x85b",
    "a\x9bb",
    "a\u202eb",
    "a\u2066b",
    "a\x0bb",
    "a\x0cb",
]


_FREE_SETS = (Format.TEXT, Format.FILES)


@pytest.mark.parametrize("bad", HOSTILE_CONTROLS)
def test_every_text_field_refuses_control_characters_naming_the_field(bad: str) -> None:
    for kind in KINDS:
        spec = kind_spec(kind)
        for field, field_type in spec.field_types.items():
            if text_limit(kind, field) is not None:
                _value, errors = one(kind, field, bad)
            elif (
                field_type is FieldType.SET
                and spec.specs[field].format in _FREE_SETS
                and spec.specs[field].choices is None
            ):
                _value, errors = one(kind, field, [bad])
            else:
                continue
            assert codes(errors) == {(field, "control_character")}, (kind, field)
            assert errors[0].message.startswith(field) and bad not in errors[0].message


def test_newlines_and_tabs_stay_and_carriage_returns_become_newlines() -> None:
    assert one("disclosure", "title", "a\tb\nc") == ("a\tb\nc", [])
    assert one("disclosure", "title", "a\r\nb\rc") == ("a\nb\nc", [])
    # Zero-width and right-to-left letters are text, not controls.
    assert one("disclosure", "title", "a\u200bb \u0626\u06c7") == ("a\u200bb \u0626\u06c7", [])


def test_a_whole_record_with_a_control_character_is_refused() -> None:
    record = {**kind_spec("disclosure").defaults(), "title": "x\x1b[2J"}
    assert ("title", "control_character") in codes(validate_record("disclosure", record))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "x",
        "0190a3f0-0000-7000-8000-00000000000",
        "0190A3F0-0000-7000-8000-000000000000",
        "0190a3f0-0000-7000-8000-000000000000\x1b[2J",
        "{0190a3f0-0000-7000-8000-000000000000}",
        None,
        7,
    ],
)
def test_record_ids_must_be_uuids(bad: object) -> None:
    error = id_error(bad)
    assert error is not None and (error.field, error.code) == ("id", "bad_record_id")


def test_ids_sanwu_makes_are_record_ids() -> None:
    import uuid

    from models.ids import new_id, new_ids

    assert id_error(new_id()) is None
    assert all(id_error(i) is None for i in new_ids(5))
    assert id_error(str(uuid.uuid5(uuid.NAMESPACE_URL, "x"))) is None


@pytest.mark.parametrize(
    ("value", "wire"),
    [("2026-10-14", "2026-10-14"), (date(2026, 10, 14), "2026-10-14"), ("", None), (None, None)],
)
def test_dates(value: Any, wire: str | None) -> None:
    assert one("disclosure", "disclosed_on", value) == (wire, [])


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026/10/14", "14.10.2026", "2026-10-14T00:00", datetime(2026, 10, 14)]
)
def test_bad_dates(value: Any) -> None:
    assert codes(one("disclosure", "disclosed_on", value)[1]) == {("disclosed_on", "bad_date")}


def test_org_code() -> None:
    assert one("disclosure", "org_code", " 150202101200 ") == (VILLAGE, [])
    assert codes(one("disclosure", "org_code", "15020210120")[1]) == {("org_code", "bad_org_code")}


def test_channels() -> None:
    assert one("disclosure", "channels", ["wechat", "board", "board"]) == (["board", "wechat"], [])
    assert one("disclosure", "channels", "固定公开栏、微信公众号") == (["board", "wechat"], [])
    value, errors = one("disclosure", "channels", ["board", "tiktok"])
    assert value is None
    assert codes(errors) == {("channels", "bad_choices")}
    assert "channels" in errors[0].message
    assert set(kind_spec("disclosure").choices("channels")) == {
        "touchscreen",
        "board",
        "wechat",
        "led",
        "broadcast",
    }


def test_choices() -> None:
    assert one("subsidy_project", "category", "农业类补贴") == ("agriculture", [])
    assert one("subsidy_project", "category", " Education ") == ("education", [])
    assert one("subsidy_payment", "method", "") == ("", [])
    assert one("feedback", "verdict", "") == ("", [])
    assert codes(one("disclosure", "status", "")[1]) == {("status", "bad_choice")}
    assert codes(one("clue", "problem", "rumour")[1]) == {("problem", "bad_choice")}
    assert set(kind_spec("warning").choices("status")) == {
        "issued",
        "received",
        "rectifying",
        "verifying",
        "closed",
        "returned",
    }
    assert set(kind_spec("subsidy_payment").choices("unit")) == {"mu", "person", "household"}
    assert one("subsidy_payment", "unit", "") == ("", [])


def test_catalog_and_indicator_codes() -> None:
    assert one("disclosure", "catalog_code", "fin-01") == ("FIN-01", [])
    assert codes(one("disclosure", "catalog_code", "FIN-99")[1]) == {
        ("catalog_code", "unknown_catalog_item")
    }
    assert one("duty_evidence", "indicator_code", "zt-001") == ("ZT-001", [])
    assert codes(one("duty_evidence", "indicator_code", "ZT-999")[1]) == {
        ("indicator_code", "unknown_indicator")
    }


def test_periods() -> None:
    assert one("disclosure", "period", "2026-q3") == ("2026-Q3", [])
    for bad in ("2026-13", "2026-Q5", "2026-02-30", "Q3"):
        assert codes(one("disclosure", "period", bad)[1]) == {("period", "bad_period")}


def test_bool() -> None:
    assert one("feedback", "completed", "是") == (True, [])
    assert one("feedback", "completed", 0) == (False, [])
    assert codes(one("feedback", "completed", 2)[1]) == {("completed", "not_bool")}


# ---------------------------------------------------------------- field names


def test_unknown_and_system_fields_are_named() -> None:
    out, errors = normalize("disclosure", {"titel": "x", "version": 3, "title": "x"})
    assert out == {"title": "x"}
    assert codes(errors) == {("titel", "unknown_field"), ("version", "read_only")}
    assert "titel" in next(e.message for e in errors if e.field == "titel")
    for column in SYSTEM_COLUMNS:
        assert codes(normalize("clue", {column: None})[1]) == {(column, "read_only")}


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        normalize("nonsense", {})


# ---------------------------------------------------------------- whole records


def disclosure(**changes: WireValue) -> dict[str, WireValue]:
    base = KINDS["disclosure"].defaults() | {
        "org_code": VILLAGE,
        "catalog_code": "FIN-02",
        "period": "2026-10",
        "title": "2026年10月各项收入公开",
    }
    return base | changes


def payment(**changes: WireValue) -> dict[str, WireValue]:
    base = KINDS["subsidy_payment"].defaults() | {
        "org_code": VILLAGE,
        "project_id": "0190d0a0-0000-7000-8000-000000000001",
        "recipient_name": "张三",
        "id_number": VECTOR,
        "standard": 1200,
        "quantity": "12.5",
        "unit": "mu",
        "amount_fen": 15000,
    }
    return base | changes


def test_a_good_record_has_no_errors() -> None:
    assert validate_record("disclosure", disclosure()) == []
    assert validate_record("subsidy_payment", payment()) == []
    # System columns in a stored record are not errors.
    assert validate_record("disclosure", disclosure() | {"id": "x", "version": 3, "seq": 9}) == []


def test_required_fields_missing() -> None:
    errors = validate_record("disclosure", disclosure(title="", org_code=""))
    assert codes(errors) == {("title", "required"), ("org_code", "required")}
    assert codes(validate_record("subsidy_payment", payment(amount_fen=0))) == {
        ("amount_fen", "required")
    }
    evidence = KINDS["duty_evidence"].defaults() | {"org_code": VILLAGE}
    assert codes(validate_record("duty_evidence", evidence)) == {
        ("indicator_code", "required"),
        ("occurred_on", "required"),
        ("description", "required"),
    }


def test_period_must_fit_the_catalogue_item() -> None:
    errors = validate_record("disclosure", disclosure(period="2026-Q3"))
    assert codes(errors) == {("period", "period_mismatch")}
    assert "FIN-02" in errors[0].message
    assert validate_record("disclosure", disclosure(catalog_code="GOV-01", period="2026-Q3")) == []


def test_unknown_catalogue_item_and_indicator() -> None:
    assert codes(validate_record("disclosure", disclosure(catalog_code="XXX-01"))) == {
        ("catalog_code", "unknown_catalog_item")
    }
    evidence = KINDS["duty_evidence"].defaults() | {
        "org_code": VILLAGE,
        "indicator_code": "JD-999",
        "occurred_on": "2026-10-14",
        "description": "召开专题会议",
    }
    assert codes(validate_record("duty_evidence", evidence)) == {
        ("indicator_code", "unknown_indicator")
    }


def test_bad_values_in_a_record_are_reported_once() -> None:
    errors = validate_record("subsidy_payment", payment(id_number="110105194912310021"))
    assert codes(errors) == {("id_number", "bad_id_number")}
    assert codes(validate_record("disclosure", disclosure(channels=["fax"]))) == {
        ("channels", "bad_choices")
    }
    assert codes(validate_record("disclosure", disclosure(titel="x"))) == {
        ("titel", "unknown_field")
    }


def test_amount_must_be_standard_times_quantity() -> None:
    assert codes(validate_record("subsidy_payment", payment(amount_fen=15001))) == {
        ("amount_fen", "amount_mismatch")
    }
    # A fractional fen may round either way.
    assert (
        validate_record("subsidy_payment", payment(standard=333, quantity="1.5", amount_fen=499))
        == []
    )
    assert (
        validate_record("subsidy_payment", payment(standard=333, quantity="1.5", amount_fen=500))
        == []
    )
    assert validate_record("subsidy_payment", payment(standard=0, quantity="")) == []


def test_stage_and_reply_dates_in_order() -> None:
    project = KINDS["subsidy_project"].defaults() | {
        "org_code": VILLAGE,
        "category": "agriculture",
        "name": "2026年耕地地力保护补贴",
        "planned_on": "2026-03-01",
        "allocated_on": "2026-02-01",
    }
    assert codes(validate_record("subsidy_project", project)) == {("allocated_on", "date_order")}
    warning = KINDS["warning"].defaults() | {
        "org_code": VILLAGE,
        "title": "未按期公开",
        "issued_on": "2026-10-21",
        "reply_due": "2026-10-20",
    }
    assert codes(validate_record("warning", warning)) == {("reply_due", "date_order")}


class _Reads(dict[str, Any]):
    """A record that remembers which fields were read from it."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)


def test_checks_across_fields_read_only_the_fields_they_declare() -> None:
    """A bulk import runs a kind's check across fields once per distinct set of the
    fields ``cross_check`` names: reading any other field would make that wrong."""
    records = {
        "disclosure": [disclosure(), disclosure(period="2026-Q3")],
        "subsidy_payment": [payment(), payment(amount_fen=15001)],
        "subsidy_project": [
            KINDS["subsidy_project"].defaults()
            | {"planned_on": "2026-03-01", "allocated_on": "2026-02-01", "closed_on": "2026-09-01"}
        ],
        "warning": [
            KINDS["warning"].defaults() | {"issued_on": "2026-10-21", "reply_due": "2026-10-20"},
            KINDS["warning"].defaults() | {"status": "returned"},  # a return needs its reason
        ],
        "catalog_item": [KINDS["catalog_item"].defaults() | {"period": "monthly"}],
        "clue": [KINDS["clue"].defaults() | {"status": "concluded"}],  # and an outcome
        "duty_adjustment": [
            KINDS["duty_adjustment"].defaults()
            | {"org_code": "150202900001", "indicator_code": "ZT-001", "points": "3.5"},
            KINDS["duty_adjustment"].defaults()
            | {"org_code": "150202950001", "indicator_code": "ZT-001", "points": "1"},
        ],
    }
    checked = {kind for kind in KINDS if cross_check(kind) is not None}
    assert checked == records.keys()
    for kind, examples in records.items():
        found = cross_check(kind)
        assert found is not None
        names, check = found
        for record in examples:
            reads = _Reads(record)
            errors = check(reads)
            assert reads.read <= set(names), kind
            assert check({name: record.get(name) for name in names}) == errors
        assert any(check(record) for record in examples), f"{kind}: no failing example"


# ---------------------------------------------------------------- properties and speed

field_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=10**15),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(
        [VECTOR, "110105491231002", "2026-Q3", "2026-10-14", "FIN-01", "ZT-001", "board"]
    ),
    st.lists(st.sampled_from(["board", "wechat", "led", "x", " a "]), max_size=4),
)


@settings(max_examples=300)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    data=st.data(),
)
def test_normalize_is_idempotent(kind: str, data: st.DataObject) -> None:
    fields = list(KINDS[kind].field_types)
    values = data.draw(st.dictionaries(st.sampled_from(fields), field_values, max_size=6))
    out, _ = normalize(kind, values)
    again, errors = normalize(kind, out)
    assert errors == []
    assert again == out


@given(
    st.from_regex(
        r"[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True
    )
)
def test_every_17_digit_body_has_exactly_one_valid_check_character(body: str) -> None:
    valid = [c for c in "0123456789X" if not one("subsidy_payment", "id_number", body + c)[1]]
    assert len(valid) == 1
    # And its message never contains the number when wrong.
    wrong = next(c for c in "0123456789X" if c not in valid)
    _, errors = one("subsidy_payment", "id_number", body + wrong)
    assert body not in errors[0].message


def test_a_period_mismatch_names_the_items_cycle() -> None:
    (error,) = validate_record("disclosure", disclosure(period="2026-Q3"))
    assert error.msgid == PERIOD_FORMS["monthly"]
    assert "2026-10" in error.msgid
    assert set(PERIOD_FORMS) == set(PERIOD_KINDS)


def test_an_amount_mismatch_names_the_expected_amount() -> None:
    (error,) = validate_record(
        "subsidy_payment", payment(standard=12345, quantity="100", amount_fen=1)
    )
    assert error.msgid == AMOUNT_EXPECTED
    assert error.params == {"expected": "12,345.00"}
    assert (
        error.msgid.format(**error.params) == "Should be 12,345.00 yuan (standard times quantity)."
    )
