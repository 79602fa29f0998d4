"""Why a row was not imported, as people read it: the line, the field by its label, the
old column it came from, and a sentence in the person's language (Chinese by default).

``Problem`` keeps a code and English text for logs and tests; a clerk reads these
sentences, on the import screen's table and in the reject report. The field errors of
typed entries (``client.labels.ERROR_TEXT``) read the same here; the codes only an import
meets (a mangled ID number, 万元 with three decimals, a 公开类别 that is not the item's)
have their own. A sentence names what is wrong, never the cell's value.
"""

from __future__ import annotations

from collections.abc import Mapping

from client.i18n import N_, _
from client.labels import ERROR_TEXT, field_name
from client.legacy.checking import Problem
from client.legacy.footers import Skipped
from client.legacy.reading import NotATable
from models.catalog import DOMAIN_NAMES

__all__ = [
    "IMPORT_TEXT",
    "NOT_A_TABLE",
    "not_a_table_text",
    "problem_text",
    "reason_text",
    "reasons_text",
    "skipped_text",
    "source_text",
]

IMPORT_TEXT: Mapping[str, str] = {
    "bad_amount": N_("Not an amount: write it like 1234.50 or 1.2万元."),
    "fraction_of_fen": N_("Has fractions of a fen (more than two decimals)."),
    "not_a_number": N_("Not a number."),
    "bad_date": N_("Not a date: write it like 2020-07-14 or 2020年7月14日."),
    "bad_id_number": N_("Not a valid ID number (18 characters, or 15 digits)."),
    "id_number_mangled": N_(
        "The spreadsheet turned the number into a figure ({detail}): format the column as "
        "text and export again."
    ),
    "account_mangled": N_(
        "The spreadsheet turned the number into a figure ({detail}): format the column as "
        "text and export again."
    ),
    "unknown_org": N_("Neither a 12-digit unit code nor a known unit name."),
    "too_long": N_("Too long."),
    "duplicate": N_("Repeats line {first} of this file (the same record twice)."),
    "bad_domain": N_("Not a domain: write 党务, 政务, 村务 or 财务."),
    "domain_mismatch": N_(
        "The catalogue item belongs to {item_domain}, but this column says {domain}."
    ),
}
"""Import codes → sentence (English msgid, with the problem's ``args`` as placeholders)."""

_DETAIL: Mapping[str, str] = {
    "float": N_("its last digits are lost"),
    "scientific": N_("written like 1.1E+17"),
    "zeros": N_("its last digits became 000"),
    "digits17": N_("17 digits: the last character was lost"),
}


def _arg(name: str, value: str) -> str:
    """A placeholder's value as shown: a domain by its Chinese name, a detail translated."""
    if name in ("domain", "item_domain"):
        return DOMAIN_NAMES.get(value, value)
    if name == "detail":
        return _(_DETAIL[value]) if value in _DETAIL else value
    return value


def reason_text(problem: Problem) -> str:
    """The sentence of one problem alone (what is wrong), without the field."""
    args = {name: _arg(name, value) for name, value in problem.args}
    if problem.msgid:
        try:
            return _(problem.msgid).format(**args)
        except (KeyError, IndexError, ValueError):
            pass  # a translation naming a placeholder the check did not give
    known = IMPORT_TEXT.get(problem.code) or ERROR_TEXT.get(problem.code)
    if known is None:
        return _("Not valid ({code}).").format(code=problem.code)
    try:
        return _(known).format(**args)
    except (KeyError, IndexError):  # a problem made without the sentence's placeholders
        return _(known)


def problem_text(kind: str, problem: Problem) -> str:
    """One problem: the field by its label (and the old column), then the sentence."""
    field = field_name(kind, problem.field) if problem.field else _("The row")
    if problem.column:
        where = _("{field} (column {column})").format(field=field, column=problem.column)
    else:
        where = field
    return _("{field}: {reason}").format(field=where, reason=reason_text(problem))


def reasons_text(kind: str, problems: list[Problem], *, line: int | None = None) -> str:
    """A row's problems, one a line; with ``line``, each names it too."""
    texts = [problem_text(kind, problem) for problem in problems]
    if line is not None:
        texts = [_("Line {line}: {reason}").format(line=line, reason=text) for text in texts]
    return "\n".join(texts)


def skipped_text(skipped: list[Skipped]) -> str:
    """Footer rows left out, for a summary: how many, and their lines and words."""
    shown = "、".join(_("line {line} ({word})").format(line=s.line, word=s.word) for s in skipped)
    return _("{count} footer rows skipped (totals and signatures): {rows}").format(
        count=len(skipped), rows=shown
    )


NOT_A_TABLE: Mapping[str, str] = {
    "encoding": N_("the file is neither UTF-8 nor GBK/GB18030 text"),
    "binary": N_("the file is not a table: choose a CSV or Excel file"),
    "truncated": N_("the file is cut short or damaged"),
    "password": N_("the workbook is password-protected: save a copy without one"),
    "damaged": N_("the workbook is damaged: open it in a spreadsheet program and save it again"),
    "empty": N_("the file holds no rows"),
    "no_file": N_("there is no such file"),
    "directory": N_("that is a folder, not a file"),
    "unreadable": N_("the file cannot be read"),
    "no_header": N_(
        "no header row among the first rows names a column of this kind (such as {examples}):"
        " another kind?"
    ),
}
"""``NotATable.code`` → what the person reads (the reading error is in English); the
import screen words the same codes alike."""


def not_a_table_text(error: NotATable) -> str:
    """Why a file could not be read as a table, in the person's language."""
    reason = NOT_A_TABLE.get(error.code)
    if reason is None:
        return str(error)
    return _(reason).format(examples="、".join(error.examples[:4]))


def source_text(source: str) -> str:
    """Where a table was read, as the summary names it: a workbook's sheet, or CSV text
    and its encoding (``Table.source`` keeps the English form for logs and tests)."""
    kind, _space, name = source.partition(" ")
    if kind == "sheet":
        return _("sheet {name}").format(name=name)
    return source
