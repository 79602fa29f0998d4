"""Pick a file from the disk (a legacy table to import, a photo of the notice board)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Footer, Input, Static

from client.i18n import _
from client.widgets.bindings import translate_bindings

TABLE_SUFFIXES = frozenset({".csv", ".xlsx", ".xls", ".ods"})
"""What an import reads: the picker shows only these when it is choosing a table."""


class FileTree(DirectoryTree):
    """A directory tree without hidden files (a clerk never means ``.cache``), and with
    ``suffixes`` only the files that end so (folders always, to walk through)."""

    def __init__(self, path: Path, *, suffixes: frozenset[str] | None = None, id: str) -> None:
        super().__init__(path, id=id)
        self.suffixes = suffixes

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (self.suffixes is None or path.suffix.lower() in self.suffixes or _is_dir(path))
        ]


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a folder we may not read: not worth showing
        return False


class FilePicker(ModalScreen[Path | None]):
    """A directory tree to choose one file; Enter on a file picks it, Escape gives up.

    ``start`` is the folder it opens in (the home folder when that is gone); with
    ``suffixes`` it shows only such files, and says so."""

    DEFAULT_CSS = """
    FilePicker { align: center middle; }
    FilePicker > Vertical {
        width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    FilePicker DirectoryTree { height: 1fr; }
    FilePicker Input { margin: 0; }
    FilePicker #picker-filter { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker-cancel", tooltip="Close without a file"),
    ]

    def __init__(self, start: Path, *, suffixes: frozenset[str] | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.start = start if _is_dir(start) else Path.home()
        self.suffixes = suffixes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Choose a file (Enter), or type a path and press Enter"))
            if self.suffixes:
                yield Static(
                    _("Showing only {suffixes} files, and no hidden ones.").format(
                        suffixes=" ".join(sorted(self.suffixes))
                    ),
                    id="picker-filter",
                )
            yield Input(placeholder=_("Path of a file"), id="path")
            yield FileTree(self.start, suffixes=self.suffixes, id="tree")
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
