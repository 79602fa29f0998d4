"""Cell cleaning, alone: full-width forms, money, dates, periods, mangled ID numbers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from client.legacy.cleaning import (
    CleanError,
    clean_text,
    excel_serial_to_date,
    half_width,
    id15_to_18,
    parse_amount_fen,
    parse_date,
    parse_id_number,
    parse_period,
)
from models.validation import normalize

VECTOR = "11010519491231002X"


def test_half_width_digits_letters_and_spaces_only_by_default() -> None:
    assert half_width("ＡＢｃ１２３\u3000，") == "ABc123 ，"
    assert half_width("１，２３４．５", punctuation=True) == "1,234.5"


def test_clean_text_trims_every_kind_of_space() -> None:
    assert clean_text("\u3000 张三\t\n") == "张三"
    assert clean_text(None) == ""
    assert clean_text(12.0) == "12"
    assert clean_text(150202101200) == "150202101200"


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("1,234.50元", 123450),
        ("1.2万元", 1200000),
        ("１，２３４．５０元", 123450),
        ("￥ 88", 8800),
        ("0.01", 1),
        (1234.5, 123450),
        (0.1, 10),
        (12, 1200),
        ("  ", None),
        (None, None),
    ],
)
def test_amounts_become_fen(cell: object, fen: int | None) -> None:
    assert parse_amount_fen(cell) == fen


def test_amount_unit_and_written_unit() -> None:
    assert parse_amount_fen("3", unit=10_000) == 3_000_000
    assert parse_amount_fen("3元", unit=10_000) == 300  # what is written in the cell wins


@pytest.mark.parametrize("cell", ["1.234元", "abc", "1,2,3元元", "0.001"])
def test_bad_amounts_are_refused_not_rounded(cell: str) -> None:
    with pytest.raises(CleanError):
        parse_amount_fen(cell)


@pytest.mark.parametrize(
    ("cell", "day"),
    [
        ("2020年7月14日", date(2020, 7, 14)),
        ("2020 年 7 月 14 号", date(2020, 7, 14)),
        ("2020-07-14", date(2020, 7, 14)),
        ("2020/7/14", date(2020, 7, 14)),
        ("２０２０．７．１４", date(2020, 7, 14)),
        ("20200714", date(2020, 7, 14)),
        ("2020-07-14 08:30:00", date(2020, 7, 14)),
        ("2020-07-14T08:30:00.000Z", date(2020, 7, 14)),
        (44026, date(2020, 7, 14)),
        (44026.75, date(2020, 7, 14)),
        ("44026", date(2020, 7, 14)),
        (datetime(2020, 7, 14, 9), date(2020, 7, 14)),
        (date(2020, 7, 14), date(2020, 7, 14)),
        ("", None),
    ],
)
def test_dates(cell: object, day: date | None) -> None:
    assert parse_date(cell) == day


@pytest.mark.parametrize("cell", ["2020年2月30日", "昨天", "2020-13-01", -5, 10**8])
def test_bad_dates(cell: object) -> None:
    with pytest.raises(CleanError) as caught:
        parse_date(cell)
    assert caught.value.code == "bad_date"


def test_excel_serial_epoch() -> None:
    assert excel_serial_to_date(1) == date(1899, 12, 31)
    assert excel_serial_to_date(61) == date(1900, 3, 1)


@pytest.mark.parametrize(
    ("cell", "period"),
    [
        ("2020年7月", "2020-07"),
        ("2020年第3季度", "2020-Q3"),
        ("2020年三季度", "2020-Q3"),
        ("2020年下半年", "2020-H2"),
        ("2020年度", "2020"),
        ("2020/7", "2020-07"),
        ("2020-q3", "2020-Q3"),
        ("2026-10", "2026-10"),
        (2020.0, "2020"),
        (date(2020, 7, 14), "2020-07-14"),
    ],
)
def test_periods(cell: object, period: str) -> None:
    assert parse_period(cell) == period


def test_id15_to_18_matches_validation() -> None:
    converted = id15_to_18("110105491231002")
    assert converted == VECTOR
    assert normalize("subsidy_payment", {"id_number": converted}) == ({"id_number": VECTOR}, [])


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (VECTOR, VECTOR),
        (VECTOR.lower(), VECTOR),
        ("１１０１０５１９４９１２３１００２Ｘ", VECTOR),
        (" 110105 19491231 002X ", VECTOR),
        ("'" + VECTOR, VECTOR),
        (110105491231002, VECTOR),
        (110105491231002.0, VECTOR),
        ("110105491231002", VECTOR),
        (None, ""),
    ],
)
def test_id_numbers(cell: object, expected: str) -> None:
    assert parse_id_number(cell) == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1.10105E+17", "scientific notation"),
        ("1.10105194912310E+17", "scientific notation"),
        (1.1010519491231e17, "stored as a number"),
        ("110105194912310000", "became 000"),
        ("11010519491231002", "17 digits"),
    ],
)
def test_mangled_id_numbers_are_refused_with_the_reason(cell: object, reason: str) -> None:
    with pytest.raises(CleanError) as caught:
        parse_id_number(cell)
    assert caught.value.code == "id_number_mangled"
    assert reason in caught.value.message
    assert "11010519" not in caught.value.message  # never the value itself
