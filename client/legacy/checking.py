"""Checking an old table's rows as typed entries are checked: each mapped cell cleaned
and normalized by its field's rule, then the whole record validated; a batch at a
time, a column at a time where the rows allow it (legacy tables repeat the same
village, item, period and date on thousands of rows)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from client.legacy.cleaning import (
    CleanError,
    clean_text,
    clean_texts,
)
from client.legacy.columns import Column, domain_problem
from client.legacy.reading import Oversized
from models.kinds import FieldType, KindSpec
from models.validation import (
    CONTROL_CHARACTERS,
    FieldError,
    cross_check,
    is_empty,
    normalize,
    required_fields,
    text_limit,
    validate_record,
)

__all__ = ["MEMO_CELLS", "CheckedBatch", "Problem", "RowChecker"]


@dataclass(frozen=True)
class Problem:
    """Why one field of a row failed: the old column it came from (if any) and the reason."""

    field: str
    column: str
    code: str
    message: str
    args: tuple[tuple[str, str], ...] = ()
    """What the reason's sentence names besides the field (a domain): never a cell's value."""
    msgid: str = ""
    """The check's own sentence when it gave one (``FieldError.msgid``: what is expected,
    or the rule that refused the row), filled with ``args``."""

    @classmethod
    def of(cls, error: FieldError, column: str) -> Problem:
        """A field error of the typed-entry checks or of the rules, as an import's problem."""
        args = tuple((name, str(value)) for name, value in error.params.items())
        return cls(error.field, column, error.code, error.message, args, error.msgid)

    def __str__(self) -> str:
        where = f"{self.column} → {self.field}" if self.column else self.field
        return f"{where}: {self.message}"


MEMO_CELLS = 4_096
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


class RowChecker:
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
        columns: Sequence[Column],
        fixed: Mapping[str, Any],
        org_code: str | None,
    ) -> None:
        self.spec = spec
        self.checks = [column for column in columns if column.rule.checks]
        """Columns that check a field (a disclosure's 公开类别) instead of holding one."""
        columns = [column for column in columns if not column.rule.checks]
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
        self.plan: list[tuple[Column, int, str, dict[tuple[type, Any], _Outcome]]] = [
            (column, column.index, column.rule.field, {}) for column in columns
        ]
        """Per column: itself, its cell index, its field, its remembered outcomes."""
        names = [column.rule.field for column in columns]
        self.fast = (
            self.base_all_normalized
            and not errors
            and len(set(names)) == len(names)
            and not self.checks
        )
        """Rows may take the fast path (``check``): one column per field, the mapping's
        values and every default fine as they are, no column checking another."""
        self.start = {**self.base, **self.fixed_given}
        self.all_fields = frozenset(self.start)
        self.fast_plan: list[tuple[int, str, Column, dict[Any, Any]]]
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

    def _cell(self, column: Column, raw: Any) -> _Outcome:
        name = column.rule.field
        try:
            value = column.convert(raw)
        except CleanError as exc:
            args = (("detail", exc.detail),) if exc.detail else ()
            problem = Problem(name, column.header, exc.code, f"{name} {exc.message}", args)
            return _SKIP, None, problem
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
        cleaned and normalized once (up to ``MEMO_CELLS`` of them; a column of mostly
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
        column: Column,
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
        if len(memo) + len(fresh) <= MEMO_CELLS:
            raws = fresh if keys is cells else [key[1] for key in fresh]
            memo.update(zip(fresh, self._fast_values(column, raws, default), strict=True))
            found = list(map(memo.__getitem__, keys))
        else:
            found = self._fast_values(column, cells, default)
        if _BAD in found:
            bad.update(i for i, value in enumerate(found) if value is _BAD)
        return found

    def _fast_values(self, column: Column, cells: Sequence[Any], default: Any) -> list[Any]:
        """``_fast_value`` of each cell; a column of plain text all at once."""
        limit = self.text_limits.get(column.rule.field)
        if limit is None or not cells:
            return [self._fast_value(column, cell, default) for cell in cells]
        return self._text_values(column, cells, default, limit)

    def _text_values(
        self, column: Column, cells: Sequence[Any], default: Any, limit: int
    ) -> list[Any]:
        """``_fast_value`` of each cell of a plain text column, by string methods over the
        column instead of ``normalize`` per cell (titles and contents are mostly unique:
        nothing to remember): ``clean_texts``, the rule's strip, one look at the lengths.
        Cells that are not ``str`` (empty, numbers, oversized) or come out empty (the
        default, or "") or too long (``_BAD``) are left to ``_fast_value``."""
        values: list[Any] = list(map(str.strip, clean_texts(cells)))
        control = CONTROL_CHARACTERS.search("".join(values)) is not None
        if (
            control
            or "" in values
            or max(map(len, values)) > limit
            or set(map(type, cells)) != _STR_ONLY
        ):
            search = CONTROL_CHARACTERS.search
            for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
                if (
                    not value
                    or len(value) > limit
                    or type(cell) is not str
                    or (control and search(value) is not None)
                ):
                    values[i] = self._fast_value(column, cell, default)
        return values

    def _fast_value(self, column: Column, raw: Any, default: Any) -> Any:
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
                    if len(memo) < MEMO_CELLS:
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
        for column in self.checks:
            if column.rule.field not in bad:
                problems.extend(self._checked(column, cells, record))
        return (None if problems else record), problems

    def _checked(
        self, column: Column, cells: Sequence[Any], record: Mapping[str, Any]
    ) -> list[Problem]:
        """What a checking column (a domain) finds wrong with its field's value."""
        name = column.rule.field
        raw = cells[column.index] if column.index < len(cells) else None
        try:
            domain = column.convert(raw)
        except CleanError as exc:
            return [Problem(name, column.header, exc.code, f"{column.header} {exc.message}")]
        found = domain_problem(domain, record.get(name))
        if found is None:
            return []
        message = f"the catalogue item is of domain {found}, the column says {domain}"
        args = (("item_domain", found), ("domain", domain))
        return [Problem(name, column.header, "domain_mismatch", message, args)]

    def _problem(self, error: FieldError) -> Problem:
        return Problem.of(error, self.column_of.get(error.field, ""))
