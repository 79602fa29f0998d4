"""Bindings in the current language: Textual reads a binding's description and tooltip
as they were declared (English msgids, at class level, before a language is chosen)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.binding import BindingsMap

from client.i18n import _

__all__ = ["translate_bindings"]


def translate_bindings(node: Any) -> None:
    """Show a node's binding descriptions and tooltips in the current language.

    Bindings are declared with English msgids at class level (before the language
    is chosen); each screen calls this once in ``__init__``.
    """
    keys = {
        key: [
            replace(binding, description=_(binding.description), tooltip=_(binding.tooltip))
            for binding in bindings
        ]
        for key, bindings in node._bindings.key_to_bindings.items()
    }
    node._bindings = BindingsMap.from_keys(keys)
