"""One disclosure: every field, and its version history (who, when, what changed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static

from client.attachments import PENDING, WANTED, Attachments
from client.errors import RuleRefused
from client.i18n import _, label
from client.labels import field_name, refusal_text, shown
from client.screens.disclosure_form import DisclosureForm
from client.screens.record_actions import ask_delete, may_delete
from client.screens.record_history import HistoryHolder
from client.widgets.literal import literal
from client.widgets.value_dialog import ValueDialog
from client.widgets.written import WrittenScreen
from models.kinds import kind_spec
from models.rules.disclosures import TRANSITIONS, Status, Step

DETAIL_FIELDS = kind_spec("disclosure").fields
"""Every declared field, in the declared order."""


def shown_value(field: str, value: Any) -> str:
    return shown("disclosure", field, value)


def _name(field: str) -> str:
    return field_name("disclosure", field)


class DisclosureDetail(HistoryHolder):
    """Read one disclosure and its history; e edits it; u, a, x and w take its review's
    steps (only those this device may take are offered)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Edit", id="detail-edit", tooltip="Edit this disclosure"),
        Binding("u", "review('submit')", "Submit", id="detail-submit", tooltip="Submit for review"),
        Binding(
            "a", "review('approve')", "Publish", id="detail-approve", tooltip="Publish after review"
        ),
        Binding(
            "x", "review('return')", "Return", id="detail-return", tooltip="Return with an opinion"
        ),
        Binding(
            "w",
            "review('withdraw')",
            "Withdraw",
            id="detail-withdraw",
            tooltip="Withdraw the published disclosure",
        ),
        Binding(
            "f",
            "fetch",
            "Fetch files",
            id="detail-fetch",
            tooltip="Fetch this disclosure's attachments from central at the next sync",
        ),
        Binding(
            "o",
            "copy_out",
            "Copy files out",
            id="detail-copy-out",
            show=False,  # in F1: a reviewer's keys and Escape fill the footer at 80 columns
            tooltip="Write plain copies of the attachments here to open or print",
        ),
        Binding(
            "d",
            "delete",
            "Delete",
            id="detail-delete",
            tooltip="Delete this disclosure (asks first)",
        ),
        Binding("escape", "back", "Back", id="detail-back", tooltip="Back to the list"),
        Binding("f1", "app.help", "Help", id="detail-help", tooltip="Keys of this screen"),
    ]

    def __init__(self, record_id: str) -> None:
        super().__init__(record_id)
        self.kind = "disclosure"
        self.record: dict[str, Any] = {}

    def on_mount(self) -> None:
        self.refresh_data()
        self.fetch_history()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        """Read the record and its history again."""
        _kind, record = self.sanwu.store.get(self.record_id)
        self.record = record
        self.refresh_bindings()
        text = Text(end="")
        for field in DETAIL_FIELDS:
            text.append(_name(field), style="bold").append("：")
            text.append_text(literal(shown_value(field, record.get(field)))).append("\n")
        version = record["version"]
        text.append(_("Version"), style="bold").append("：")
        text.append(str(version) if version else _("not synced"))
        for line in self._attachment_lines(record.get("attachments") or []):
            text.append("\n").append_text(literal(line))
        self.query_one("#detail-fields", Static).update(text)
        self.show_history()

    def _attachment_lines(self, digests: list[str]) -> list[str]:
        files = Attachments(self.sanwu.store)
        lines = []
        for digest in digests:
            info = files.info(digest)
            if info is not None and info.state == WANTED:
                where = _("fetching at the next sync")
            elif files.here(digest):
                where = _("here") if info is None or info.state != PENDING else _("here, to upload")
            else:
                where = _("on central (f fetches it)")
            parts = [digest[:12], info.name if info is not None else "", where]
            lines.append("  " + "  ".join(part for part in parts if part))
        return lines

    def _digests(self) -> list[str]:
        _kind, record = self.sanwu.store.get(self.record_id)
        return list(record.get("attachments") or [])

    def action_fetch(self) -> None:
        """Fetch this disclosure's attachments from central at the next sync."""
        asked = Attachments(self.sanwu.store).want(self._digests())
        if not asked:
            self.notify(_("Every attachment is here already."))
            return
        self.notify(_("{n} files will be fetched with the next sync.").format(n=asked))
        self.refresh_data()
        self.sanwu.action_sync()

    def action_copy_out(self) -> None:
        """Write plain copies of the attachments here to open or print."""
        files = Attachments(self.sanwu.store)
        folder = self.sanwu.store.home / "exports" / "attachments"
        written: list[Path] = []
        missing = 0
        for digest in self._digests():
            if not files.here(digest):
                missing += 1
                continue
            written.append(files.open_copy(digest, folder))
        if written:
            self.app.push_screen(
                WrittenScreen(_("Plain copies written, to open or print:"), written)
            )
        if missing:
            self.notify(
                _("{n} files are only on central: press f to fetch them.").format(n=missing),
                severity="warning",
            )
        if not written and not missing:
            self.notify(_("This disclosure has no attachments."))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete":
            return bool(self.record) and may_delete(self, self.record_id)
        if action not in ("edit", "review") or not self.record:
            return True
        store = self.sanwu.store
        identity = store.identity
        if identity is None or identity.role == "support":
            return False
        status = Status(str(self.record.get("status") or "draft"))
        reviewer = store.review.reviews(str(self.record["org_code"]))
        if action == "edit":
            return reviewer or status in (Status.DRAFT, Status.RETURNED)
        step = TRANSITIONS[Step(str(parameters[0]))]
        return status in step.sources and (reviewer or not step.reviewer)

    def action_review(self, step: str) -> None:
        """Take a step of this disclosure's review (a return asks for the opinion)."""
        chosen = Step(step)
        if chosen is Step.RETURN:

            def noted(reason: str | None) -> None:
                if reason is not None:
                    self._take(chosen, reason)

            self.app.push_screen(ValueDialog(_("Return: what should be corrected?"), ""), noted)
            return
        self._take(chosen)

    def _take(self, step: Step, reason: str = "") -> None:
        try:
            done = self.sanwu.store.review.step(
                self.record_id, step, today=self.sanwu.today(), reason=reason
            )
        except RuleRefused as exc:
            self.notify(refusal_text(exc.kind, exc.refusal), severity="error")
            return
        self.notify(label("disclosure", "status", str(done["status"])))
        self.refresh_data()

    def action_delete(self) -> None:
        """Delete this disclosure, after asking; back to the list once deleted."""
        what = f"{self.record.get('period') or ''} {self.record.get('title') or ''}".strip()
        ask_delete(self, self.record_id, what, self._deleted)

    def _deleted(self) -> None:
        self.dismiss(None)

    def action_edit(self) -> None:
        """Edit this disclosure."""
        _kind, record = self.sanwu.store.get(self.record_id)
        self.app.push_screen(
            DisclosureForm(today=self.sanwu.today(), record_id=self.record_id, values=record)
        )

    def action_back(self) -> None:
        """Back to the list."""
        self.dismiss(None)
