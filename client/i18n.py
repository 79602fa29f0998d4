"""The translation catalogue: every visible string goes through ``_``.

Catalogues are gettext .po files under client/locale/<lang>/LC_MESSAGES/sanwu.po
(msgids are English). They are read directly, so no compile step is needed
on a village PC; zh_CN is the default language, English is the msgids.
"""

from __future__ import annotations

import ast
import os
from functools import cache
from importlib import resources

DEFAULT_LANG = "zh_CN"
ENV_LANG = "SANWU_LANG"
_current = DEFAULT_LANG


def _unquote(text: str) -> str:
    value = ast.literal_eval(text)
    assert isinstance(value, str)
    return value


@cache
def load_po(lang: str) -> dict[str, str]:
    """msgid -> msgstr of one language (plain entries; empty msgstr means untranslated)."""
    path = resources.files("client").joinpath("locale", lang, "LC_MESSAGES", "sanwu.po")
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


def _(message: str) -> str:
    if _current == "en" or not message:
        return message
    return load_po(_current).get(message, message)


def N_(message: str) -> str:
    """Mark a msgid for the catalogue without translating it yet (translated when shown)."""
    return message


def label(kind: str, field: str, code: str) -> str:
    """The shown name of a choice code: the Chinese label in zh_CN, the code's msgid in English."""
    from models.kinds import kind_spec

    if not code:
        return ""
    if _current == "en":
        return code.replace("_", " ")
    return kind_spec(kind).choices(field).get(code, code) or code
