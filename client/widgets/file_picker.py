"""Pick a file from the disk (a photo of the notice board, a scanned document)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Footer, Input, Static

from client.i18n import _
from client.widgets.bindings import translate_bindings


class FilePicker(ModalScreen[Path | None]):
    """A directory tree to choose one file; Enter on a file picks it, Escape gives up."""

    DEFAULT_CSS = """
    FilePicker { align: center middle; }
    FilePicker > Vertical {
        width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    FilePicker DirectoryTree { height: 1fr; }
    FilePicker Input { margin: 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker-cancel", tooltip="Close without a file"),
    ]

    def __init__(self, start: Path) -> None:
        super().__init__()
        translate_bindings(self)
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Choose a file (Enter), or type a path and press Enter"))
            yield Input(placeholder=_("Path of a file"), id="path")
            yield DirectoryTree(self.start, id="tree")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DirectoryTree).focus()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(Path(event.path))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = Path(event.value).expanduser()
        if path.is_file():
            self.dismiss(path)
        else:
            self.notify(_("No such file."), severity="warning")

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
