"""The one masking rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.kinds import KINDS
from models.masking import (
    mask_account,
    mask_contact,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_record,
)


def test_examples() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_account("6217000012341234") == "****1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_contact("13812345678") == "138****5678"
    assert mask_contact("138 1234 5678") == "138******5678"
    assert mask_contact("wx_zhang_san") == "w***********"


@pytest.mark.parametrize(
    "masker", [mask_id_number, mask_account, mask_phone, mask_name, mask_contact]
)
def test_empty_stays_empty(masker: object) -> None:
    assert callable(masker)
    assert masker("") == ""


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110105491231002", "110105*****1002"),
        ("1101054912", "******4912"),
        ("1234567", "*******"),
        ("12", "**"),
    ],
)
def test_odd_id_numbers_never_leak(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


def test_short_accounts_are_all_stars() -> None:
    assert mask_account("1234") == "****"
    assert mask_account("6217 0000 1234 5678") == "****5678"


def test_mask_record_masks_personal_fields_and_names() -> None:
    record = KINDS["subsidy_payment"].defaults() | {
        "id": "0190d0a0-0000-7000-8000-000000000000",
        "recipient_name": "张三",
        "id_number": "11010519491231002X",
        "account": "6217000012341234",
        "amount_fen": 12000,
    }
    masked = mask_record("subsidy_payment", record)
    assert masked["recipient_name"] == "张*"
    assert masked["id_number"] == "110105********002X"
    assert masked["account"] == "****1234"
    assert masked["amount_fen"] == 12000
    assert masked["id"] == record["id"]
    assert record["id_number"] == "11010519491231002X"  # the input is not changed


def test_mask_record_clue_contact_and_empty_values() -> None:
    clue = KINDS["clue"].defaults() | {"reporter_contact": "13812345678"}
    assert mask_record("clue", clue)["reporter_contact"] == "138****5678"
    payment = KINDS["subsidy_payment"].defaults()
    assert mask_record("subsidy_payment", payment) == payment
    disclosure = KINDS["disclosure"].defaults() | {"title": "张三"}
    assert mask_record("disclosure", disclosure) == disclosure


id_numbers = st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True)


@given(id_numbers)
def test_id_mask_hides_the_birth_date_and_order(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[6:14] == "*" * 8
    assert masked[:6] == value[:6] and masked[-4:] == value[-4:]


@given(st.text(max_size=40))
def test_masks_never_show_more_than_the_rule(value: str) -> None:
    text = value.strip()
    for masked in (mask_id_number(value), mask_phone(value)):
        shown = sum(ch != "*" for ch in masked)
        assert shown <= 10 and shown <= max(0, len(text) - 4) + 4
        if len(text) < 7:
            assert set(masked) <= {"*"}
    account = mask_account(value)
    assert sum(ch != "*" for ch in account) <= 4
    name = mask_name(value)
    assert sum(ch != "*" for ch in name) <= 1


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_phone_middle_is_hidden(phone: str) -> None:
    assert mask_contact(phone) == phone[:3] + "****" + phone[7:]
