"""Edit, delete and history of the record chosen on a list, for every kind alike.

Whether a key is offered is the one rule's answer (``Store.refusal_of``, which runs
``models.rules.permissions.check_change`` on the record as stored): a role or a moment
that may not edit or delete a record is not shown the key, in the footer or in F1. A
delete asks first (``ConfirmScreen``) and is one transaction; Escape or n leaves the
record as it was."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from client.errors import RuleRefused, StoreError
from client.i18n import _
from client.labels import kind_name, refusal_text
from client.screens.base import AppScreen
from client.screens.form import FormField
from client.screens.record_history import RecordHistoryScreen
from client.widgets.confirm import ConfirmScreen
from models.kinds import kind_spec
from models.visibility import hidden_fields

__all__ = ["ask_delete", "editable_fields", "may_delete", "may_edit", "show_history"]


def editable_fields(store_role: str, kind: str, fields: Sequence[FormField]) -> list[FormField]:
    """A form's fields less those the role does not see (a clue's reporter for a town):
    they are not shown, so not sent either."""
    hidden = hidden_fields(kind_spec(kind), store_role) if store_role else frozenset()
    return [spec for spec in fields if spec.name not in hidden]


def may_edit(screen: AppScreen[Any], record_id: str | None, fields: Sequence[str]) -> bool:
    """Whether this device may change ``fields`` of the record (the one rule says)."""
    if record_id is None:
        return False
    try:
        return screen.store.refusal_of(record_id, fields) is None
    except StoreError:
        return False


def may_delete(screen: AppScreen[Any], record_id: str | None) -> bool:
    """Whether this device may delete the record (the one rule says)."""
    if record_id is None:
        return False
    try:
        return screen.store.refusal_of(record_id, deleting=True) is None
    except StoreError:
        return False


def ask_delete(
    screen: AppScreen[Any],
    record_id: str,
    what: str,
    done: Callable[[], None],
    *,
    question: str = "",
) -> None:
    """Ask before deleting the record (``what`` names it for people, or ``question`` is
    the kind's own); delete it in one transaction on yes, then ``done``; no or Escape
    leaves it."""
    kind, _record = screen.store.get(record_id)

    def answered(delete: bool | None) -> None:
        if not delete:
            return
        try:
            screen.store.delete(record_id)
        except RuleRefused as exc:
            screen.notify(refusal_text(exc.kind, exc.refusal), severity="error")
            return
        except StoreError as exc:
            screen.notify(str(exc), severity="error")
            return
        screen.notify(_("{kind} deleted; it will sync.").format(kind=kind_name(kind)))
        done()

    question = question or _(
        "Delete this {kind}: {what}? It is deleted on every device at the next sync."
    ).format(kind=kind_name(kind), what=what)
    screen.app.push_screen(ConfirmScreen(question, yes=_("Delete"), no=_("Keep it")), answered)


def show_history(screen: AppScreen[Any], record_id: str | None) -> None:
    """Open the record's whole history (this computer's entries and central's)."""
    if record_id is not None:
        screen.app.push_screen(RecordHistoryScreen(record_id))
