"""Which live records an import batch's rows are: found by the kind's natural key (its
plain columns probed through a temporary table on the natural-key index, one indexed
look-up per row whatever the table's size), or, for kinds without one, by the row's
import key (``import_key``, migration l0006)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from client.store.database import chunks
from client.store.sealing import Sealer
from models.kinds import FieldType, KindSpec, wire_to_columns

STORED_AS_WIRE = frozenset({FieldType.TEXT, FieldType.INT, FieldType.DATE})
"""Field types whose stored value is the wire value (a date as its text)."""

_import_key = sa.Table(
    "import_key",
    sa.MetaData(),
    sa.Column("kind", sa.String(), primary_key=True),
    sa.Column("key", sa.String(), primary_key=True),
    sa.Column("record_id", sa.String(36), nullable=False),
)
"""Kinds without a natural key: the hash of an imported row's fields → the record it made
(migration l0006), so importing the same row again finds it."""

_import_probe = sa.Table(
    "import_probe",
    sa.MetaData(),
    *(sa.Column(f"k{i}", sa.String()) for i in range(4)),
    prefixes=["TEMPORARY"],
)
"""Per connection, never stored: the natural keys of the batch being matched."""


def import_matches(
    conn: Connection,
    spec: KindSpec,
    sealer: Sealer,
    records: Sequence[Mapping[str, Any]],
    import_keys: Sequence[str] | None,
) -> dict[Any, tuple[str, int, dict[str, Any]]]:
    """Live records the rows may match: ``{match key: (id, version, wire record)}``.

    Natural keys are looked up on their non-personal columns in SQL, and compared
    in full on wire values (personal columns are sealed, so only ``record_of`` can
    read them); import keys through the ``import_key`` table."""
    table = spec.table.__table__  # type: ignore[attr-defined]
    rows: list[Any] = []
    if spec.natural_key:
        plain = [name for name in spec.natural_key if name not in spec.personal]
        if not plain:  # pragma: no cover - every natural key has a plain column
            raise ValueError(f"{spec.name}: a natural key needs a non-personal column")
        # Text, int and date keys are stored as their wire values (a date as its text).
        if all(spec.field_types[n] in STORED_AS_WIRE for n in plain):
            wanted = {tuple(record[n] for n in plain) for record in records}
        else:  # pragma: no cover - no natural key has such a field today
            wanted = {
                tuple(wire_to_columns(spec, {n: record[n] for n in plain})[n] for n in plain)
                for record in records
            }
        # The batch's keys go into a temporary table joined on the natural-key index:
        # one indexed look-up per row, whatever the size of the table.
        _import_probe.create(conn, checkfirst=True)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("DELETE FROM import_probe")
            names = ", ".join(f"k{i}" for i in range(len(plain)))
            cursor.executemany(
                f"INSERT INTO import_probe ({names}) VALUES ({', '.join('?' * len(plain))})",
                wanted,
            )
        finally:
            cursor.close()
        rows.extend(
            conn.execute(
                sa.select(table)
                .select_from(_import_probe)
                .join(
                    table,
                    sa.and_(*(table.c[n] == _import_probe.c[f"k{i}"] for i, n in enumerate(plain))),
                )
                .where(table.c.deleted.is_(False))
            )
        )
        out: dict[Any, tuple[str, int, dict[str, Any]]] = {}
        for row in rows:
            record = sealer.record_of(spec, row)
            out.setdefault(
                tuple(record[name] for name in spec.natural_key),
                (row.id, row.version, record),
            )
        return out
    ids: dict[str, str] = {}
    for chunk in chunks(sorted(set(import_keys or ())), 500):
        found = conn.execute(
            sa.select(_import_key.c.key, _import_key.c.record_id).where(
                _import_key.c.kind == spec.name, _import_key.c.key.in_(chunk)
            )
        )
        ids.update((key, record_id) for key, record_id in found)
    by_id: dict[str, Any] = {}
    for chunk in chunks(sorted(set(ids.values())), 500):
        by_id.update(
            (row.id, row)
            for row in conn.execute(
                sa.select(table).where(table.c.deleted.is_(False), table.c.id.in_(chunk))
            )
        )
    return {
        key: (row.id, row.version, sealer.record_of(spec, row))
        for key, record_id in ids.items()
        if (row := by_id.get(record_id)) is not None
    }
