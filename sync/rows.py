"""Compact rows: how batches of ops, changes, op results and audit links travel (pure).

A batch in its verbose JSON form repeats every key in every object and spells out
what the receiver can work out. On the wire a batch is one object instead::

    {"shapes": [...], "rows": [[...], [...], ...]}

``shapes`` names the columns once (ops and changes only); each item is one JSON array
in the batch's order, its values in a fixed position; an empty batch is ``[]``, as
short as a verbose one. The functions here turn the
verbose JSON form (the models' ``model_dump(mode="json")``) into that object and back,
and ``read_*(write_*(x)) == x`` for every batch.

Rows, by position (``=`` gives a default; defaults at the end of a row are left out):

- op: ``[shape, record_id, recorded_at, [to, ...], base_version=0, [from, ...]=null,
  op_id=null]`` with shape ``[kind, action, [field, ...]]``; the values follow the
  shape's fields; ``from`` null means every from is null (a create); ``op_id`` null
  means the record id (a record's first create uses its id as op id).
- change: ``[shape, seq, value, ...]`` with shape ``[kind, [key, ...]]``, one value
  per key of the record; a record moved out of the device's reach has the shape
  ``[kind, ["id"], "moved_out"]``.
- op result: ``[status, version=1, seq=1, received_at=0, conflicts=[], error=null]``;
  in a push answer the op ids are left out (the results follow the pushed ops one for
  one); in a reply bundle each row starts with its op id.
- audit link: ``[digest, id=1, hash=null]``.

Numbers that grow: ``seq`` and the audit ``id`` are sent as the step from the previous
row's (the first row's from 0). Timestamps (``recorded_at``, ``received_at``) in the
protocol's form ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` go as integer microseconds after the
previous row's timestamp in that column (the first: after 1970-01-01); any other value
there travels as itself when it is a string or null, else wrapped in a one-element list.

A malformed batch raises RowError naming where (``rows.3.recorded_at``), never the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

JSON = Any
Row = list[JSON]
Batch = dict[str, JSON] | list[JSON]

MOVED_OUT = "moved_out"
"""A change shape's third element: the record left the device's reach (its id alone)."""
TIME_KEYS = frozenset(("recorded_at", "received_at"))
"""Keys of a change's record whose values are delta-coded timestamps."""

_EPOCH_DAY = date(1970, 1, 1)
_DAY_US = 86_400 * 1_000_000
_STAMP_LENGTHS = (len("2026-01-01T00:00:00Z"), len("2026-01-01T00:00:00.000000Z"))

OP_DEFAULTS: tuple[JSON, ...] = (0, None, None)
"""base_version, from values, op_id: the tail of an op row after its values."""
RESULT_DEFAULTS: tuple[JSON, ...] = (1, 1, 0, [], None)
"""version, seq step, received_at step, conflicts, error: an op result row after its status."""
AUDIT_DEFAULTS: tuple[JSON, ...] = (1, None)
"""id step, hash: an audit row after its digest."""


class RowError(ValueError):
    """A compact batch that cannot be read; ``path`` says where, never what was there."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


# ---- timestamps and steps ------------------------------------------------------------


@lru_cache(maxsize=1024)
def _day_text(day: int) -> str:
    return (_EPOCH_DAY + timedelta(days=day)).isoformat()


@lru_cache(maxsize=1024)
def _day_number(text: str) -> int | None:
    """Days since 1970 of a date spelled ``YYYY-MM-DD`` exactly, else None."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return (day - _EPOCH_DAY).days if day.isoformat() == text else None


_CLOCK = re.compile(r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.(?!000000)\d{6})?Z", re.ASCII)
"""The time of day as ``timestamp_to_wire`` spells it (no fraction when it is zero)."""


def _stamp(micros: int) -> str:
    """The protocol's form of a time (``timestamp_to_wire``), by arithmetic: a fifth of
    the time datetime takes, and a batch holds thousands."""
    day, rest = divmod(micros, _DAY_US)
    seconds, fraction = divmod(rest, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    clock = f"{_day_text(day)}T{hour:02d}:{minute:02d}:{second:02d}"
    return f"{clock}.{fraction:06d}Z" if fraction else f"{clock}Z"


def _micros(text: str) -> int | None:
    """Microseconds since 1970 of a timestamp in the protocol's exact form, else None:
    ``_stamp`` spells the result as ``text`` again, so coding it loses nothing."""
    if len(text) not in _STAMP_LENGTHS or _CLOCK.fullmatch(text, 10) is None:
        return None
    day = _day_number(text[:10])
    if day is None:
        return None
    seconds = int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
    fraction = int(text[20:26]) if len(text) == _STAMP_LENGTHS[1] else 0
    return (day * 86_400 + seconds) * 1_000_000 + fraction


class _Clock:
    """One timestamp column: each value as the step from the previous one coded."""

    def __init__(self) -> None:
        self.last = 0
        self.last_text: str | None = None
        """The last timestamp coded: a batch's received_at repeats, and parsing is dear."""

    def write(self, value: JSON) -> JSON:
        if isinstance(value, str):
            if value == self.last_text:
                return 0
            micros = _micros(value)
            if micros is None:
                return value
            step, self.last, self.last_text = micros - self.last, micros, value
            return step
        return value if value is None else [value]

    def read(self, coded: JSON, row: int, name: str) -> JSON:
        if type(coded) is int:
            if coded == 0 and self.last_text is not None:
                return self.last_text
            micros = self.last + coded
            try:
                value = _stamp(micros)
            except (OverflowError, ValueError):
                raise RowError(f"rows.{row}.{name}", "the timestamp is out of range") from None
            self.last, self.last_text = micros, value
            return value
        if coded is None or isinstance(coded, str):
            return coded
        if isinstance(coded, list) and len(coded) == 1:
            return coded[0]
        raise RowError(
            f"rows.{row}.{name}", "expected a time step, a string, null or a one-element list"
        )


class _Counter:
    """A growing number (seq, audit id) as the step from the previous row's."""

    def __init__(self) -> None:
        self.last = 0

    def write(self, value: int) -> int:
        step, self.last = value - self.last, value
        return step

    def read(self, coded: JSON, row: int, name: str) -> int:
        if type(coded) is not int:
            raise RowError(f"rows.{row}.{name}", "expected an integer step")
        self.last += coded
        return self.last


# ---- generic pieces ------------------------------------------------------------------


def _trim(row: Row, defaults: Sequence[JSON], start: int) -> Row:
    """Drop the trailing elements of ``row`` equal to their defaults (``defaults[i]`` is
    for ``row[start + i]``), of the same type too: ``True`` is not the default ``1``."""
    end = len(row)
    while end > start:
        value, default = row[end - 1], defaults[end - 1 - start]
        if value is not default and (type(value) is not type(default) or value != default):
            break
        end -= 1
    del row[end:]
    return row


def _padded(row: JSON, path: str, head: int, defaults: Sequence[JSON]) -> Row:
    """A row with its left-out trailing defaults put back; ``head`` elements are required."""
    if not isinstance(row, list):
        raise RowError(path, "a row must be an array")
    if not head <= len(row) <= head + len(defaults):
        raise RowError(path, f"a row has {head} to {head + len(defaults)} elements")
    return row + [list(d) if isinstance(d, list) else d for d in defaults[len(row) - head :]]


def _container(data: JSON, *, shaped: bool) -> tuple[list[JSON], list[JSON]]:
    keys = {"shapes", "rows"} if shaped else {"rows"}
    if data == []:
        return [], []
    if not isinstance(data, dict):
        raise RowError("", "expected an object of rows")
    if set(data) - keys:
        raise RowError("", f"unknown key; expected {' and '.join(sorted(keys))}")
    rows = data.get("rows")
    if not isinstance(rows, list):
        raise RowError("rows", "expected an array of rows")
    shapes = data.get("shapes", []) if shaped else []
    if not isinstance(shapes, list):
        raise RowError("shapes", "expected an array of shapes")
    return shapes, rows


def _names(value: JSON, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise RowError(path, "expected an array of names")
    if len(set(value)) != len(value):
        raise RowError(path, "a name is repeated")
    return value


def _shape_of(row: Row, shapes: Sequence[tuple[Any, ...]], path: str) -> tuple[Any, ...]:
    index = row[0]
    if type(index) is not int or not 0 <= index < len(shapes):
        raise RowError(f"{path}.shape", "not the index of a shape")
    return shapes[index]


def _values(value: JSON, count: int, path: str) -> list[JSON]:
    if not isinstance(value, list) or len(value) != count:
        raise RowError(path, f"expected an array of {count} values, one per field of the shape")
    return value


class _Shapes:
    """Column lists in first-seen order, each sent once."""

    def __init__(self) -> None:
        self.index: dict[tuple[Any, ...], int] = {}
        self.out: list[JSON] = []

    def of(self, key: tuple[Any, ...]) -> int:
        """The index of the shape ``key`` (a tuple of names inside is sent as an array)."""
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.out)
            self.out.append([list(part) if isinstance(part, tuple) else part for part in key])
        return found


# ---- ops -----------------------------------------------------------------------------


def write_ops(ops: Sequence[Mapping[str, JSON]]) -> Batch:
    if not ops:
        return []
    shapes = _Shapes()
    clock = _Clock()
    rows: list[Row] = []
    for op in ops:
        changes: Mapping[str, Sequence[JSON]] = op["changes"]
        fields = tuple(changes)
        kind, action = op["kind"], op["action"]
        shape = shapes.of((kind, action, fields))
        froms = [pair[0] for pair in changes.values()]
        row: Row = [
            shape,
            op["record_id"],
            clock.write(op["recorded_at"]),
            [pair[1] for pair in changes.values()],
            op["base_version"],
            None if froms.count(None) == len(froms) else froms,
            None if op["op_id"] == op["record_id"] else op["op_id"],
        ]
        rows.append(_trim(row, OP_DEFAULTS, 4))
    return {"shapes": shapes.out, "rows": rows}


def read_ops(data: JSON) -> list[dict[str, JSON]]:
    raw_shapes, rows = _container(data, shaped=True)
    shapes: list[tuple[Any, ...]] = []
    for n, shape in enumerate(raw_shapes):
        if not isinstance(shape, list) or len(shape) != 3:
            raise RowError(f"shapes.{n}", "expected [kind, action, [field, ...]]")
        shapes.append((shape[0], shape[1], _names(shape[2], f"shapes.{n}.fields")))
    clock = _Clock()
    out: list[dict[str, JSON]] = []
    for n, raw in enumerate(rows):
        path = f"rows.{n}"
        row = _padded(raw, path, 4, OP_DEFAULTS)
        kind, action, fields = _shape_of(row, shapes, path)
        record_id, stamp, tos, base_version, froms, op_id = row[1:7]
        tos = _values(tos, len(fields), f"{path}.to")
        if froms is None:
            froms = [None] * len(fields)
        froms = _values(froms, len(fields), f"{path}.from")
        out.append(
            {
                "op_id": record_id if op_id is None else op_id,
                "kind": kind,
                "record_id": record_id,
                "action": action,
                "changes": {
                    name: [old, new] for name, old, new in zip(fields, froms, tos, strict=True)
                },
                "base_version": base_version,
                "recorded_at": clock.read(stamp, n, "recorded_at"),
            }
        )
    return out


# ---- changes -------------------------------------------------------------------------


def write_changes(changes: Sequence[Mapping[str, JSON]]) -> Batch:
    if not changes:
        return []
    shapes = _Shapes()
    seqs = _Counter()
    clocks = {key: _Clock() for key in TIME_KEYS}
    timed: dict[int, list[tuple[int, _Clock]]] = {}
    """Per shape: where its timestamps are in a row, and their column's clock."""
    rows: list[Row] = []
    for change in changes:
        record: Mapping[str, JSON] = change["record"]
        keys = tuple(record)
        moved = (MOVED_OUT,) if change.get("moved_out") else ()  # a shape of its own
        shape = shapes.of((change["kind"], keys, *moved))
        where = timed.get(shape)
        if where is None:
            where = timed[shape] = [
                (2 + i, clocks[key]) for i, key in enumerate(keys) if key in clocks
            ]
        row: Row = [shape, seqs.write(change["seq"]), *record.values()]
        for position, clock in where:
            row[position] = clock.write(row[position])
        rows.append(row)
    return {"shapes": shapes.out, "rows": rows}


def read_changes(data: JSON) -> list[dict[str, JSON]]:
    raw_shapes, rows = _container(data, shaped=True)
    clocks = {key: _Clock() for key in TIME_KEYS}
    shapes: list[tuple[Any, ...]] = []
    for n, shape in enumerate(raw_shapes):
        if not isinstance(shape, list) or len(shape) < 2 or shape[2:] not in ([], [MOVED_OUT]):
            raise RowError(f"shapes.{n}", 'expected [kind, [key, ...]] (then "moved_out")')
        keys = _names(shape[1], f"shapes.{n}.keys")
        timed = [(key, clocks[key]) for key in keys if key in clocks]
        shapes.append((shape[0], keys, timed, len(shape) == 3))
    seqs = _Counter()
    out: list[dict[str, JSON]] = []
    for n, row in enumerate(rows):
        if not isinstance(row, list) or len(row) < 2:
            raise RowError(f"rows.{n}", "a row must be an array [shape, seq, value, ...]")
        kind, keys, timed, moved = _shape_of(row, shapes, f"rows.{n}")
        if len(row) != 2 + len(keys):
            raise RowError(f"rows.{n}", f"expected {len(keys)} values, one per key of the shape")
        record = dict(zip(keys, row[2:], strict=True))
        for key, clock in timed:
            record[key] = clock.read(record[key], n, key)
        seq = seqs.read(row[1], n, "seq")
        lean = {"moved_out": True} if moved else {}  # only a record moved out says so
        out.append({"kind": kind, "seq": seq, "record": record, **lean})
    return out


# ---- op results ----------------------------------------------------------------------


def write_results(results: Sequence[Mapping[str, JSON]], *, op_ids: bool) -> Batch:
    """``op_ids=False`` leaves them out: the reader knows them (the ops it pushed)."""
    if not results:
        return []
    seqs = _Counter()
    clock = _Clock()
    rows: list[Row] = []
    head = 1 if op_ids else 0
    for result in results:
        row: Row = [result["op_id"]] if op_ids else []
        row += [
            result["status"],
            result["version"],
            seqs.write(result["seq"]),
            clock.write(result["received_at"]),
            result["conflicts"],
            result["error"],
        ]
        rows.append(_trim(row, RESULT_DEFAULTS, head + 1))
    return {"rows": rows}


def read_results(data: JSON, *, op_ids: Sequence[str] | None = None) -> list[dict[str, JSON]]:
    """With ``op_ids`` the rows have none and answer those ops one for one, in order."""
    _shapes, rows = _container(data, shaped=False)
    if op_ids is not None and len(rows) != len(op_ids):
        raise RowError("rows", f"{len(rows)} results for {len(op_ids)} ops")
    head = 1 if op_ids is None else 0
    seqs = _Counter()
    clock = _Clock()
    out: list[dict[str, JSON]] = []
    for n, raw in enumerate(rows):
        path = f"rows.{n}"
        row = _padded(raw, path, head + 1, RESULT_DEFAULTS)
        status, version, seq, received_at, conflicts, error = row[head:]
        out.append(
            {
                "op_id": row[0] if op_ids is None else op_ids[n],
                "status": status,
                "version": version,
                "seq": seqs.read(seq, n, "seq"),
                "received_at": clock.read(received_at, n, "received_at"),
                "conflicts": conflicts,
                "error": error,
            }
        )
    return out


# ---- audit links ---------------------------------------------------------------------


def write_audit(links: Sequence[Mapping[str, JSON]]) -> Batch:
    if not links:
        return []
    ids = _Counter()
    rows = [
        _trim([link["digest"], ids.write(link["id"]), link["hash"]], AUDIT_DEFAULTS, 1)
        for link in links
    ]
    return {"rows": rows}


def read_audit(data: JSON) -> list[dict[str, JSON]]:
    _shapes, rows = _container(data, shaped=False)
    ids = _Counter()
    out: list[dict[str, JSON]] = []
    for n, raw in enumerate(rows):
        path = f"rows.{n}"
        digest, step, link_hash = _padded(raw, path, 1, AUDIT_DEFAULTS)
        out.append({"id": ids.read(step, n, "id"), "digest": digest, "hash": link_hash})
    return out
