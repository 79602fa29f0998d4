"""``import_file``: a legacy table into the store, row by row validated like typed entries.

The pipeline, per batch of rows: convert each mapped cell (``cleaning``), then
``models.validation.normalize`` and ``validate_record`` exactly as for an entry
typed in the app, then ``BulkImport.add`` writes the batch (records, outbox ops,
audit entries). The whole file is one transaction (``Store.importing``): an
import cut short (an error, power, disk) leaves nothing behind, and running it
again starts afresh. Rows that fail are collected with their line and the
reason per field, for the reject report. The file is read whole before the
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
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from client.column_codec import records_of
from client.legacy.cleaning import (
    CleanError,
    clean_text,
    clean_texts,
    parse_amount_fen,
    parse_date,
    parse_id_number,
    parse_period,
)
from client.legacy.mapping import ColumnRule, TableMapping, load_mapping
from client.legacy.reading import NotATable, Oversized, Table, read_table
from client.store import (
    IMPORT_CREATED,
    IMPORT_REJECTED,
    IMPORT_UNCHANGED,
    IMPORT_UPDATED,
    BulkImport,
    ImportOutcome,
    Store,
)
from models.catalog import load_catalog
from models.kinds import FieldType, KindSpec, kind_spec
from models.orgs import is_org_code, load_org_units
from models.validation import (
    FieldError,
    cross_check,
    is_empty,
    normalize,
    required_fields,
    text_limit,
    validate_record,
)

__all__ = ["DEFAULT_BATCH", "ImportReport", "NotATable", "Progress", "Reject", "import_file"]

DEFAULT_BATCH = 2_000
"""Rows checked and written at a time, all in the import's one transaction: the progress
step, and a bound on the records held at once."""

Progress = Callable[[int, int], None]
"""Called with (rows done, rows in the table) after each batch (before the commit)."""


@dataclass(frozen=True)
class Problem:
    """Why one field of a row failed: the old column it came from (if any) and the reason."""

    field: str
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.column} → {self.field}" if self.column else self.field
        return f"{where}: {self.message}"


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
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return len(self.rejects)


# ---------------------------------------------------------------- converters


@cache
def _org_names() -> Mapping[str, str]:
    names: dict[str, str] = {}
    for unit in load_org_units():
        names.setdefault(unit.name, unit.code)
        for suffix in ("村委会", "村", "社区", "居委会"):
            if unit.name.endswith(suffix) and len(unit.name) > len(suffix):
                names.setdefault(unit.name.removesuffix(suffix), unit.code)
    return names


@cache
def _catalog_names() -> Mapping[str, str]:
    return {item.name: code for code, item in load_catalog().items()}


def _org(value: Any) -> str:
    text = clean_text(value)
    if not text or is_org_code(text):
        return text
    found = _org_names().get(text)
    if found is None:
        raise CleanError("unknown_org", "is neither a 12-digit code nor a known unit name")
    return found


def _catalog(value: Any) -> str:
    text = clean_text(value)
    return _catalog_names().get(text, text)


def _decimal(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    return clean_text(value) if not isinstance(value, int | Decimal) else value


def _integer(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return clean_text(value) if not isinstance(value, int) else value


_CONVERT: Mapping[str, Callable[[Any], Any]] = {
    "text": clean_text,
    "yuan": parse_amount_fen,
    "wan_yuan": lambda value: parse_amount_fen(value, unit=10_000),
    "fen": _integer,
    "int": _integer,
    "date": parse_date,
    "id_number": parse_id_number,
    "period": parse_period,
    "catalog": _catalog,
    "org": _org,
    "decimal": _decimal,
}


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    rule: ColumnRule
    convert: Callable[[Any], Any]


def _columns(table: Table, mapping: TableMapping) -> tuple[list[_Column], list[str]]:
    columns: list[_Column] = []
    ignored: list[str] = []
    for index, header in enumerate(table.headers):
        rule = mapping.rule_for(header)
        if rule is None:
            if header:
                ignored.append(header)
            continue
        if rule.field:
            columns.append(_Column(index, header, rule, _CONVERT[rule.convert]))
    return columns, ignored


# ---------------------------------------------------------------- one row


def import_key(kind: str, record: Mapping[str, Any]) -> str:
    """The identity of an imported row of a kind without a natural key: a hash of its fields."""
    canonical = json.dumps(
        [kind, record], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_MEMO_CELLS = 4_096
"""Distinct cells remembered per column (codes, periods, dates, names repeat a lot)."""
_MEMO_TEXT = 64
"""Longer text (titles, contents) is nearly always unique: not remembered."""
_SKIP = object()
"""A cell that leaves the field to its default (empty after cleaning)."""
_BAD: Any = object()
"""A cell with a problem or an error (the column pass sends its row to ``_check``)."""
_TEXT_TYPES = frozenset({str, type(None)})
_STR_ONLY = frozenset({str})
_LIST_TYPES = frozenset({FieldType.SET})

_Outcome = tuple[Any, FieldError | None, Problem | None]
"""One cell of a column: (normalized value or _SKIP, normalize's error, cleaning's problem)."""


@dataclass(frozen=True)
class CheckedBatch:
    """A checked batch: ``columns`` when every row is fine (each field of the kind, its
    values in row order), else ``results``: per row its record or None, and problems."""

    columns: dict[str, Sequence[Any]] | None
    results: list[tuple[dict[str, Any] | None, list[Problem]]] | None


class _RowChecker:
    """Cleans, normalizes and validates rows of one table.

    A cell is cleaned and normalized field by field (``normalize`` treats each field
    on its own), and the outcome of a short cell is remembered per column: both steps
    are pure functions of the cell, and legacy tables repeat the same village, item,
    period and date on thousands of rows. The whole record is then checked by
    ``validate_record`` (required fields, checks across fields, the fields not given),
    told which fields are normalize's output already."""

    def __init__(
        self,
        spec: KindSpec,
        columns: Sequence[_Column],
        fixed: Mapping[str, Any],
        org_code: str | None,
    ) -> None:
        self.spec = spec
        self.columns = columns
        self.fixed = dict(fixed)
        self.base = spec.defaults()
        if org_code:
            self.base["org_code"] = org_code
        self.column_of: dict[str, str] = {}
        for column in columns:
            self.column_of.setdefault(column.rule.field, column.header)
        given, errors = normalize(spec.name, self.fixed)
        self.fixed_given = given
        # Every field given (fixed first, then columns) → its normalize error or None,
        # in the order a single ``normalize`` of the whole row would report them.
        self.fixed_errors: dict[str, FieldError | None] = dict.fromkeys(self.fixed)
        for error in errors:
            self.fixed_errors[error.field] = error
        # Defaults that normalize maps to themselves need no second look on every row.
        base_given, base_errors = normalize(spec.name, self.base)
        self.base_normalized = frozenset(
            name
            for name, value in self.base.items()
            if name in base_given and base_given[name] == value
        ) - {error.field for error in base_errors}
        self.base_all_normalized = self.base_normalized.issuperset(self.base)
        self.plan: list[tuple[_Column, int, str, dict[tuple[type, Any], _Outcome]]] = [
            (column, column.index, column.rule.field, {}) for column in columns
        ]
        """Per column: itself, its cell index, its field, its remembered outcomes."""
        names = [column.rule.field for column in columns]
        self.fast = self.base_all_normalized and not errors and len(set(names)) == len(names)
        """Rows may take the fast path (``check``): one column per field, the mapping's
        values and every default fine as they are."""
        self.start = {**self.base, **self.fixed_given}
        self.all_fields = frozenset(self.start)
        self.fast_plan: list[tuple[int, str, _Column, dict[Any, Any]]]
        self.fast_plan = [(column.index, column.rule.field, column, {}) for column in columns]
        """Per column: its cell index, its field, itself, and the values of its distinct
        cells (text cells by themselves, others by type and value)."""
        self.fields = tuple(name for _index, name, _column, _memo in self.fast_plan)
        self.text_limits = {
            column.rule.field: limit
            for column in columns
            if column.convert is clean_text
            and (limit := text_limit(spec.name, column.rule.field)) is not None
        }
        """Per field of plain text (``clean_text`` into a field that is only stripped and
        limited), its limit: such a column is cleaned and normalized all at once."""
        self.list_fields = tuple(
            name for name in self.fields if spec.field_types[name] in _LIST_TYPES
        )
        self.required = required_fields(spec.name)
        self.cross = cross_check(spec.name)
        self.width = 1 + max((column.index for column in columns), default=-1)
        """Cells a row needs for the column pass: shorter rows take ``_check``."""
        indexes = [column.index for column in columns]
        self.picker: Callable[[Sequence[Any]], Sequence[Any]] = (
            operator.itemgetter(*indexes)
            if len(indexes) > 1
            else (lambda cells: (cells[indexes[0]],))
        )
        """A row's mapped cells, in the order of ``fast_plan``."""

    def _cell(self, column: _Column, raw: Any) -> _Outcome:
        name = column.rule.field
        try:
            value = column.convert(raw)
        except CleanError as exc:
            return _SKIP, None, Problem(name, column.header, exc.code, f"{name} {exc.message}")
        if value is None or value == "":
            return _SKIP, None, None  # an empty cell leaves the default (or the mapping's value)
        given, errors = normalize(self.spec.name, {name: value})
        if errors:
            return None, errors[0], None
        return given[name], None, None

    def check_batch(self, rows: Sequence[Sequence[Any]]) -> CheckedBatch:
        """Each row's record (None when it fails) and problems; a batch whose every row is
        fine (most are) comes back a field at a time instead, without a record per row.

        Legacy tables repeat the same village, item, period and date on thousands of
        rows: the batch is taken a column at a time. Each distinct cell of a column is
        cleaned and normalized once (up to ``_MEMO_CELLS`` of them; a column of mostly
        unique text, titles and contents, is done cell by cell, plain text all at once),
        and a row whose every cell came out fine is filled from those values. A row with
        any problem, error or oversized cell, or too short for the mapped columns, goes
        to ``_check``, which collects every problem it has."""
        if not self.fast or not self.fast_plan:
            return CheckedBatch(None, [self._check(cells) for cells in rows])
        out: list[tuple[dict[str, Any] | None, list[Problem]] | None] = [None] * len(rows)
        full = [i for i, cells in enumerate(rows) if len(cells) < self.width]
        for i in full:
            out[i] = self._check(rows[i])
        ready = [cells for cells in rows if len(cells) >= self.width] if full else rows
        picked = list(map(self.picker, ready))
        columns = list(zip(*picked, strict=True)) if picked else [() for _ in self.fast_plan]
        bad: set[int] = set()
        values: list[Sequence[Any]] = []
        for (_index, name, column, memo), cells in zip(self.fast_plan, columns, strict=True):
            values.append(self._column(name, column, memo, cells, bad))
        self._whole_records(values, len(ready), bad)
        start, fields, lists = self.start, self.fields, self.list_fields
        if not full and not bad:
            given = dict(zip(fields, values, strict=True))
            count = len(ready)
            return CheckedBatch(
                {
                    # A remembered list is shared between rows: each record gets its own.
                    name: list(map(list, given[name]))
                    if name in lists
                    else given[name]
                    if name in given
                    else [value] * count
                    for name, value in start.items()
                },
                None,
            )
        rows_values = iter(zip(*values, strict=True))
        positions = (i for i in range(len(out)) if out[i] is None)
        for row_index, position in enumerate(positions):
            row_values = next(rows_values)
            if row_index in bad:
                out[position] = self._check(ready[row_index])
                continue
            record: dict[str, Any] = start.copy()
            record.update(zip(fields, row_values, strict=True))
            for name in lists:
                # A remembered list is shared between rows: each record gets its own.
                record[name] = list(record[name])
            out[position] = (record, [])
        return CheckedBatch(None, out)  # type: ignore[arg-type]

    def _whole_records(self, values: Sequence[Sequence[Any]], count: int, bad: set[int]) -> None:
        """``validate_record``'s checks of whole records, a column at a time: adds to
        ``bad`` the rows with a required field empty or failing the check across fields
        (run once per distinct set of the values it reads). ``_check`` then says why."""
        by_field = dict(zip(self.fields, values, strict=True))
        types = self.spec.field_types
        for name in self.required:
            field_type = types[name]
            column = by_field.get(name)
            if column is None:
                if is_empty(self.start.get(name), field_type):
                    bad.update(range(count))
                    return
            elif field_type is FieldType.BOOL or not all(column):
                bad.update(i for i, value in enumerate(column) if is_empty(value, field_type))
        if self.cross is None:
            return
        names, check = self.cross
        given = [by_field.get(name) or [self.start.get(name)] * count for name in names]
        keys = list(zip(*given, strict=True))
        failing = {
            key
            for key in set(keys)
            if _BAD not in key and check(dict(zip(names, key, strict=True)))
        }
        if failing:
            bad.update(i for i, key in enumerate(keys) if key in failing)

    def _column(
        self,
        name: str,
        column: _Column,
        memo: dict[Any, Any],
        cells: Sequence[Any],
        bad: set[int],
    ) -> Sequence[Any]:
        """One column's normalized values (the default or the mapping's value for an
        empty cell); adds to ``bad`` the rows whose cell has a problem or an error."""
        default = self.start.get(name)
        if set(map(type, cells)) <= _TEXT_TYPES:
            keys: Sequence[Any] = cells  # text (and empty) cells: the cell is its own key
        else:
            # 1, 1.0 and True are equal keys but may clean differently.
            keys = [(type(cell), cell) for cell in cells]
        fresh = list(set(keys) - memo.keys())
        if len(memo) + len(fresh) <= _MEMO_CELLS:
            raws = fresh if keys is cells else [key[1] for key in fresh]
            memo.update(zip(fresh, self._fast_values(column, raws, default), strict=True))
            found = list(map(memo.__getitem__, keys))
        else:
            found = self._fast_values(column, cells, default)
        if _BAD in found:
            bad.update(i for i, value in enumerate(found) if value is _BAD)
        return found

    def _fast_values(self, column: _Column, cells: Sequence[Any], default: Any) -> list[Any]:
        """``_fast_value`` of each cell; a column of plain text all at once."""
        limit = self.text_limits.get(column.rule.field)
        if limit is None or not cells:
            return [self._fast_value(column, cell, default) for cell in cells]
        return self._text_values(column, cells, default, limit)

    def _text_values(
        self, column: _Column, cells: Sequence[Any], default: Any, limit: int
    ) -> list[Any]:
        """``_fast_value`` of each cell of a plain text column, by string methods over the
        column instead of ``normalize`` per cell (titles and contents are mostly unique:
        nothing to remember): ``clean_texts``, the rule's strip, one look at the lengths.
        Cells that are not ``str`` (empty, numbers, oversized) or come out empty (the
        default, or "") or too long (``_BAD``) are left to ``_fast_value``."""
        values: list[Any] = list(map(str.strip, clean_texts(cells)))
        if "" in values or max(map(len, values)) > limit or set(map(type, cells)) != _STR_ONLY:
            for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
                if not value or len(value) > limit or type(cell) is not str:
                    values[i] = self._fast_value(column, cell, default)
        return values

    def _fast_value(self, column: _Column, raw: Any, default: Any) -> Any:
        """``_cell`` for the column pass: the value, or ``_BAD`` for any problem."""
        if type(raw) is not str and isinstance(raw, Oversized):
            return _BAD
        value, error, problem = self._cell(column, raw)
        if value is _SKIP:
            return _BAD if problem is not None else default
        return _BAD if error is not None else value

    def _check(self, cells: Sequence[Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
        """``check`` in full: every column read, every problem of the row collected."""
        if cells and isinstance(cells[0], Oversized) and cells[0].whole_row:
            return None, [Problem("", "", "too_long", f"text too long: {cells[0]}")]
        given: dict[str, Any] = dict(self.fixed_given)
        normalized: dict[str, FieldError | None] = dict(self.fixed_errors)
        problems: list[Problem] = []
        bad: set[str] = set()
        done: set[str] = set()  # taken or bad: a later column for the field is not read
        width = len(cells)
        for column, index, name, memo in self.plan:
            raw = cells[index] if index < width else None
            if type(raw) is not str and isinstance(raw, Oversized):
                limit = self.spec.field(name).max_length
                problems.append(
                    Problem(
                        name,
                        column.header,
                        "too_long",
                        f"text too long: {raw.length:,} characters where {name} allows {limit:,}",
                    )
                )
                bad.add(name)
                done.add(name)
                continue
            if name in done:
                continue
            if type(raw) is str and len(raw) > _MEMO_TEXT:
                outcome = self._cell(column, raw)
            else:
                key = (type(raw), raw)
                try:
                    found = memo.get(key)
                except TypeError:  # pragma: no cover - readers give hashable cells
                    memo, found = {}, None
                if found is None:
                    found = self._cell(column, raw)
                    if len(memo) < _MEMO_CELLS:
                        memo[key] = found
                outcome = found
            value, error, problem = outcome
            if problem is not None:
                problems.append(problem)
                bad.add(name)
                done.add(name)
                continue
            if value is _SKIP:
                continue
            done.add(name)
            normalized[name] = error
            if error is None:
                # A remembered list is shared between rows: each record gets its own.
                given[name] = list(value) if isinstance(value, list) else value
            else:
                given.pop(name, None)
        record = {**self.base, **given}
        errors = [e for e in normalized.values() if e is not None and e.field not in bad]
        if errors:
            bad |= {e.field for e in errors}
        # ``given`` is normalize's output, the other fields defaults it maps to themselves:
        # validate_record need not run those rules again.
        trusted = record.keys() if self.base_all_normalized else self.base_normalized | given.keys()
        errors += [
            e
            for e in validate_record(self.spec.name, record, normalized=trusted)
            if e.field not in bad
        ]
        if errors:
            problems.extend(self._problem(error) for error in errors)
        return (None if problems else record), problems

    def _problem(self, error: FieldError) -> Problem:
        return Problem(error.field, self.column_of.get(error.field, ""), error.code, error.message)


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
    columns, ignored = _columns(table, table_mapping)
    fixed = {**table_mapping.defaults, **(values or {})}
    unit = org_code or (store.identity.org_code if store.identity else None)
    checker = _RowChecker(spec, columns, fixed, unit)
    report = ImportReport(
        path=path,
        kind=kind,
        source=table.source,
        header_line=table.header_line,
        headers=table.headers,
        rows=len(table.rows),
        ignored_columns=ignored,
        dry_run=dry_run,
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
    checker: _RowChecker,
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
    checker: _RowChecker,
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
            problem = Problem(natural[-1] if natural else "", "", "duplicate", where)
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
    checker: _RowChecker,
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
                    Problem(e.field, checker.column_of.get(e.field, ""), e.code, e.message)
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
