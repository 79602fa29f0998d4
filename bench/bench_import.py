"""Legacy import speed: ``sanwu import`` of 34,057 rows against a bare SQLite bulk insert.

    python bench/bench_import.py [--rows N] [--format xlsx|csv] [--repeat N] [--keep DIR]

Builds a workbook (or CSV) from the reference documents in
``../shared/bench/pouchdb-peer-34057.jsonl.gz``, mapped onto disclosures the way
an old platform's export looks: a merged title row, then Chinese headers;
village_code → a demo village of Donghe (``models.orgs.villages_of``, the 120
source codes spread over its 49 villages), category (all 财务公开) → one of the
eight finance catalogue items by name (各项收入 …), title, body → content,
created_at → disclosed_on, author → responsible, amount kept as an unmapped
column. Every source document has period 2026-10; a village has one record
per item and month, so each (village, item) series steps back a month per
document (2026-10, 2026-09, …) to keep every row its own record.

Then it times, each in a fresh directory on the same disk, ``--repeat`` times
(default 3; the machine may be shared, so the median is what counts):

1. the bare baseline, in two parts:
   - read: the same file read with the same reader (``read_table``) as the import;
   - insert: its rows, already parsed, bulk-inserted with one ``executemany``
     into a plain SQLite table with the disclosure table's columns (no key, no
     index, no validation, no outbox, no audit), one transaction, the store's
     pragmas (WAL, synchronous=FULL);
2. ``sanwu import`` (``import_file`` into a fresh home): read (the same
   reader), clean, validate like typed entries, match natural keys, write
   records + outbox ops + audit chain (``DEFAULT_BATCH`` rows a transaction).

The ratio that counts is import / (read + insert): reading the file is part of
both. For information it also prints the ratio to the insert alone, and the same
bare insert into the store's own disclosure table (its primary key and three
indexes), then a re-import of the same file (nothing to do). Not part of the
test run.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from client.legacy.importer import DEFAULT_BATCH, import_file  # noqa: E402
from client.legacy.mapping import load_mapping  # noqa: E402
from client.legacy.reading import read_table  # noqa: E402
from client.store import Store  # noqa: E402
from models.catalog import load_catalog  # noqa: E402
from models.orgs import villages_of  # noqa: E402

SOURCE = ROOT.parent / "shared" / "bench" / "pouchdb-peer-34057.jsonl.gz"
TOWNS = ("150202100000", "150202101000")
HEADERS = [
    "序号",
    "单位编码",
    "事项",
    "公开期间",
    "标题",
    "公开内容",
    "公开形式",
    "公开时间",
    "责任人",
    "状态",
    "金额(元)",
]


def _documents(limit: int) -> Iterator[dict[str, Any]]:
    with gzip.open(SOURCE, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if n >= limit:
                return
            yield json.loads(line)


def _month_back(period: str, months: int) -> str:
    year, month = (int(part) for part in period.split("-"))
    total = year * 12 + month - 1 - months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def legacy_rows(limit: int) -> list[list[Any]]:
    villages = [unit.code for town in TOWNS for unit in villages_of(town)]
    finance = [item.name for item in load_catalog().values() if item.domain == "finance"]
    source_codes: dict[str, str] = {}
    series: Counter[tuple[str, str]] = Counter()
    rows: list[list[Any]] = []
    for n, doc in enumerate(_documents(limit)):
        org = source_codes.setdefault(
            doc["village_code"], villages[len(source_codes) % len(villages)]
        )
        item = finance[n % len(finance)]
        step = series[(org, item)]
        series[(org, item)] += 1
        rows.append(
            [
                n + 1,
                org,
                item,
                _month_back(doc["period"], step),
                doc["title"],
                doc["body"],
                "固定公开栏、微信公众号",
                doc["created_at"][:10],
                doc["author"],
                "已公开",
                f"{doc['amount']:,.2f}",
            ]
        )
    return rows


def write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("三务公开")
    sheet.append(["东河区三务公开历史数据（旧平台导出）"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def write_csv(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["东河区三务公开历史数据（旧平台导出）"])
        writer.writerow(HEADERS)
        writer.writerows(rows)


_PLAIN = """CREATE TABLE disclosure_plain (
    id TEXT, org_code TEXT, version INTEGER, deleted INTEGER, updated_by TEXT,
    recorded_at TEXT, received_at TEXT, seq INTEGER, catalog_code TEXT, period TEXT,
    title TEXT, content TEXT, channels TEXT, disclosed_on TEXT, responsible TEXT,
    reviewer TEXT, review_opinion TEXT, status TEXT, attachments TEXT)"""


def bare_insert(path: Path, db: Path, *, schema: bool = False) -> tuple[float, float, int]:
    """Seconds to read the file with the same reader, seconds to bulk-insert its rows (into
    the plain table, or with ``schema`` into the store's disclosure table and indexes)."""
    started = time.perf_counter()
    table = read_table(path, known_headers=load_mapping("disclosure").known_headers)
    read = time.perf_counter() - started
    rows = [
        (
            str(cells[0]),
            cells[1],
            0,
            0,
            "",
            "2026-01-01 00:00:00",
            None,
            0,
            cells[2],
            cells[3],
            cells[4],
            cells[5],
            cells[6],
            cells[7],
            cells[8],
            "",
            "",
            cells[9],
            "[]",
        )
        for _line, cells in table.rows
    ]
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    name = "disclosure" if schema else "disclosure_plain"
    if schema:
        for statement in _store_schema():
            conn.execute(statement)
        rows = [(f"{n:08d}-0000-7000-8000-000000000000", *row[1:]) for n, row in enumerate(rows)]
    else:
        conn.execute(_PLAIN)
    columns = [line.split()[0] for line in _PLAIN.split("(", 1)[1].rstrip(")").split(",")]
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * 19)})", rows
    )
    conn.execute("COMMIT")
    insert = time.perf_counter() - started
    conn.close()
    return read, insert, len(rows)


def _store_schema() -> list[str]:
    """The disclosure table and its indexes as a new home creates them."""
    with tempfile.TemporaryDirectory() as scratch:
        Store(Path(scratch)).close()
        conn = sqlite3.connect(Path(scratch) / "sanwu.db")
        found = conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'disclosure' AND sql IS NOT NULL"
            " ORDER BY type DESC"
        ).fetchall()
        conn.close()
    return [sql for (sql,) in found]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _import(legacy: Path, home: Path, *, show: bool) -> float:
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // total
        if show and percent // 10 != shown[0]:
            shown[0] = percent // 10
            sys.stderr.write(f"\r  importing {done:,}/{total:,} ({percent}%)")

    if home.exists():
        shutil.rmtree(home)
    with Store(home) as store:
        started = time.perf_counter()
        report = import_file(store, legacy, "disclosure", progress=progress)
        seconds = time.perf_counter() - started
        if show:
            sys.stderr.write("\n")
        assert (report.created, report.rejected) == (report.rows, 0), report
        assert store.status().pending == report.rows
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=34_057)
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians count")
    parser.add_argument("--keep", help="write the generated file and databases here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.keep) if args.keep else Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        legacy = work / f"legacy-{args.rows}.{args.format}"
        started = time.perf_counter()
        rows = legacy_rows(args.rows)
        (write_xlsx if args.format == "xlsx" else write_csv)(legacy, rows)
        print(
            f"generated {legacy.name}: {len(rows):,} rows, "
            f"{legacy.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s"
        )

        reads: list[float] = []
        inserts: list[float] = []
        schema_inserts: list[float] = []
        imports: list[float] = []
        for attempt in range(args.repeat):
            read, insert, count = bare_insert(legacy, work / "plain.db")
            _read, schema_insert, _count = bare_insert(legacy, work / "schema.db", schema=True)
            seconds = _import(legacy, work / "home", show=attempt == 0)
            reads.append(read)
            inserts.append(insert)
            schema_inserts.append(schema_insert)
            imports.append(seconds)
            print(
                f"run {attempt + 1}: read {read:5.2f} s, bare insert {insert:5.2f} s, "
                f"sanwu import {seconds:5.2f} s  ->  {seconds / (read + insert):4.2f}x"
            )
        read, insert, seconds = _median(reads), _median(inserts), _median(imports)
        print(f"\nmedians of {args.repeat} runs, {count:,} rows ({args.format}):")
        print(f"  read        {read:6.2f} s  read_table on the file (common to both sides)")
        print(
            f"  bare insert {insert:6.2f} s  parsed rows, one executemany, plain table of the"
            " same 19 columns, no key/index, one commit"
        )
        print(
            f"  sanwu import{seconds:6.2f} s  read + clean + validate + match + records,"
            f" outbox ops, audit chain ({DEFAULT_BATCH:,} rows a transaction)"
        )
        ratio = seconds / (read + insert)
        verdict = "met" if seconds < 5 and ratio <= 3 else "NOT met"
        print(
            f"  ratio import / (read + bare insert) = {ratio:4.2f}x  "
            f"(target under 5 s and within 3x: {verdict})"
        )
        print(f"  for information: import / bare insert alone = {seconds / insert:5.2f}x;")
        print(
            f"  the bare insert into the store's own disclosure table (key + 3 indexes) takes"
            f" {_median(schema_inserts):5.2f} s"
        )

        with Store(work / "home") as store:
            started = time.perf_counter()
            again = import_file(store, legacy, "disclosure")
            repeat = time.perf_counter() - started
            print(
                f"re-import:     {repeat:6.2f} s: created {again.created}, "
                f"updated {again.updated}, unchanged {again.unchanged:,}"
            )


if __name__ == "__main__":
    main()
