"""The translation marker of the shared models: labels are English msgids, translated by
whoever shows them (the client's catalogue), so ``models`` never imports the client."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a msgid for the catalogue; it is translated where it is shown."""
    return message
