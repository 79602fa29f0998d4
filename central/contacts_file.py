"""A contacts sheet read into clean rows: which unit, who, which mobile; or why not.

Offices keep these lists in Excel with Chinese headers, titles above them, full-width
digits, spaces inside numbers and ``+86`` in front. The header row is the first one
naming a unit (单位编码 or 单位名称), a person (联系人/姓名) and a phone
(手机/手机号/联系电话). A unit name resolves to its 12-digit code through
``models.orgs``; a row that names both must agree. Each bad row gets its line number
and a reason in Chinese, and no reason ever repeats the phone. Pure: nothing is
written here (``central.contacts`` stores what this returns, in one transaction).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from central.spreadsheet import Row, UnreadableFile
from models.orgs import OrgUnit, is_org_code, load_org_units, org_by_code

__all__ = [
    "ContactRow",
    "ParsedContacts",
    "Rejection",
    "clean_mobile",
    "parse_contacts",
]

CODE_HEADERS = ("单位编码", "单位代码", "组织编码")
UNIT_HEADERS = ("单位名称", "单位", "单位名")
PERSON_HEADERS = ("联系人", "姓名", "联系人姓名")
PHONE_HEADERS = ("手机", "手机号", "手机号码", "联系电话", "联系人电话", "电话")
HEADER_SCAN_ROWS = 20
MAX_NAME = 50

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile("[\\s\\-\u2013\u2014()（）.]")  # spaces, hyphens and dashes, brackets
_SEVERAL = re.compile(r"[/,，、;；|]")
_NOTE = re.compile(r"[(（][^)）]*[)）]")


@dataclass(frozen=True)
class ContactRow:
    line: int
    org_code: str
    name: str
    phone: str = field(repr=False)
    """11 ASCII digits; kept out of repr so a stray log of the row shows no number."""


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.reason}"


@dataclass(frozen=True)
class ParsedContacts:
    header_line: int
    contacts: list[ContactRow]
    rejections: list[Rejection]


class BadRow(Exception):
    """Why one row cannot be loaded (its message is the Chinese reason)."""


def _text(cell: Any) -> str:
    """A cell as clean text: numbers from Excel without ``.0``, full-width forms folded
    (NFKC: full-width digits -> ASCII, the ideographic space -> a space), spaces collapsed."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    return " ".join(unicodedata.normalize("NFKC", str(cell)).split())


def _header(cell: Any) -> str:
    text = _NOTE.sub("", _text(cell))
    return "".join(text.split()).strip("*:").strip()


def clean_mobile(cell: Any) -> str:
    """The 11 digits of a mainland mobile number in ``cell``; ``BadRow`` says why not.
    Spaces, hyphens and brackets go; ``+86``, ``0086`` and ``86`` in front go."""
    text = _SEPARATORS.sub("", _text(cell))
    if not text:
        raise BadRow("缺少手机号")
    if _SEVERAL.search(text):
        raise BadRow("一个单元格只能填一个手机号")
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
            break
    if not (text.isascii() and text.isdigit()):
        raise BadRow("手机号中有数字以外的字符")
    if text.startswith("0") or len(text) in (7, 8):
        raise BadRow("这是固定电话，收不到短信：请填写 11 位手机号")
    if len(text) != 11:
        raise BadRow(f"手机号应为 11 位数字，这里是 {len(text)} 位")
    if not _MOBILE.fullmatch(text):
        raise BadRow("不是有效的手机号码（应以 13 至 19 开头）")
    return text


@cache
def _units_by_name() -> Mapping[str, tuple[OrgUnit, ...]]:
    named: dict[str, list[OrgUnit]] = {}
    for unit in load_org_units():
        named.setdefault("".join(unit.name.split()), []).append(unit)
    return {name: tuple(units) for name, units in named.items()}


def _org_code(code_cell: Any, name_cell: Any) -> str:
    code = "".join(_text(code_cell).split())
    name = "".join(_text(name_cell).split())
    if code:
        if not is_org_code(code):
            raise BadRow("单位编码应为 12 位数字")
        unit = org_by_code().get(code)
        if unit is None:
            raise BadRow(f"未知的单位编码 {code}")
        if name and "".join(unit.name.split()) != name:
            raise BadRow(f"单位编码 {code} 是「{unit.name}」，与单位名称「{name}」不符")
        return code
    if not name:
        raise BadRow("缺少单位编码或单位名称")
    units = _units_by_name().get(name, ())
    if not units:
        raise BadRow(f"找不到名为「{name}」的单位，请填写单位编码")
    if len(units) > 1:
        raise BadRow(f"有 {len(units)} 个单位名为「{name}」，请填写单位编码")
    return units[0].code


def _person(cell: Any) -> str:
    name = _text(cell)
    if not name:
        raise BadRow("缺少联系人姓名")
    if len(name) > MAX_NAME:
        raise BadRow(f"联系人姓名过长（最多 {MAX_NAME} 字）")
    return name


def _column(headers: Sequence[str], names: Sequence[str]) -> int | None:
    for name in names:
        if name in headers:
            return headers.index(name)
    return None


def _find_header(rows: Sequence[Row]) -> tuple[int, dict[str, int | None]]:
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        headers = [_header(cell) for cell in row.cells]
        columns = {
            "code": _column(headers, CODE_HEADERS),
            "unit": _column(headers, UNIT_HEADERS),
            "person": _column(headers, PERSON_HEADERS),
            "phone": _column(headers, PHONE_HEADERS),
        }
        has_unit = columns["code"] is not None or columns["unit"] is not None
        if has_unit and columns["person"] is not None and columns["phone"] is not None:
            return index, columns
    raise UnreadableFile(
        "unreadable_file",
        f"前 {HEADER_SCAN_ROWS} 行中没有表头：需要“单位编码”或“单位名称”、"
        "“联系人”或“姓名”、“手机号”或“联系电话”三类列",
    )


def _cell(cells: Sequence[Any], column: int | None) -> Any:
    if column is None or column >= len(cells):
        return None
    return cells[column]


def parse_contacts(rows: Sequence[Row]) -> ParsedContacts:
    """Every row under the header as a contact or a rejection; one contact per unit."""
    header_index, columns = _find_header(rows)
    contacts: list[ContactRow] = []
    rejections: list[Rejection] = []
    first_line: dict[str, int] = {}
    for row in rows[header_index + 1 :]:
        cells = row.cells
        try:
            org_code = _org_code(_cell(cells, columns["code"]), _cell(cells, columns["unit"]))
            person = _person(_cell(cells, columns["person"]))
            phone = clean_mobile(_cell(cells, columns["phone"]))
            if org_code in first_line:
                raise BadRow(f"与第 {first_line[org_code]} 行是同一单位（每个单位只留一位联系人）")
        except BadRow as exc:
            rejections.append(Rejection(row.line, str(exc)))
            continue
        first_line[org_code] = row.line
        contacts.append(ContactRow(row.line, org_code, person, phone))
    return ParsedContacts(rows[header_index].line, contacts, rejections)
