"""Footer rows of a ledger: the 合计 line and the signatures under the table.

Township spreadsheets end with a total (合计, 小计, 总计) and the people who made and
checked the table (制表人：…, 审核人：…, 填表日期：…). They are not records and not
mistakes either: an import recognises them by their first filled cell and reports them
as skipped, never as rows rejected for missing fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FOOTER_WORDS", "Skipped", "footer_word", "split_footers"]

FOOTER_WORDS = (
    "合计",
    "总计",
    "小计",
    "累计",
    "制表人",
    "制表",
    "审核人",
    "审核",
    "审批人",
    "复核人",
    "填表人",
    "填报人",
    "填表日期",
    "填报日期",
    "制表日期",
    "制表时间",
    "填表时间",
    "报送日期",
    "负责人",
    "单位负责人",
    "经办人",
    "监督人",
)
"""What a footer row starts with; a word of two characters may have spaces inside (合  计)."""

_WORD = "|".join(
    r"\s*".join(map(re.escape, word)) if len(word) == 2 else re.escape(word)
    for word in sorted(FOOTER_WORDS, key=len, reverse=True)
)
_FOOTER = re.compile(rf"\s*({_WORD})(\s*[:：].*|\s+.*)?", re.DOTALL)
_FIRST_CHARS = frozenset(word[0] for word in FOOTER_WORDS)


@dataclass(frozen=True)
class Skipped:
    """A footer row left out of the import: its line and the word that marks it."""

    line: int
    word: str


def footer_word(cells: Sequence[Any]) -> str | None:
    """The footer word a row starts with (its first filled cell is 合计, 制表人：张三…), or
    None for a row of data. The word alone fills the cell, or a colon or a space follows it:
    合计收入 is data."""
    for cell in cells:
        if cell is None or (type(cell) is str and (not cell or cell.isspace())):
            continue
        if type(cell) is not str or cell.lstrip()[:1] not in _FIRST_CHARS:
            return None
        match = _FOOTER.fullmatch(cell)
        return "".join(match.group(1).split()) if match else None
    return None


def split_footers(
    rows: Sequence[tuple[int, list[Any]]],
) -> tuple[list[tuple[int, list[Any]]], list[Skipped]]:
    """The rows of data, and the footer rows among them (skipped, with their word)."""
    kept: list[tuple[int, list[Any]]] = []
    skipped: list[Skipped] = []
    for line, cells in rows:
        word = footer_word(cells)
        if word is None:
            kept.append((line, cells))
        else:
            skipped.append(Skipped(line, word))
    return kept, skipped
