"""Bindings in the current language: Textual reads a binding's description and tooltip
as they were declared (English msgids, at class level, before a language is chosen)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.binding import BindingsMap

from client.i18n import _

__all__ = ["translate_bindings", "translate_widget_bindings"]


def _translated(bindings: BindingsMap) -> BindingsMap:
    keys = {
        key: [
            replace(binding, description=_(binding.description), tooltip=_(binding.tooltip))
            for binding in listed
        ]
        for key, listed in bindings.key_to_bindings.items()
    }
    return BindingsMap.from_keys(keys)


def translate_bindings(node: Any) -> None:
    """Show a node's binding descriptions and tooltips in the current language.

    Bindings are declared with English msgids at class level (before the language
    is chosen); each screen calls this once in ``__init__``.
    """
    node._bindings = _translated(node._bindings)


def translate_widget_bindings(*classes: Any) -> None:
    """Textual's own widgets (a dropdown's open menu) name their keys in the current
    language too: each instance copies its class's merged bindings when made, so the
    class's are translated once, when the app starts."""
    for cls in classes:
        if cls._merged_bindings is not None:
            cls._merged_bindings = _translated(cls._merged_bindings)
