"""A city's records put straight into central's database, for the city benchmark.

A million records pushed through the protocol would take the benchmark an hour before
it measures anything; the records are written here as central's own push writes them
(a row per record, a change-log row per version, the counter at the top), by
COPY on PostgreSQL and executemany on SQLite. Each is a disclosure of one of the
city's villages, created by an earlier device, version 1.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from models.catalog import load_catalog
from models.kinds import KINDS

PRELOAD_DEVICE = "city-preload"
CHUNK = 20_000


def _monthly_items() -> list[str]:
    return sorted(c.code for c in load_catalog().values() if c.period == "monthly")


def _records(
    villages: list[str], first: int, count: int, now: datetime
) -> Iterator[dict[str, Any]]:
    """Records ``first`` .. ``first + count - 1`` of the city (the n-th goes to village n mod
    V, with a catalogue item and month no other record of its village has)."""
    items = _monthly_items()
    for n in range(first, first + count):
        village = villages[n % len(villages)]
        j = n // len(villages)
        item = items[j % len(items)]
        month = j // len(items)
        yield {
            "id": str(uuid.UUID(int=n + 1, version=4)),
            "org_code": village,
            "version": 1,
            "deleted": False,
            "updated_by": PRELOAD_DEVICE,
            "recorded_at": now,
            "received_at": now,
            "seq": n + 1,
            "catalog_code": item,
            "period": f"{1900 + month // 12:04d}-{month % 12 + 1:02d}",
            "title": f"{1900 + month // 12}年{month % 12 + 1}月财务公开",
            "content": "本月收入、支出明细见公开栏。" * 4,
            "channels": ["board"],
            "disclosed_on": None,
            "responsible": "",
            "reviewer": "",
            "review_opinion": "",
            "status": "published",
            "attachments": [],
        }


def _version(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "seq": record["seq"],
        "kind": "disclosure",
        "record_id": record["id"],
        "version": 1,
        "org_code": record["org_code"],
        "device_id": PRELOAD_DEVICE,
        "op_id": None,
        "changes": json.dumps({"title": [None, record["title"]]}, ensure_ascii=False),
        "at": record["received_at"],
    }


def top_of(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT seq FROM counter")).scalar_one())
    finally:
        engine.dispose()


def preload(db_url: str, villages: list[str], count: int) -> int:
    """Add ``count`` records numbered after central's current top (central stopped);
    returns the new top."""
    engine = sa.create_engine(db_url)
    table = KINDS["disclosure"].table.__table__  # type: ignore[attr-defined]
    names = ("seq", "kind", "record_id", "version", "org_code", "device_id", "op_id", "changes")
    log = sa.table("record_version", *(sa.column(n) for n in (*names, "at")))
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            first = int(conn.execute(sa.text("SELECT seq FROM counter")).scalar_one())
        rows = _records(villages, first, count, now)
        done = 0
        while done < count:
            chunk = [next(rows) for _ in range(min(CHUNK, count - done))]
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    _copy(conn, "disclosure", chunk)
                    _copy(conn, "record_version", [_version(r) for r in chunk])
                else:
                    conn.execute(table.insert(), chunk)
                    conn.execute(log.insert(), [_version(r) for r in chunk])
            done += len(chunk)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE counter SET seq = :s"), {"s": first + count})
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("ANALYZE disclosure")
                conn.exec_driver_sql("ANALYZE record_version")
            else:  # the WAL a million rows left, copied in now, as a slow growth would have
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return first + count
    finally:
        engine.dispose()


def _copy(conn: sa.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    from psycopg.types.json import Json

    names = list(rows[0])
    raw = conn.connection.dbapi_connection
    assert raw is not None
    sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row([Json(v) if isinstance(v, list) else v for v in row.values()])
