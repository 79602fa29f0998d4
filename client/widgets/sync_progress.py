"""The running sync round: a bar for the ops being sent, and the figures so far."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from client.i18n import _
from sync.progress import Progress


def kib(n: int) -> str:
    return f"{n / 1024:,.1f} KB"


class SyncProgressPanel(Vertical):
    """Shows ``sync.engine.Progress`` as it arrives; the app feeds it."""

    DEFAULT_CSS = """
    SyncProgressPanel { height: auto; padding: 0 1; }
    SyncProgressPanel ProgressBar { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        # Hidden until a round reports: an empty bar reads as a stalled one, and an
        # indeterminate one (total None) as one half-way.
        bar = ProgressBar(total=1, show_eta=False, id="sync-bar-progress")
        bar.display = False
        yield bar
        yield Static(_("No sync running."), id="sync-figures")

    def show(self, progress: Progress, total_ops: int) -> None:
        bar = self.query_one(ProgressBar)
        bar.display = True
        if progress.phase == "push" and total_ops:
            bar.update(total=total_ops, progress=min(progress.pushed, total_ops))
        elif progress.phase == "done":
            bar.update(total=1, progress=1)
        else:
            bar.update(total=None)
        phase = {
            "push": _("sending"),
            "pull": _("receiving"),
            "files": _("attachments"),
            "done": _("finished"),
        }
        self.query_one("#sync-figures", Static).update(
            _(
                "{phase}: ops sent {pushed}/{total}, records received {pulled}, "
                "bytes sent {sent}, received {received}"
            ).format(
                phase=phase.get(progress.phase, progress.phase),
                pushed=progress.pushed,
                total=total_ops,
                pulled=progress.pulled,
                sent=kib(progress.bytes_sent),
                received=kib(progress.bytes_received),
            )
        )
