"""Import a legacy table (CSV or Excel) from inside the app, with a progress bar.

The file picker opens in the folder the last table came from and shows only tables.
When rows are rejected, their reasons (line, field, old column, why, in Chinese) are
listed in a table on the screen; Enter on one shows its row's reasons whole.

The screen only gathers the choices; ``client.legacy.importer.import_file`` does the
work in a thread worker, as ``sanwu import`` does, in one transaction: an error or
Esc while it runs leaves nothing behind. Progress and the outcome come back as
messages; the worker never touches a widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    Switch,
)
from textual.worker import Worker, WorkerState

from client.i18n import N_, _
from client.labels import field_name, kind_name
from client.legacy.importer import (
    ImportReport,
    NotATable,
    import_file,
    last_import_folder,
    remember_import_folder,
)
from client.legacy.reasons import not_a_table_text, problem_text, reason_text, skipped_text
from client.legacy.report import write_reject_report
from client.screens.base import AppScreen
from client.widgets.bindings import translate_bindings
from client.widgets.file_picker import TABLE_SUFFIXES, FilePicker
from models.kinds import KINDS, kind_spec

if TYPE_CHECKING:
    pass

IMPORTS_DIR = "imports"
"""Under the home: reject reports (they hold personal data, like the database)."""
MAX_SHOWN_PROBLEMS = 2_000
"""Reasons listed in the screen's table; the reject report holds them all."""


class ImportCancelled(Exception):
    """Esc while the import ran: its one transaction is rolled back."""


class ImportScreen(AppScreen[None]):
    """Choose a file, its kind, maybe a dry run; Start; watch the bar; read the outcome."""

    CSS_PATH = "import_file.tcss"
    AUTO_FOCUS = "#import-path"
    HELP = N_(
        "Import a legacy table: every row is checked like a typed entry; rows that fail go "
        "to a report, the rest is saved in one go (or nothing is)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "choose", "Choose file", id="import-choose", tooltip="Pick the file"),
        Binding("ctrl+s", "start", "Start", id="import-start", tooltip="Import the file"),
        Binding(
            "escape",
            "close",
            "Back",
            id="import-close",
            tooltip="Back (while importing: cancel, nothing is saved)",
        ),
    ]

    @dataclass
    class ImportProgressed(Message):
        """A batch of rows was checked and written; a newer one replaces an older one."""

        done: int
        total: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ImportScreen.ImportProgressed)

    @dataclass
    class ImportFinished(Message):
        """The import was committed (or, as a dry run, only checked)."""

        report: ImportReport
        reject_report: tuple[Path, ...]

    def __init__(
        self,
        *,
        kind: str = "disclosure",
        values: dict[str, Any] | None = None,
        start: Path | None = None,
    ) -> None:
        """``values``: fields for every row of the kinds that have them (a payment list's
        ``project_id``); ``start``: where the file picker opens (else the folder of the
        last import, else the home folder)."""
        super().__init__()
        translate_bindings(self)
        self.kind = kind
        self.values = dict(values or {})
        self.start = start
        self.reasons: dict[int, str] = {}
        """Line → its reasons, for the row of the table Enter opens."""
        self.running = False
        self.cancel_requested = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="import-form"):
            yield Static(_("Import a legacy table (CSV or Excel)"), classes="section-title")
            with Horizontal(classes="import-row"):
                yield Input(placeholder=_("Path of a CSV or Excel file"), id="import-path")
                yield Button(_("Choose…"), id="import-choose-button")
            with Horizontal(classes="import-row"):
                yield Label(_("Kind"), classes="import-label")
                yield Select(
                    [(kind_name(kind), kind) for kind in KINDS],
                    value=self.kind,
                    allow_blank=False,
                    id="import-kind",
                )
            with Horizontal(classes="import-row"):
                yield Label(_("Dry run: check only, save nothing"), classes="import-label")
                yield Switch(value=False, id="import-dry-run")
            yield Button(_("Start"), variant="primary", id="import-start-button")
            # Shown from the start of an import: idle, its animation reads as work going on.
            progress = ProgressBar(total=None, show_eta=False, id="import-progress")
            progress.display = False
            yield progress
            yield Static("", id="import-result")
            rejects: DataTable[str] = DataTable(
                id="import-rejects", cursor_type="row", zebra_stripes=True
            )
            rejects.display = False
            yield rejects
        yield Footer()

    # ---- choosing ------------------------------------------------------------------------

    def action_choose(self) -> None:
        """Pick the file to import."""
        if self.running:
            return

        def picked(path: Path | None) -> None:
            if path is not None:
                self.query_one("#import-path", Input).value = str(path)
                remember_import_folder(self.store, path.parent)

        start = self.start or last_import_folder(self.store) or Path.home()
        self.app.push_screen(FilePicker(start, suffixes=TABLE_SUFFIXES), picked)

    @on(Button.Pressed, "#import-choose-button")
    def _choose_pressed(self) -> None:
        self.action_choose()

    @on(Button.Pressed, "#import-start-button")
    @on(Input.Submitted, "#import-path")
    def _start_asked(self) -> None:
        self.action_start()

    # ---- running -------------------------------------------------------------------------

    def action_start(self) -> None:
        """Import the chosen file in a worker; the bar follows it."""
        if self.running:
            return
        identity = self.store.identity
        if identity is not None and identity.role == "support":
            self._show(_("Support devices only read records."), error=True)
            return
        text = self.query_one("#import-path", Input).value.strip()
        if not text:
            self._show(_("Choose a file first (Ctrl+O)."), error=True)
            return
        kind = str(self.query_one("#import-kind", Select).value)
        fields = kind_spec(kind).field_types
        values = {name: value for name, value in self.values.items() if name in fields}
        if kind == "subsidy_payment" and not values.get("project_id"):
            self._show(
                _("Payments go into a project: choose it on the Subsidies screen, then press i."),
                error=True,
            )
            return
        dry_run = self.query_one("#import-dry-run", Switch).value
        path = Path(text).expanduser()
        if path.parent.is_dir():
            remember_import_folder(self.store, path.parent.resolve())
        self._show_rejects(None)
        self.running = True
        self.cancel_requested = False
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._show(_("Reading the file…"))
        self._set_enabled(False)
        self.run_import(path, kind, dry_run, values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def run_import(
        self, path: Path, kind: str, dry_run: bool, values: dict[str, Any]
    ) -> ImportReport:
        """The whole import, off the screen's thread: one transaction, then the report."""

        def progressed(done: int, total: int) -> None:
            if self.cancel_requested:
                raise ImportCancelled()
            self.post_message(self.ImportProgressed(done, total))

        report = import_file(
            self.store, path, kind, values=values, dry_run=dry_run, progress=progressed
        )
        written: tuple[Path, ...] = ()
        if report.rejects:
            folder = self.store.home / IMPORTS_DIR
            folder.mkdir(parents=True, exist_ok=True)
            written = write_reject_report(report, folder / f"{path.stem}.rejects")
        self.post_message(self.ImportFinished(report, written))
        return report

    def on_import_screen_import_progressed(self, message: ImportProgressed) -> None:
        self.query_one("#import-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )
        if message.done < message.total:
            text = _("Checking and writing: {done} of {total} rows…")
        else:
            text = _("Saving {total} rows…")
        self._show(text.format(done=message.done, total=message.total))

    def on_import_screen_import_finished(self, message: ImportFinished) -> None:
        report = message.report
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=max(report.rows, 1), progress=max(report.rows, 1))
        counts = {
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
        }
        if report.dry_run:
            lines = [
                _(
                    "Dry run, nothing saved: of {rows} rows {created} would be new, {updated} "
                    "would be updated, {unchanged} are unchanged, {rejected} rejected."
                ).format(**counts)
            ]
        else:
            lines = [
                _(
                    "Done: of {rows} rows {created} new, {updated} updated, {unchanged} "
                    "unchanged, {rejected} rejected. They go to central with the next sync."
                ).format(**counts)
            ]
        if report.skipped:
            lines.append(skipped_text(report.skipped))
        if report.rejects:
            lines.append(
                _("Why rows were rejected: the table below (Enter shows a row's whole reasons).")
            )
        if message.reject_report:
            lines.append(
                _("Rejected rows and why (holds personal data, keep it safe): {paths}").format(
                    paths=", ".join(str(path) for path in message.reject_report)
                )
            )
        self._show("\n".join(lines), error=False)
        self._show_rejects(report)

    def _show_rejects(self, report: ImportReport | None) -> None:
        """The rejected rows' reasons as a table, one line per problem (hidden when none)."""
        table: DataTable[str] = self.query_one("#import-rejects", DataTable)
        table.clear(columns=True)
        self.reasons = {}
        table.display = bool(report and report.rejects)
        if report is None or not report.rejects:
            return
        table.add_columns(_("Line"), _("Field"), _("Old column"), _("Reason"))
        shown = 0
        for reject in report.rejects:
            texts = [problem_text(report.kind, problem) for problem in reject.problems]
            self.reasons[reject.line] = "\n".join(texts)
            for problem in reject.problems:
                if shown >= MAX_SHOWN_PROBLEMS:
                    break
                field = field_name(report.kind, problem.field) if problem.field else ""
                table.add_row(
                    str(reject.line), field, problem.column, reason_text(problem), key=f"{shown}"
                )
                shown += 1

    @on(DataTable.RowSelected, "#import-rejects")
    def _open_reject(self, event: DataTable.RowSelected) -> None:
        """Enter on a reason: the whole of its row's reasons (long ones are cut in the table)."""
        line = int(str(event.data_table.get_row(event.row_key)[0]))
        self.notify(
            self.reasons.get(line, ""),
            title=_("Line {line}").format(line=line),
            timeout=15,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where a failed import becomes a visible message (the app's
        general one, ``AppScreen``'s, is not asked)."""
        if event.worker.group == "import":
            event.prevent_default()
        if event.worker.group != "import" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        self.running = False
        self._set_enabled(True)
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = False
        if isinstance(error, ImportCancelled):
            self._show(_("Import cancelled: nothing was saved."), error=True)
        elif isinstance(error, NotATable):
            self._show(
                _("Not imported, nothing was saved: {reason}").format(
                    reason=not_a_table_text(error)
                ),
                error=True,
            )
        else:
            self._show(
                _("Import failed, nothing was saved: {what}").format(what=type(error).__name__),
                error=True,
            )

    # ---- leaving -------------------------------------------------------------------------

    def action_close(self) -> None:
        """Back to where the import was opened; while it runs, cancel it instead."""
        if self.running:
            self.cancel_requested = True
            self._show(_("Cancelling…"), error=True)
            return
        self.dismiss(None)

    # ---- helpers -------------------------------------------------------------------------

    def _show(self, text: str, *, error: bool = False) -> None:
        result = self.query_one("#import-result", Static)
        result.update(text)
        result.set_class(error, "error")

    def _set_enabled(self, enabled: bool) -> None:
        for wid in ("#import-path", "#import-choose-button", "#import-kind", "#import-dry-run"):
            self.query_one(wid).disabled = not enabled
        self.query_one("#import-start-button").disabled = not enabled
