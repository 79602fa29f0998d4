"""Unlocking the local data, and the notice a revoked device shows.

Not wired into the app yet (app.py belongs to the UI work): push ``UnlockScreen(store)``
when ``store.locked`` at start (its result is True once unlocked, False on cancel), and
show ``RevokedScreen()`` when a sync round raises ``sync.errors.DeviceRevoked``.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from client.crypto import BadPassphrase
from client.errors import REVOKED_MESSAGE
from client.i18n import _
from client.store import Store


class UnlockScreen(ModalScreen[bool]):
    """Ask for the passphrase once; scrypt runs in a thread, the screen stays responsive."""

    DEFAULT_CSS = """
    UnlockScreen { align: center middle; }
    UnlockScreen > Vertical { width: 60; height: auto; border: round $accent; padding: 1 2; }
    UnlockScreen #unlock-error { color: $error; }
    """

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.new = not store.has_data_key()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                _("Choose a passphrase for the local data (at least 8 characters)")
                if self.new
                else _("Passphrase for the local data")
            )
            yield Input(password=True, id="unlock-passphrase")
            if self.new:
                yield Input(password=True, placeholder=_("again"), id="unlock-again")
            yield Static("", id="unlock-error")
            yield Button(_("Unlock"), variant="primary", id="unlock-go")

    def _error(self, text: str) -> None:
        self.query_one("#unlock-error", Static).update(text)

    @on(Input.Submitted)
    @on(Button.Pressed, "#unlock-go")
    def submit(self) -> None:
        passphrase = self.query_one("#unlock-passphrase", Input).value
        if self.new:
            again = self.query_one("#unlock-again", Input).value
            if len(passphrase) < 8:
                self._error(_("At least 8 characters, please"))
                return
            if again != passphrase:
                self._error(_("The two did not match"))
                return
        self._error(_("Unlocking…"))
        self.unlock(passphrase)

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def unlock(self, passphrase: str) -> None:
        try:
            self.store.unlock(passphrase)
        except BadPassphrase:
            self.app.call_from_thread(self._error, _("Wrong passphrase"))
            return
        self.app.call_from_thread(self.dismiss, True)


class RevokedScreen(ModalScreen[None]):
    """This device was revoked: it no longer syncs; local data is kept."""

    DEFAULT_CSS = """
    RevokedScreen { align: center middle; }
    RevokedScreen > Vertical { width: 70; height: auto; border: round $error; padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_(REVOKED_MESSAGE))
            yield Button(_("OK"), id="revoked-ok")

    @on(Button.Pressed, "#revoked-ok")
    def close(self) -> None:
        self.dismiss(None)
