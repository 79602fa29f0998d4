"""The one translation catalogue, read by both ends: the client's screens and commands and
central's command line.

Labels and messages are English msgids, translated by whoever shows them; models mark
them with ``N_``. The catalogue is a gettext .po file, client/locale/<lang>/LC_MESSAGES/
sanwu.po (where translators and the tools look), read here as a data file, never
imported: so central's command line speaks the same words without importing the client.
It is read directly, so no compile step is needed on a village PC; zh_CN is the default
language, English is the msgids.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

__all__ = [
    "DEFAULT_LANG",
    "ENV_LANG",
    "N_",
    "_",
    "language",
    "language_in",
    "load_po",
    "ngettext",
    "set_language",
]

DEFAULT_LANG = "zh_CN"
ENV_LANG = "SANWU_LANG"
LOCALE = Path(__file__).resolve().parent.parent / "client" / "locale"
"""Where the catalogues live: the client's package data, shipped in the same wheel."""

_current = DEFAULT_LANG


def N_(message: str) -> str:
    """Mark a msgid for the catalogue; it is translated where it is shown."""
    return message


def _unquote(text: str) -> str:
    """A .po string's value; most have no escapes, so the parser is needed rarely (a
    scheduled run reads the catalogue for argparse's own words: keep it quick)."""
    if "\\" not in text:
        return text[1:-1]
    import ast

    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


@cache
def load_po(lang: str) -> dict[str, str]:
    """msgid -> msgstr of one language (plain entries; empty msgstr means untranslated)."""
    path = LOCALE / lang / "LC_MESSAGES" / "sanwu.po"
    if not path.is_file():
        return {}
    catalogue: dict[str, str] = {}
    msgid: list[str] = []
    msgstr: list[str] = []
    target: list[str] | None = None

    def flush() -> None:
        if msgid and "".join(msgstr):
            catalogue["".join(msgid)] = "".join(msgstr)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [_unquote(line[6:])], []
            target = msgid
        elif line.startswith("msgstr "):
            msgstr = [_unquote(line[7:])]
            target = msgstr
        elif line.startswith('"') and target is not None:
            target.append(_unquote(line))
    flush()
    return catalogue


def set_language(lang: str | None) -> str:
    """Choose the language: the argument, else SANWU_LANG, else zh_CN."""
    global _current
    chosen = lang or os.environ.get(ENV_LANG) or DEFAULT_LANG
    _current = "en" if chosen.lower().startswith("en") else DEFAULT_LANG
    return _current


def language() -> str:
    return _current


def language_in(argv: Sequence[str]) -> str | None:
    """The ``--lang`` a command line gives, read before its parser is built (the parser's
    help is worded in it), or None."""
    for at, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and at + 1 < len(argv):
            return argv[at + 1]
        if arg.startswith("--lang="):
            return arg[len("--lang=") :]
    return None


def _(message: str) -> str:
    if _current == "en" or not message:
        return message
    return load_po(_current).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The catalogue holds one form per msgid (Chinese has one): the English form chosen
    by ``n`` is the msgid."""
    return _(singular if n == 1 else plural)
