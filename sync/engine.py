"""One sync round as a pipeline: push every pending op in batches, then pull pages
until caught up. Every step commits before the next, so a cut anywhere leaves a
state the next round continues from: an op leaves the outbox only with central's
answer, and the cursor moves only with the page it covers.

Each pull sends the check central gave with the cursor; a central restored from an
older backup answers ``behind`` (it lacks the change the cursor names). The round then
rewinds to the newest cursor central still holds, queues again what this device made
since, pushes it, and pulls from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from models.i18n import _
from sync.attachments import AttachmentSide, AttachmentTransfer, FileCounts
from sync.batching import BatchSizer
from sync.central_api import CentralAPI
from sync.errors import LinkTimeout, PayloadTooLarge, SyncError, TransportError
from sync.progress import Progress, RoundReport
from sync.protocol import AUDIT_MAX_LINKS, AuditLink, Op, OpResult, OpStatus, PullResponse
from sync.transport import Traffic

MAX_PUSHES = 100_000
"""A bound on one round's push loop: every push moves the outbox or the audit position on."""
MAX_PULL_PAGES = 100_000
"""A bound on one round's pull loop; central's cursor always advances, so it is never hit."""


class SyncStore(Protocol):
    """What the engine needs from the local store."""

    def pending_ops(self, *, after_seq: int, limit: int) -> list[tuple[int, Op]]: ...

    def mark_attempt(self, op_ids: Sequence[str]) -> None: ...

    def note_error(self, op_ids: Sequence[str], error: str) -> None: ...

    def apply_push_results(self, ops: Sequence[Op], results: Sequence[OpResult]) -> int: ...

    def cursor(self) -> int: ...

    def cursor_check(self) -> str | None: ...

    def cursor_journal(self) -> list[tuple[int, str]]: ...

    def apply_pull(self, page: PullResponse) -> int: ...

    def central_behind(self, verified: int, check: str | None) -> int: ...

    def audit_segment(self, *, limit: int) -> list[AuditLink]: ...

    def ack_audit(self, last_id: int) -> None: ...

    def push_batch_size(self) -> int | None: ...

    def set_push_batch_size(self, size: int) -> None: ...


class SyncEngine:
    def __init__(
        self,
        store: SyncStore,
        api: CentralAPI,
        *,
        push_batch: int | None = None,
        pull_page: int = 2000,
        on_progress: Callable[[Progress], None] | None = None,
        attachments: AttachmentSide | None = None,
    ) -> None:
        self.store = store
        self.attachments = attachments
        self.api = api
        self.sizer = BatchSizer(push_batch or store.push_batch_size() or BatchSizer.size)
        self.pull_page = pull_page
        self.on_progress = on_progress
        self._start = Traffic()
        self.report = RoundReport()
        """The current (or last) round's figures, partial when the round failed."""
        self._refused: dict[str, int] = {}
        """This round's ops central refused, by record (``_moved_away`` reads them)."""

    def _report_progress(self, phase: str, report: RoundReport) -> None:
        traffic = self.api.transport.traffic
        report.bytes_sent = traffic.bytes_sent - self._start.bytes_sent
        report.bytes_received = traffic.bytes_received - self._start.bytes_received
        report.requests = traffic.requests - self._start.requests
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    phase, report.pushed, report.pulled, report.bytes_sent, report.bytes_received
                )
            )

    def push(self, report: RoundReport) -> None:
        """Push pending ops oldest first; each op goes at most once in a round. The batch
        grows while pushes are quick and halves (for the next round) after a timeout or
        a 413; the size is kept with the store."""
        after = 0
        try:
            for _push in range(MAX_PUSHES):
                batch = self.store.pending_ops(after_seq=after, limit=self.sizer.size)
                audit = self._audit_links()
                if not batch and len(audit) <= 1:  # at most the anchor: nothing new to check
                    return
                if batch:
                    after = batch[-1][0]
                ops = [op for _seq, op in batch]
                op_ids = [op.op_id for op in ops]
                if op_ids:
                    self.store.mark_attempt(op_ids)
                started = time.perf_counter()
                try:
                    answer = self.api.push(ops, audit=audit)
                except SyncError as exc:
                    if isinstance(exc, LinkTimeout | PayloadTooLarge):
                        self.sizer.failed()
                    if op_ids:
                        self.store.note_error(op_ids, f"{type(exc).__name__}: {exc}")
                    raise
                self.sizer.succeeded(time.perf_counter() - started)
                if audit:
                    self.store.ack_audit(audit[-1].id)
                report.conflicts += self.store.apply_push_results(ops, answer.results)
                report.pushed += sum(r.status is not OpStatus.REJECTED for r in answer.results)
                report.rejected += sum(r.status is OpStatus.REJECTED for r in answer.results)
                self._note_refused(ops, answer.results)
                self._report_progress("push", report)
        finally:
            self.store.set_push_batch_size(self.sizer.size)

    def _audit_links(self) -> list[AuditLink]:
        """The audit chain since central's last acknowledgement (anchor first), for central
        to check: a gap or an edited entry becomes a finding there."""
        links = self.store.audit_segment(limit=min(self.sizer.size, AUDIT_MAX_LINKS))
        # Only the ends carry their hash: central recomputes the rest (saves ~40 B an entry).
        return [
            link if index in (0, len(links) - 1) else link.model_copy(update={"hash": None})
            for index, link in enumerate(links)
        ]

    def pull(self, report: RoundReport) -> None:
        """Pull pages until caught up. When central answers that its log is behind this
        device (restored from an older backup), rewind and send again (``rewind``), then
        pull from there: once a round."""
        if self._pull_pages(report):
            self.rewind()
            self.push(report)
            if self._pull_pages(report):
                raise TransportError(_("central's log is behind this device again; try later"))

    def _pull_pages(self, report: RoundReport) -> bool:
        """Pull until caught up; True when central answered ``behind`` instead."""
        cursor, check = self.store.cursor(), self.store.cursor_check()
        for _page in range(MAX_PULL_PAGES):
            page = self.api.pull(cursor, self.pull_page, check)
            if page.behind:
                return True
            report.pulled += self.store.apply_pull(page)
            self._moved_away(page, report)
            cursor, check = page.cursor, page.cursor_check
            self._report_progress("pull", report)
            if not page.more:
                return False
        return False

    def rewind(self) -> None:
        """Find the newest cursor of the journal central still holds (a bisection: it
        holds every change up to its backup and none of this device's later ones), then
        have the store queue again what this device made after it (``central_behind``)."""
        journal = self.store.cursor_journal()
        low, high = 0, len(journal)  # journal[:low] held, journal[high:] not
        while low < high:
            middle = (low + high) // 2
            cursor, check = journal[middle]
            if self.api.pull(cursor, 1, check).behind:
                high = middle
            else:
                low = middle + 1
        if low:
            self.store.central_behind(*journal[low - 1])
        else:
            self.store.central_behind(0, None)

    def files(self, report: RoundReport) -> None:
        """Attachments last: records are small and what people wait for; a photo on a
        slow line may take minutes, and a cut resumes where central says next round."""
        if self.attachments is None:
            return
        counts = FileCounts()
        mover = AttachmentTransfer(
            self.api, self.attachments, on_chunk=lambda: self._report_progress("files", report)
        )
        try:
            mover.upload(counts)
            mover.download(counts)
        finally:
            report.files_sent += counts.sent
            report.files_received += counts.received

    def _note_refused(self, ops: Sequence[Op], results: Sequence[OpResult]) -> None:
        """Which records' ops central refused in this round (by record, how many)."""
        record_of = {op.op_id: op.record_id for op in ops}
        for result in results:
            if result.status is OpStatus.REJECTED and result.op_id in record_of:
                record = record_of[result.op_id]
                self._refused[record] = self._refused.get(record, 0) + 1

    def _moved_away(self, page: PullResponse, report: RoundReport) -> None:
        """An edit refused because its record had moved to a unit this device does not
        reach is no rejection: the pull that says so makes it one conflict the clerk
        decides (the store keeps it), so the round counts it there."""
        for change in page.changes:
            refused = self._refused.pop(str(change.record.get("id")), 0) if change.moved_out else 0
            if refused:
                report.rejected -= refused
                report.conflicts += 1

    def run_round(self) -> RoundReport:
        started = time.perf_counter()
        report = self.report = RoundReport()
        self._refused.clear()
        self._start = replace(self.api.transport.traffic)
        try:
            self.push(report)
            self.pull(report)
            self.files(report)
        finally:
            report.seconds = time.perf_counter() - started
            self._report_progress("done", report)
        return report
