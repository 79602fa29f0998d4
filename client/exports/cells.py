"""Cells no spreadsheet reads as a formula: every workbook and CSV Sanwu writes goes
through here.

A title typed as ``=HYPERLINK("http://…","点此")`` or ``=cmd|' /C calc'!A0`` becomes a
live formula in the notice-board workbook (openpyxl writes a ``str`` starting with
``=`` as a formula) and, in a CSV, in whatever spreadsheet opens it. As OWASP's CSV
injection advice says, text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading single quote: the cell shows the text, quote first, and is never
evaluated. Numbers stay numbers (a negative amount is an int, not text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from client.files import write_whole

__all__ = ["FORMULA_PREFIXES", "safe_cell", "save_workbook"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""How a cell's text may start and be read as a formula (or a DDE call)."""


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that is never a formula: text with a formula prefix quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def save_workbook(workbook: Workbook, path: Path | str) -> None:
    """Save ``workbook`` with every text cell of every sheet made ``safe_cell`` first, and
    no cell left a formula: whichever writer filled it, nothing in it runs when opened."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and (
                    cell.data_type == "f" or value.startswith(FORMULA_PREFIXES)
                ):
                    cell.value = safe_cell(value)
                    cell.data_type = "s"
    write_whole(Path(path), workbook.save)
