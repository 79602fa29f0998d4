"""The one masking rule for personal data shown or published (DOMAIN.md).

ID numbers keep the first 6 (the area) and the last 4, hiding the birth
date: ``110105********002X``. Accounts keep the last 4 behind a fixed
``****`` (the length of an account is not shown either). Phones keep the
first 3 and last 4. Names keep the surname: ``张*``. Anything too short to
mask safely becomes all stars: a mask never leaks more than the rule allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from models.fields import Mask
from models.kinds import kind_spec

__all__ = [
    "MASKS",
    "mask_account",
    "mask_all",
    "mask_contact",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_record",
    "mask_value",
]

_STAR = "*"


def mask_id_number(value: str) -> str:
    """``110105********002X``; shorter odd input keeps at most the last 4, or nothing."""
    text = value.strip()
    n = len(text)
    if n >= 15:
        return text[:6] + _STAR * (n - 10) + text[-4:]
    if n >= 8:
        return _STAR * (n - 4) + text[-4:]
    return _STAR * n


def mask_account(value: str) -> str:
    """``****1234``: the last 4 only, behind a fixed 4 stars; short input is all stars."""
    text = "".join(value.split())
    if not text:
        return ""
    if len(text) < 8:
        return _STAR * 4
    return _STAR * 4 + text[-4:]


def mask_phone(value: str) -> str:
    """``138****5678``: first 3 and last 4 of 11+ characters; last 4 of 7-10; else all stars."""
    text = value.strip()
    n = len(text)
    if n >= 11:
        return text[:3] + _STAR * (n - 7) + text[-4:]
    if n >= 7:
        return _STAR * (n - 4) + text[-4:]
    return _STAR * n


def mask_name(value: str) -> str:
    """``张*``: the first character (the surname, for most names) and a star per other."""
    text = value.strip()
    if len(text) <= 1:
        return _STAR * len(text)
    return text[0] + _STAR * (len(text) - 1)


def _looks_like_phone(text: str) -> bool:
    digits = text.replace(" ", "").replace("-", "").removeprefix("+")
    return 7 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()


def mask_contact(value: str) -> str:
    """A phone-looking contact masked as a phone; anything else keeps only its first character."""
    text = value.strip()
    if _looks_like_phone(text):
        return mask_phone(text)
    return mask_name(text)


def mask_all(value: str) -> str:
    """Everything hidden: for a personal field without a rule of its own."""
    return _STAR * len(value)


MASKS: Mapping[Mask, Callable[[str], str]] = {
    Mask.ID_NUMBER: mask_id_number,
    Mask.ACCOUNT: mask_account,
    Mask.PHONE: mask_phone,
    Mask.NAME: mask_name,
    Mask.CONTACT: mask_contact,
    Mask.ALL: mask_all,
}
"""The rule of each mask a field may declare (``models.fields.Masked``)."""


def mask_value(mask: Mask, value: str) -> str:
    """One value shown with its field's mask."""
    return MASKS[mask](value)


def mask_record(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` fit to show: every field the kind declares masked, masked.

    Empty and non-text values are kept as they are.
    """
    out = dict(record)
    for field, mask in kind_spec(kind).masked.items():
        value = out.get(field)
        if isinstance(value, str) and value:
            out[field] = MASKS[mask](value)
    return out
