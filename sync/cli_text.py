"""argparse in the person's language, for both command lines (the client's and central's).

Help texts are English msgids written where each argument is declared; ``Formatter``
translates them, the descriptions, section titles and word metavars (FILE, KIND) when
help is shown (a scheduled ``sanwu sync`` never looks its ~300 help texts up; it reads
the catalogue once, quickly, for argparse's few words). argparse's own words ("usage: ",
"the following arguments are required: %s"...) come from its module-level ``_`` and
``ngettext``, which are pointed at the catalogue (``models.i18n``) when this module is
imported. ``Parser.error`` makes a usage error one line, ``sanwu: <message>``, exit 2.

Call ``models.i18n.set_language`` before parsing (``language_in`` reads ``--lang`` ahead
of the parser): help and errors are worded in the language chosen then.
"""

from __future__ import annotations

import argparse
import errno
import re
from collections.abc import Callable, Iterable
from typing import Any, NoReturn
from unicodedata import east_asian_width

from models.i18n import N_, _, ngettext
from sync.failures import ExitCode

__all__ = ["Formatter", "Parser", "os_reason", "shown_words"]

_OS_REASONS = {
    errno.ENOENT: N_("no such file"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.EISDIR: N_("it is a folder, not a file"),
    errno.ENOTDIR: N_("a folder in the path is a file"),
    errno.ENOSPC: N_("the disk is full"),
}


def os_reason(error: OSError) -> str:
    """Why a file could not be read or written, in the person's language (the system's own
    words are English): the common cases by their number, any other by its own text."""
    known = _OS_REASONS.get(error.errno or 0)
    return _(known) if known else (error.strerror or type(error).__name__)


_WORD = re.compile(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b")
"""A metavar's word: capitals (FILE, MAX_KBPS), two letters at least (P stays P)."""


def shown_words(text: str) -> str:
    """A metavar as shown: its upper-case English words (FILE, ACTION) translated; names,
    choices and command words kept as they are typed."""
    if not isinstance(text, str):
        return text  # argparse checks a metavar's shape with None at build time
    return _WORD.sub(lambda word: _(word.group()), text)


def cells(text: str) -> int:
    """Columns ``text`` takes on a terminal: a Chinese character takes two."""
    return len(text) + sum(1 for char in text if east_asian_width(char) in "WF")


def _pieces(text: str) -> list[str]:
    """Where a line may break: between words, and between two Chinese characters."""
    return re.findall(r"\s+|[^\s\u2e80-\uffef]+|[\u2e80-\uffef]", text)


class Formatter(argparse.HelpFormatter):
    """Help worded in the current language when it is shown, its columns counted in
    terminal cells (argparse counts characters, and Chinese ones are twice as wide)."""

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is not argparse.SUPPRESS:
            invocations = [self._format_action_invocation(action)]
            invocations += map(
                self._format_action_invocation, self._iter_indented_subactions(action)
            )
            length = max(map(cells, invocations)) + self._current_indent
            self._action_max_length = max(self._action_max_length, length)
            self._add_item(self._format_action, [action])

    def _format_action(self, action: argparse.Action) -> str:
        """argparse's layout, padded by cells: the header, then the help beside or under it."""
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent = " " * self._current_indent
        first = 0
        if not action.help:
            parts = [f"{indent}{header}\n"]
        elif cells(header) <= action_width:
            parts = [f"{indent}{header}{' ' * (action_width - cells(header))}  "]
        else:
            parts = [f"{indent}{header}\n"]
            first = help_position
        help_text = self._expand_help(action) if action.help and action.help.strip() else ""
        if help_text:
            lines = self._split_lines(help_text, help_width)
            parts.append(" " * first + lines[0] + "\n")
            parts += [" " * help_position + line + "\n" for line in lines[1:]]
        elif not parts[0].endswith("\n"):
            parts.append("\n")
        parts += map(self._format_action, self._iter_indented_subactions(action))
        return self._join_parts(parts)

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = self._whitespace_matcher.sub(" ", text).strip()
        lines: list[str] = []
        line = ""
        for piece in _pieces(text):
            if line and cells(line + piece.rstrip()) > width:
                lines.append(line.rstrip())
                line = "" if piece.isspace() else piece
            else:
                line += piece
        return [*lines, line.rstrip()] if line.strip() or not lines else lines

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(_(heading) if heading else heading)

    def add_text(self, text: str | None) -> None:
        if text and text is not argparse.SUPPRESS:
            text = _(text)
        super().add_text(text)

    def _get_default_metavar_for_positional(self, action: argparse.Action) -> str:
        return action.dest.upper()  # a word in capitals, translated like FILE

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return _(action.help) if action.help else action.help

    def _metavar_formatter(
        self, action: argparse.Action, default_metavar: str
    ) -> Callable[[int], tuple[str, ...]]:
        inner = super()._metavar_formatter(action, default_metavar)

        def format_(tuple_size: int) -> tuple[str, ...]:
            return tuple(shown_words(part) for part in inner(tuple_size))

        return format_


class Parser(argparse.ArgumentParser):
    """An argparse parser whose help is translated and whose usage error is one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        line = _("{message} (see {prog} --help)").format(message=message, prog=self.prog)
        self.exit(ExitCode.USAGE, f"sanwu: {line}\n")


def _action_name(argument: argparse.Action | None) -> str | None:
    """argparse's name of an argument in its errors, with a word metavar translated."""
    if argument is None or argument.option_strings:
        return _ACTION_NAME(argument)
    if argument.metavar is None and argument.dest and argument.dest is not argparse.SUPPRESS:
        return shown_words(argument.dest.upper())
    name = _ACTION_NAME(argument)
    return shown_words(name) if name else name


_ACTION_NAME = argparse._get_action_name
argparse._ = _  # type: ignore[attr-defined]
argparse.ngettext = ngettext  # type: ignore[attr-defined]
argparse._get_action_name = _action_name
