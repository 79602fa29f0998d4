"""Reading a small table an office keeps (.xlsx, .xls, .ods or CSV) as numbered rows of cells.

Central cannot use the client's legacy reader (central never imports the client), and
needs much less of it: the rows of the first sheet, or of a CSV file in UTF-8 (with or
without a BOM) or GB18030 (a superset of GBK, what Excel in China saves), each with
its 1-based line (row) number so a rejection can name it. Blank rows are left out but
still counted. The whole file is read before anything is saved.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import python_calamine

from central.errors import BadRequest
from sync.failures import ExitCode, Failure, Retry

__all__ = ["MAX_BYTES", "MAX_ROWS", "Row", "UnreadableFile", "read_rows"]

MAX_BYTES = 20 * 1024 * 1024
"""A unit list is a few hundred rows: anything near this size is the wrong file."""
MAX_ROWS = 20_000
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})


class UnreadableFile(BadRequest):
    """The file cannot be read as a table at all; the message says why (in Chinese)."""

    failure: ClassVar[Failure] = Failure(ExitCode.USAGE, Retry.NEVER)


@dataclass(frozen=True)
class Row:
    line: int
    """1-based: the row number a spreadsheet program shows, or the CSV record's number."""
    cells: list[Any]


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "unreadable_file",
        "文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本，请另存为 .xlsx 或 UTF-8 CSV",
    )


def _csv_rows(data: bytes) -> list[Row]:
    if b"\x00" in data[:4096]:
        raise UnreadableFile("unreadable_file", "文件不是表格（请使用 .xlsx、.xls 或 CSV）")
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[Row] = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            if not _is_blank(cells):
                rows.append(Row(number, list(cells)))
    except csv.Error as exc:
        raise UnreadableFile(
            "unreadable_file", f"CSV 文件无法读取（{exc}），文件可能不完整"
        ) from exc
    return rows


def _sheet_rows(path: Path) -> list[Row]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise UnreadableFile("unreadable_file", "工作簿有密码保护，请另存一份无密码的副本") from exc
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise UnreadableFile(
            "unreadable_file", "工作簿已损坏或不完整，请用表格软件打开后重新保存"
        ) from exc
    with workbook:
        if not workbook.sheet_names:
            raise UnreadableFile("unreadable_file", "工作簿中没有工作表")
        try:
            sheet = workbook.get_sheet_by_index(0)
            start = sheet.start
            first = (start[0] if start else 0) + 1
            cells = sheet.to_python(skip_empty_area=False)
        except (python_calamine.CalamineError, ValueError) as exc:
            raise UnreadableFile("unreadable_file", "工作表无法读取，工作簿已损坏") from exc
    return [
        Row(offset + 1, list(row))
        for offset, row in enumerate(cells)
        if offset + 1 >= first and not _is_blank(row)
    ]


def read_rows(path: Path) -> list[Row]:
    """Every non-blank row of the file's first sheet (or of the CSV text), numbered."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise UnreadableFile("unreadable_file", f"找不到文件：{path}") from None
    except IsADirectoryError:
        raise UnreadableFile("unreadable_file", f"{path} 是目录，不是文件") from None
    except OSError as exc:
        raise UnreadableFile("unreadable_file", f"无法读取 {path}（{exc.strerror}）") from exc
    if size == 0:
        raise UnreadableFile("unreadable_file", "文件是空的")
    if size > MAX_BYTES:
        raise UnreadableFile(
            "unreadable_file", f"文件太大（超过 {MAX_BYTES // (1024 * 1024)} MB），不像联系人表"
        )
    is_workbook = data.startswith((_ZIP, _OLE))
    if path.suffix.lower() in _WORKBOOK_SUFFIXES and not is_workbook:
        raise UnreadableFile(
            "unreadable_file", f"文件名是 {path.suffix}，内容却不是工作簿：文件已损坏或格式不对"
        )
    rows = _sheet_rows(path) if is_workbook else _csv_rows(data)
    if len(rows) > MAX_ROWS:
        raise UnreadableFile("unreadable_file", f"表中超过 {MAX_ROWS} 行，不像联系人表")
    return rows
