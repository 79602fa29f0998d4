"""The translation catalogue of the client: every visible string goes through ``_``.

The catalogue itself (client/locale/<lang>/LC_MESSAGES/sanwu.po, msgids English, zh_CN
the default) is read by ``models.i18n``, so central's command line reads the same one;
this module adds what only the client shows (the labels of choice codes).
"""

from __future__ import annotations

from models.i18n import (
    DEFAULT_LANG,
    ENV_LANG,
    N_,
    _,
    language,
    load_po,
    ngettext,
    set_language,
)

__all__ = [
    "DEFAULT_LANG",
    "ENV_LANG",
    "N_",
    "_",
    "label",
    "language",
    "load_po",
    "ngettext",
    "set_language",
]


def label(kind: str, field: str, code: str) -> str:
    """The shown name of a choice code: the Chinese label in zh_CN, the code's msgid in English."""
    from models.kinds import kind_spec

    if not code:
        return ""
    if language() == "en":
        return code.replace("_", " ")
    return kind_spec(kind).choices(field).get(code, code) or code
