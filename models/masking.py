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

from models.kinds import kind_spec

__all__ = [
    "mask_account",
    "mask_contact",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_record",
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


_MASKERS: Mapping[str, Callable[[str], str]] = {
    "id_number": mask_id_number,
    "account": mask_account,
    "reporter_contact": mask_contact,
    "recipient_name": mask_name,
}


def _mask_all(value: str) -> str:
    """For a personal field without a rule of its own: hide everything."""
    return _STAR * len(value)


def mask_record(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` fit to show: the kind's personal fields and recipient names masked.

    Empty and non-text values are kept as they are.
    """
    spec = kind_spec(kind)
    out = dict(record)
    for field in spec.personal | ({"recipient_name"} & spec.field_types.keys()):
        value = out.get(field)
        if isinstance(value, str) and value:
            out[field] = _MASKERS.get(field, _mask_all)(value)
    return out
