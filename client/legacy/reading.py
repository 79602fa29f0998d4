"""Reading a legacy file as a table: rows of cells, the header row found, nothing written.

Workbooks (.xlsx, .xls, .ods) are read with python-calamine; anything else is
CSV, in UTF-8 (with or without a BOM), GBK or GB18030 (detected, or given).
The whole table is read before anything is saved, so a file that turns out
to be broken half-way (truncated, mis-encoded) changes nothing.

A cell longer than ``MAX_CELL_CHARS`` is not kept: it is replaced by an
``Oversized`` marker (its length and a short prefix), so one absurd cell
neither fills memory twice over nor reaches the database.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine

from client.i18n import _
from client.legacy.mapping import header_key

__all__ = ["MAX_CELL_CHARS", "NotATable", "Oversized", "Table", "detect_encoding", "read_table"]

MAX_CELL_CHARS = 100_000
"""Longer than any text field allows (content: 20,000), short enough to hold."""
MAX_CSV_FIELD = 1_000_000
"""A CSV cell longer than this is not even read: its whole row is reported unread."""
HEADER_SCAN_ROWS = 30
_SAMPLE_BYTES = 1 << 16
_PREFIX_CHARS = 200

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})


class NotATable(Exception):
    """The file cannot be read as a table at all; one message says why. Nothing was saved.

    ``code`` says which case it is, for a screen to say it in the person's language:
    ``encoding``, ``binary``, ``truncated``, ``password``, ``damaged``, ``empty``,
    ``no_file``, ``directory``, ``unreadable``, ``no_header`` (``examples`` then names
    columns the kind knows) or ``usage`` (an option that does not fit the file)."""

    def __init__(self, message: str, *, code: str, examples: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.examples = tuple(examples)


@dataclass(frozen=True)
class Oversized:
    """A cell too long to keep: its length and its first characters (for the report)."""

    length: int
    prefix: str
    whole_row: bool = False
    """The cell was too long even to read: the rest of its row is unknown."""

    def __str__(self) -> str:
        if self.whole_row:
            return f"[a cell of more than {MAX_CSV_FIELD:,} characters: row not read]"
        return f"{self.prefix}…[{self.length:,} characters, cut]"


@dataclass(frozen=True)
class Table:
    source: str
    """How it was read, for messages: ``CSV (gb18030)`` or ``sheet 补贴发放``."""
    header_line: int
    """1-based line (row) of the header."""
    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    """(1-based line, cells) of every non-empty row below the header."""


def _keep(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return Oversized(len(value), value[:_PREFIX_CHARS])
    return value


def _kept(cells: list[Any]) -> list[Any]:
    """The row with every oversized cell replaced (the row itself when none is)."""
    for cell in cells:
        if type(cell) is str and len(cell) > MAX_CELL_CHARS:
            return [_keep(cell) for cell in cells]
    return cells


def _is_empty(cells: Sequence[Any]) -> bool:
    """Only blanks (None, or text of white space): such a row is skipped."""
    for cell in cells:  # a loop, not all(): most rows answer at their first cell
        if cell is None or (type(cell) is str and (not cell or cell.isspace())):
            continue
        return False
    return True


# ---------------------------------------------------------------- encodings


def detect_encoding(sample: bytes) -> str:
    """``utf-8-sig`` with a BOM, ``utf-8`` when the sample decodes as UTF-8, else ``gb18030``
    (a superset of GBK and GB2312). ``NotATable`` when it is neither."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for name in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(name)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return name
    raise NotATable(
        "the file is neither UTF-8 nor GBK/GB18030 text: give --encoding", code="encoding"
    )


def _check_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        unknown = _("unknown encoding {name!r} (try utf-8, gbk or gb18030)")
        raise NotATable(unknown.format(name=name), code="usage") from None


# ---------------------------------------------------------------- header row


def _header_score(cells: Sequence[Any], known: frozenset[str]) -> int:
    return len({key for cell in cells if (key := header_key(cell)) and key in known})


def _split_header(
    rows: Iterator[tuple[int, list[Any]]], known: frozenset[str]
) -> tuple[int, list[str], list[tuple[int, list[Any]]]] | None:
    """The best header among the first rows (merged title rows above it are skipped).
    ``rows`` holds no blank rows: the readers leave them out (their lines still count)."""
    head: list[tuple[int, list[Any]]] = []
    for line, cells in rows:
        head.append((line, cells))
        if len(head) >= HEADER_SCAN_ROWS:
            break
    best: tuple[int, int] | None = None  # (score, index)
    for index, (_line, cells) in enumerate(head):
        score = _header_score(cells, known)
        if score and (best is None or score > best[0]):
            best = (score, index)
    if best is None:
        return None
    line, cells = head[best[1]]
    headers = ["" if cell is None else str(cell).strip() for cell in cells]
    body = head[best[1] + 1 :]
    body.extend(rows)
    return line, headers, body


# ---------------------------------------------------------------- CSV


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    with path.open(encoding=encoding, newline="", errors="strict") as handle:
        first = handle.readline()
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        row_number = 0
        while True:
            try:
                for cells in reader:  # the reader goes on after an error it raised
                    row_number += 1
                    if not any(cells):  # a blank line, or empty cells only
                        continue
                    first = cells[0]
                    if (not first or first.isspace()) and _is_empty(cells):
                        continue  # white space only (most rows start with a value)
                    # CSV cells are text: the longest one says whether any is oversized.
                    if max(map(len, cells)) > MAX_CELL_CHARS:
                        cells = _kept(cells)
                    yield row_number, cells
                return
            except csv.Error as exc:
                row_number += 1
                if "field limit" in str(exc):
                    yield row_number, [Oversized(MAX_CSV_FIELD + 1, "", whole_row=True)]
                    continue
                raise NotATable(
                    f"CSV row {row_number} cannot be read ({exc}): is the file truncated?",
                    code="truncated",
                ) from exc


def _read_csv(
    path: Path, encoding: str | None, known: frozenset[str]
) -> tuple[str, tuple[int, list[str], list[tuple[int, list[Any]]]] | None]:
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotATable("the file is binary, not a table (CSV, .xlsx or .xls)", code="binary")
    chosen = _check_encoding(encoding) if encoding else detect_encoding(sample)
    candidates = [chosen] if encoding or chosen != "utf-8" else ["utf-8", "gb18030"]
    for name in candidates:
        try:
            with _field_limit(MAX_CSV_FIELD):
                return name, _split_header(_csv_rows(path, name), known)
        except UnicodeDecodeError as exc:
            if name != candidates[-1]:
                continue
            hint = "" if encoding else ": give --encoding"
            raise NotATable(
                f"the file is not valid {name} text (byte {exc.start} of a line; "
                f"truncated or another encoding?){hint}",
                code="encoding",
            ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------- workbooks


def _sheet_rows(sheet: python_calamine.CalamineSheet) -> Iterator[tuple[int, list[Any]]]:
    start = sheet.start
    first = (start[0] if start else 0) + 1
    for offset, cells in enumerate(sheet.to_python(skip_empty_area=False)):
        if offset + 1 < first or _is_empty(cells):
            continue
        yield offset + 1, _kept(cells)


def _read_workbook(
    path: Path, sheet_name: str | None, known: frozenset[str]
) -> tuple[str, tuple[int, list[str], list[tuple[int, list[Any]]]] | None]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise NotATable(
            "the workbook is password-protected: save a copy without one", code="password"
        ) from exc
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise NotATable(
            "the workbook cannot be opened: it is damaged or truncated (open it in a "
            "spreadsheet program and save it again)",
            code="damaged",
        ) from exc
    with workbook:
        names = list(workbook.sheet_names)
        if sheet_name is not None and sheet_name not in names:
            no_sheet = _("the workbook has no sheet {sheet!r}; its sheets: {sheets}")
            raise NotATable(
                no_sheet.format(sheet=sheet_name, sheets=", ".join(names)), code="usage"
            )
        if not names:
            raise NotATable("the workbook has no sheets", code="empty")
        empty = True
        for name in [sheet_name] if sheet_name is not None else names:
            try:
                sheet = workbook.get_sheet_by_name(name)
                rows = list(_sheet_rows(sheet))
            except (python_calamine.CalamineError, ValueError) as exc:
                raise NotATable(
                    f"sheet {name!r} cannot be read: the workbook is damaged", code="damaged"
                ) from exc
            if rows:  # blank rows are not read
                empty = False
            found = _split_header(iter(rows), known)
            if found is not None:
                return f"sheet {name}", found
        if empty:
            where = f"sheet {sheet_name!r}" if sheet_name else "every sheet of the workbook"
            raise NotATable(f"{where} is empty", code="empty")
        return f"sheet {sheet_name or names[0]}", None


def read_table(
    path: Path,
    *,
    known_headers: frozenset[str],
    examples: Callable[[], Sequence[str]] = list,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Table:
    """The table in ``path``: its header row (the one naming most known columns among the
    first rows) and every non-empty row under it. ``NotATable`` says why when it is none."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            magic = handle.read(8)
    except FileNotFoundError:
        raise NotATable(f"no such file: {path}", code="no_file") from None
    except IsADirectoryError:
        raise NotATable(f"{path} is a directory, not a file", code="directory") from None
    except OSError as exc:
        raise NotATable(f"cannot read {path}: {exc.strerror}", code="unreadable") from exc
    if size == 0:
        raise NotATable("the file is empty", code="empty")
    is_workbook = magic.startswith(_ZIP) or magic == _OLE
    if path.suffix.lower() in _WORKBOOK_SUFFIXES and not is_workbook:
        raise NotATable(
            f"the file is named {path.suffix} but is not a workbook: damaged, or another format",
            code="damaged",
        )
    if is_workbook:
        source, found = _read_workbook(path, sheet, known_headers)
    else:
        if sheet is not None:
            raise NotATable(_("--sheet applies to workbooks; this file is CSV text"), code="usage")
        name, found = _read_csv(path, encoding, known_headers)
        source = f"CSV ({name})"
        if found is None and size and not _has_rows(path, name):
            raise NotATable("the file holds no rows", code="empty")
    if found is None:
        known = list(examples())
        raise NotATable(
            f"{source}: no header row: none of the first {HEADER_SCAN_ROWS} rows names a "
            f"column this kind knows (such as {'、'.join(known)}); wrong sheet or kind? "
            "Name the columns with --mapping",
            code="no_header",
            examples=known,
        )
    line, headers, body = found
    return Table(source=source, header_line=line, headers=headers, rows=body)


def _has_rows(path: Path, encoding: str) -> bool:
    with path.open(encoding=encoding, errors="replace") as handle:
        return any(line.strip(" \t\r\n,\ufeff") for line in handle)
