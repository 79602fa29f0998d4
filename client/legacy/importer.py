"""``import_file``: a legacy table into the store, row by row validated like typed entries.

The pipeline, per batch of rows: convert each mapped cell (``cleaning``), then
``models.validation.normalize`` and ``validate_record`` exactly as for an entry
typed in the app, then ``BulkImport.add`` writes the batch (records, outbox ops,
audit entries). The whole file is one transaction (``Store.importing``): an
import cut short (an error, power, disk) leaves nothing behind, and running it
again starts afresh. Rows that fail are collected with their line and the
reason per field, for the reject report; footer rows (合计, 制表人：…) are recognised and
reported as skipped (``footers``). The file is read whole before the
first write, so a file that is not a table changes nothing.

Re-importing is safe: rows match existing records on the kind's natural key (or,
for kinds without one, on a hash of their fields), so an unchanged row adds
nothing and a changed one becomes an edit of the changed fields.
"""

from __future__ import annotations

import gc
import hashlib
import json
import operator
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from client.column_codec import records_of
from client.legacy.checking import Problem, RowChecker
from client.legacy.columns import table_columns
from client.legacy.footers import Skipped, split_footers
from client.legacy.mapping import load_mapping
from client.legacy.reading import NotATable, Table, read_table
from client.store import (
    IMPORT_CREATED,
    IMPORT_REJECTED,
    IMPORT_UNCHANGED,
    IMPORT_UPDATED,
    BulkImport,
    ImportOutcome,
    Store,
)
from client.store.settings import get_setting, put_setting
from models.kinds import KindSpec, kind_spec

__all__ = [
    "DEFAULT_BATCH",
    "ImportReport",
    "NotATable",
    "Progress",
    "Reject",
    "Skipped",
    "import_file",
    "last_import_folder",
    "remember_import_folder",
]

IMPORT_FOLDER_SETTING = "import_folder"
"""The folder the last table was imported from: where the app's file picker opens next."""

DEFAULT_BATCH = 2_000
"""Rows checked and written at a time, all in the import's one transaction: the progress
step, and a bound on the records held at once."""

Progress = Callable[[int, int], None]
"""Called with (rows done, rows in the table) after each batch (before the commit)."""


@dataclass(frozen=True)
class Reject:
    line: int
    cells: list[Any]
    problems: list[Problem]


@dataclass
class ImportReport:
    path: Path
    kind: str
    source: str
    header_line: int
    headers: list[str]
    rows: int = 0
    """Rows of data (footer rows not counted: they are ``skipped``)."""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    skipped: list[Skipped] = field(default_factory=list)
    """Footer rows (合计, 制表人：…) recognised and left out."""

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def imported(self) -> int:
        """Rows that are records now (new, updated or already there as they are)."""
        return self.created + self.updated + self.unchanged


# ---------------------------------------------------------------- one row


def import_key(kind: str, record: Mapping[str, Any]) -> str:
    """The identity of an imported row of a kind without a natural key: a hash of its fields."""
    canonical = json.dumps(
        [kind, record], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- the file


def import_file(
    store: Store,
    path: Path,
    kind: str,
    *,
    mapping: Path | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    org_code: str | None = None,
    values: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` as records of ``kind``; returns the counts and the rejected rows.

    ``org_code`` (else the device's unit) fills rows without an org column; ``values``
    are fields for every row (e.g. a payment list's ``project_id``) over the mapping's
    defaults. Raises ``NotATable`` (nothing saved) when the file is not a table, and
    ``MappingError`` for a bad mapping file.
    """
    # The collector comes back once the table and its records are freed (they go with
    # ``_import_file``'s frame): it then has next to nothing left to walk.
    with _collector_paused():
        return _import_file(
            store, path, kind, mapping, encoding, sheet, org_code, values, dry_run, batch_size,
            progress,
        )  # fmt: skip


def _import_file(
    store: Store,
    path: Path,
    kind: str,
    mapping: Path | None,
    encoding: str | None,
    sheet: str | None,
    org_code: str | None,
    values: Mapping[str, Any] | None,
    dry_run: bool,
    batch_size: int,
    progress: Progress | None,
) -> ImportReport:
    spec = kind_spec(kind)
    table_mapping = load_mapping(kind, mapping)
    table = read_table(
        path,
        known_headers=table_mapping.known_headers,
        examples=table_mapping.example_headers,
        encoding=encoding,
        sheet=sheet,
    )
    rows, skipped = split_footers(table.rows)
    if skipped:
        table = replace(table, rows=rows)
    columns, ignored = table_columns(table, table_mapping)
    fixed = {**table_mapping.defaults, **(values or {})}
    unit = org_code or (store.identity.org_code if store.identity else None)
    checker = RowChecker(spec, columns, fixed, unit)
    report = ImportReport(
        path=path,
        kind=kind,
        source=table.source,
        header_line=table.header_line,
        headers=table.headers,
        rows=len(table.rows),
        ignored_columns=ignored,
        dry_run=dry_run,
        skipped=skipped,
    )
    _import_rows(store, spec, table, checker, report, batch_size, dry_run, progress)
    report.rejects.sort(key=lambda reject: reject.line)
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The table and its records are many small objects that live for the whole import;
    the cyclic collector would walk them over and over for nothing (no cycles here):
    reading a 34,057-row file alone set it off about a hundred times, and turned back on
    between reading and importing it walked the whole table once more."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_rows(
    store: Store,
    spec: KindSpec,
    table: Table,
    checker: RowChecker,
    report: ImportReport,
    batch_size: int,
    dry_run: bool,
    progress: Progress | None,
) -> None:
    seen: dict[Any, int] = {}
    """Match key → the line that had it first: a repeat within the file is rejected."""
    total = len(table.rows)
    # Each new record's audit entry names the file (not its folder) and the record's digest.
    with store.importing(spec.name, write=not dry_run, source=report.path.name) as bulk:
        for start in range(0, total, max(1, batch_size)):
            _import_batch(spec, table.rows[start : start + batch_size], checker, report, seen, bulk)
            if progress is not None:
                progress(min(start + batch_size, total), total)


def _import_batch(
    spec: KindSpec,
    batch: Sequence[tuple[int, list[Any]]],
    checker: RowChecker,
    report: ImportReport,
    seen: dict[Any, int],
    bulk: BulkImport,
) -> None:
    """Check one batch of rows and hand the good ones to the import's transaction."""
    kind = spec.name
    natural = spec.natural_key
    key_text = "+".join(natural)
    match_key = _match_key(kind, natural)
    records: list[dict[str, Any]] = []
    keys: list[str] = []
    lines: list[tuple[int, list[Any]]] = []
    checked = checker.check_batch([cells for _line, cells in batch])
    if checked.columns is not None:  # most batches: every row fine
        columns = checked.columns
        if natural:
            matches: list[Any] = list(zip(*(columns[name] for name in natural), strict=True))
        else:
            matches = [import_key(kind, record) for record in records_of(columns)]
        if len(set(matches)) == len(matches) and seen.keys().isdisjoint(matches):
            # ... and new to this file: no record needs making
            seen.update(zip(matches, (line for line, _cells in batch), strict=True))
            outcome = bulk.add_columns(columns, import_keys=None if natural else matches)
            _count(outcome, list(batch), checker, report)
            return
    results = checked.results
    if results is None:
        results = [(record, []) for record in records_of(checked.columns or {})]
    for (line, cells), (record, problems) in zip(batch, results, strict=True):
        if record is None:
            report.rejects.append(Reject(line, cells, problems))
            continue
        match = match_key(record)
        first = seen.setdefault(match, line)
        if first != line:
            where = f"repeats line {first}" + (f" (same {key_text})" if key_text else "")
            problem = Problem(
                natural[-1] if natural else "", "", "duplicate", where, (("first", str(first)),)
            )
            report.rejects.append(Reject(line, cells, [problem]))
            continue
        records.append(record)
        if not natural:
            keys.append(match)
        lines.append((line, cells))
    if records:
        _count(bulk.add(records, import_keys=keys or None), lines, checker, report)


def _count(
    outcome: ImportOutcome,
    lines: list[tuple[int, list[Any]]],
    checker: RowChecker,
    report: ImportReport,
) -> None:
    """What became of a batch's rows, in the report."""
    counts = Counter(outcome.statuses)
    report.created += counts[IMPORT_CREATED]
    report.updated += counts[IMPORT_UPDATED]
    report.unchanged += counts[IMPORT_UNCHANGED]
    if counts[IMPORT_REJECTED]:
        for index, status in enumerate(outcome.statuses):
            if status == IMPORT_REJECTED:
                line, cells = lines[index]
                problems = [
                    Problem.of(e, checker.column_of.get(e.field, ""))
                    for e in outcome.errors.get(index, [])
                ]
                report.rejects.append(Reject(line, cells, problems))


def _match_key(kind: str, natural: Sequence[str]) -> Callable[[Mapping[str, Any]], Any]:
    """A record's match key: its natural key's values as a tuple, or for a kind without
    one the hash of its fields (``import_key``)."""
    if len(natural) > 1:
        return operator.itemgetter(*natural)
    if natural:
        name = natural[0]
        return lambda record: (record[name],)
    return lambda record: import_key(kind, record)


def last_import_folder(store: Store) -> Path | None:
    """The folder a table was last imported from, while it is still there."""
    with store.engine.connect() as conn:
        value = get_setting(conn, IMPORT_FOLDER_SETTING)
    folder = Path(value) if value else None
    return folder if folder is not None and folder.is_dir() else None


def remember_import_folder(store: Store, folder: Path) -> None:
    """Keep ``folder`` for the next import: offices keep their ledgers in one place."""
    with store.transaction() as conn:
        put_setting(conn, IMPORT_FOLDER_SETTING, str(folder))
