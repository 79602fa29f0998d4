"""Records' personal values as central keeps them: sealed with its data key
(``central.sealing``), opened only where central serves or reads them.

Which fields are personal is the kinds' declaration (``KindSpec.personal``, the
``Personal`` marker); nothing here names a field. Each value is bound to its place:

    record tables     (its table, its column, the record's id)
    record_version    ("record_version", "<field>.from" / "<field>.to", "<record id>@<version>")
    op_result         ("op_result", "result", the op's id): a stored answer that carries
                      records or values (conflicts, a refusal's record) is sealed whole

A personal field in its kind's natural key (a payment's ID number) carries its blind
index in front, ``sc1:<blind>:<key id>:<base64>``: HMAC-SHA256 of the column and value
under central's secret (``central.findings.central_secret``, the key of the payment
fingerprints), so the look-ups of a push and the natural-key unique index (migration
0011: on the first ``BLIND_PREFIX_LENGTH`` characters) still find equal values. A key
rotation re-seals the rest of the value; the blind index stays as long as the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from central.sealing import CentralKey, is_sealed, load_key
from models.kinds import KindSpec, row_to_wire

__all__ = [
    "BLIND_PREFIX_LENGTH",
    "OP_RESULT",
    "VERSIONS",
    "AtRest",
    "blind_index",
    "key_column",
    "version_place",
]

BLIND_HEX = 32
"""128 bits of HMAC-SHA256: no collisions among a district's ID numbers."""
BLIND_PREFIX_LENGTH = len("sc1:") + BLIND_HEX + 1
"""``sc1:<blind>:``: what the natural-key index and look-ups compare."""
VERSIONS = "record_version"
OP_RESULT = "op_result"


def blind_index(secret: bytes, column: str, value: str) -> str:
    """Deterministic and keyed: equal values of one column give equal indexes, nothing else."""
    message = f"natural key|{column}|{value}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:BLIND_HEX]


def key_column(column: Any) -> Any:
    """What a natural-key look-up compares of a personal column: its blind prefix, as the
    unique index has it (literal bounds, so PostgreSQL's planner matches the index)."""
    return sa.func.substr(
        column, sa.literal_column("1"), sa.literal_column(str(BLIND_PREFIX_LENGTH))
    )


def version_place(field: str, record_id: str, version: int, end: int) -> tuple[str, str]:
    """(column, row id) a version's ``from`` (end 0) or ``to`` (end 1) value is bound to."""
    return f"{field}.{'to' if end else 'from'}", f"{record_id}@{version}"


class AtRest:
    """Seals and opens records' personal values for one piece of work (a push, a pull,
    a rotation). The key is loaded on first need: work without personal values needs none."""

    def __init__(
        self,
        load: Callable[[], CentralKey],
        secret: Callable[[], bytes] | bytes | None = None,
    ) -> None:
        self._load = load
        self._secret = secret

    @classmethod
    def of(cls, session: Session, secret: Callable[[], bytes] | bytes | None = None) -> AtRest:
        url = session.get_bind().engine.url
        return cls(lambda: load_key(url), secret)

    @cached_property
    def key(self) -> CentralKey:
        return self._load()

    @cached_property
    def secret(self) -> bytes:
        if self._secret is None:
            raise ValueError("a natural-key look-up of a personal field needs central's secret")
        return self._secret if isinstance(self._secret, bytes) else self._secret()

    # ---- record columns -------------------------------------------------------------

    def blind(self, column: str, value: str) -> str:
        return blind_index(self.secret, column, value)

    def blind_prefix(self, column: str, value: Any) -> str:
        return f"sc1:{self.blind(column, str(value or ''))}:"

    def seal_value(self, spec: KindSpec, name: str, record_id: str, value: Any) -> Any:
        """A column value as stored: personal text sealed; anything else as it is."""
        if name not in spec.personal or not isinstance(value, str) or not value:
            return value
        if is_sealed(value):
            return value
        blind = self.blind(name, value) if name in spec.natural_key else ""
        return self.key.seal(_table(spec), name, record_id, value, blind=blind)

    def seal_columns(self, spec: KindSpec, columns: dict[str, Any], record_id: str) -> None:
        """Seal, in place, the personal values among ``columns`` of record ``record_id``."""
        for name in spec.personal:
            if name in columns:
                columns[name] = self.seal_value(spec, name, record_id, columns[name])

    def open_value(self, spec: KindSpec, name: str, record_id: str, value: Any) -> Any:
        if not is_sealed(value):
            return value
        return self.key.open(_table(spec), name, record_id, value)

    def wire(self, spec: KindSpec, row: Any) -> dict[str, Any]:
        """``row_to_wire`` with the personal values opened (the rest is never touched)."""
        record = row_to_wire(spec, row)
        for name in spec.personal:
            record[name] = self.open_value(spec, name, row.id, record[name])
        return record

    def key_match(self, spec: KindSpec, table: Any, name: str, value: Any) -> Any:
        """The condition "column ``name`` holds ``value``" for a natural-key look-up."""
        column = getattr(table, name)
        if name in spec.personal:
            return key_column(column) == self.blind_prefix(name, value)
        return column == value

    def key_in(self, spec: KindSpec, table: Any, name: str, values: list[Any]) -> Any:
        column = getattr(table, name)
        if name in spec.personal:
            return key_column(column).in_([self.blind_prefix(name, v) for v in values])
        return column.in_(values)

    # ---- the change log ---------------------------------------------------------------

    def seal_changes(
        self,
        spec: KindSpec,
        record_id: str,
        version: int,
        changes: Mapping[str, tuple[Any, Any] | list[Any]],
    ) -> str:
        """A version's ``{field: [from, to]}`` as JSON, its personal values sealed."""
        out: dict[str, list[Any]] = {}
        for name, pair in changes.items():
            values = list(pair)
            if name in spec.personal:
                for end, value in enumerate(values):
                    if isinstance(value, str) and value and not is_sealed(value):
                        column, row = version_place(name, record_id, version, end)
                        values[end] = self.key.seal(VERSIONS, column, row, value)
            out[name] = values
        return json.dumps(out, ensure_ascii=False)

    def open_changes(
        self, spec: KindSpec | None, record_id: str, version: int, text: str
    ) -> dict[str, list[Any]]:
        """A version's changes as stored, opened."""
        changes: dict[str, list[Any]] = json.loads(text)
        if spec is None or not spec.personal:
            return changes
        for name in spec.personal & changes.keys():
            values = changes[name]
            for end, value in enumerate(values):
                if is_sealed(value):
                    column, row = version_place(name, record_id, version, end)
                    values[end] = self.key.open(VERSIONS, column, row, value)
        return changes

    # ---- stored answers ---------------------------------------------------------------

    def seal_result(self, op_id: str, text: str, *, carries_values: bool) -> str:
        """A stored op answer: sealed whole when it carries records or values."""
        return self.key.seal(OP_RESULT, "result", op_id, text) if carries_values else text

    def open_result(self, op_id: str, text: str) -> str:
        return self.key.open(OP_RESULT, "result", op_id, text) if is_sealed(text) else text


def _table(spec: KindSpec) -> str:
    return str(spec.table.__tablename__)
