"""Legacy import speed: ``sanwu import`` of 34,057 rows against a bare SQLite bulk insert.

    python bench/bench_import.py [--rows N] [--format csv|xlsx|both] [--repeat N] [--keep DIR]

Builds a CSV (GB18030) and a workbook from the reference documents in
``../shared/bench/pouchdb-peer-34057.jsonl.gz``, mapped onto disclosures the way
an old platform's export looks: a merged title row, then Chinese headers;
village_code → a demo village of Donghe (``models.orgs.villages_of``, the 120
source codes spread over its 49 villages), category (all 财务公开) → one of the
eight finance catalogue items by name (各项收入 …), title, body → content,
created_at → disclosed_on, author → responsible, amount kept as an unmapped
column. Every source document has period 2026-10; a village has one record
per item and month, so each (village, item) series steps back a month per
document (2026-10, 2026-09, …) to keep every row its own record.

Then, for each format, it times, each in a fresh directory on the same disk, ``--repeat``
runs (default 5) of:

1. the bare baseline, in two parts:
   - read: the same file read with the plain reader of its format (``csv.reader`` in
     the file's encoding; python-calamine's ``to_python`` for a workbook);
   - insert: its rows bulk-inserted with one ``executemany`` into a plain SQLite
     table with the disclosure table's 19 columns (no key, no index, no validation,
     no outbox, no audit), one transaction, on a file database with the store's
     pragmas (WAL, synchronous=FULL); making the tuples is in neither part;
2. ``sanwu import`` (``import_file`` into a fresh home): read (``read_table``: the
   header row found, encodings detected, oversized cells kept out), clean,
   validate like typed entries, match natural keys, write records + outbox ops +
   audit chain, the whole file in one transaction.

Both sides follow the same rules: each timed part starts with the disk's pending writes
flushed (``os.sync``), and each commit syncs its WAL while copying the WAL into the
database file (the checkpoint) comes after the clock stops. For the import that is the
store's own deferred checkpoint (``Store.wait_checkpoint``), timed and printed on its
own. The baseline and the import run back to back, in alternating order.

The ratio that counts is import / (read + insert), reading the file being part of
both, taken per run (this machine's speed drifts by a third between runs, and the two
halves of a run share it); the median of the runs' ratios is the figure. For
information it also prints the ratio of the medians, the ratio to the insert alone,
and the same bare insert into the store's own disclosure table (its primary key and
indexes), then a re-import of the same file (nothing to do). Not part of the test run.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import python_calamine  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from client.legacy.importer import import_file  # noqa: E402
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
    sheet = workbook.create_sheet(SHEET)
    sheet.append(["东河区三务公开历史数据（旧平台导出）"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def write_csv(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding=CSV_ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["东河区三务公开历史数据（旧平台导出）"])
        writer.writerow(HEADERS)
        writer.writerows(rows)


_PLAIN = """CREATE TABLE disclosure_plain (
    id TEXT, org_code TEXT, version INTEGER, deleted INTEGER, updated_by TEXT,
    recorded_at TEXT, received_at TEXT, seq INTEGER, catalog_code TEXT, period TEXT,
    title TEXT, content TEXT, channels TEXT, disclosed_on TEXT, responsible TEXT,
    reviewer TEXT, review_opinion TEXT, status TEXT, attachments TEXT)"""


CSV_ENCODING = "gb18030"
"""What ``write_csv`` writes (GBK's superset): the bare read is told it, the import detects it."""
SHEET = "三务公开"
HEADER_LINE = 2
"""The merged title row, then the headers: data starts on the third row."""


def bare_read(path: Path) -> list[list[Any]]:
    """The file's data rows with the plain reader of its format, nothing else."""
    if path.suffix == ".csv":
        with path.open(encoding=CSV_ENCODING, newline="") as handle:
            return list(csv.reader(handle))[HEADER_LINE:]
    with python_calamine.CalamineWorkbook.from_path(str(path)) as workbook:
        return workbook.get_sheet_by_name(SHEET).to_python()[HEADER_LINE:]


def bare_insert(path: Path, db: Path, *, schema: bool = False) -> tuple[float, float, int]:
    """Seconds to read the file with its plain reader, seconds to bulk-insert its rows (into
    the plain table, or with ``schema`` into the store's disclosure table and indexes)."""
    _settle()
    started = time.perf_counter()
    cells = bare_read(path)
    read = time.perf_counter() - started
    rows = [
        (
            str(row[0]),
            row[1],
            0,
            0,
            "",
            "2026-01-01 00:00:00",
            None,
            0,
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
            "",
            "",
            row[9],
            "[]",
        )
        for row in cells
    ]
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    # Like the import's, its WAL is copied into the database file after the clock stops.
    conn.execute("PRAGMA wal_autocheckpoint=0")
    name = "disclosure" if schema else "disclosure_plain"
    if schema:
        for statement in _store_schema():
            conn.execute(statement)
        rows = [(f"{n:08d}-0000-7000-8000-000000000000", *row[1:]) for n, row in enumerate(rows)]
    else:
        conn.execute(_PLAIN)
    columns = [line.split()[0] for line in _PLAIN.split("(", 1)[1].rstrip(")").split(",")]
    _settle()
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * 19)})", rows
    )
    conn.execute("COMMIT")
    insert = time.perf_counter() - started
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return read, insert, len(rows)


def _settle() -> None:
    """Each timed part starts with nothing of an earlier part still being written out:
    the kernel's pending writes (the last database, the one just deleted) are flushed
    first, for the baseline and the import alike."""
    os.sync()


def _store_schema() -> list[str]:
    """The disclosure table and its indexes as a new home creates them."""
    with tempfile.TemporaryDirectory() as scratch:
        Store(Path(scratch), passphrase=None).close()
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


def _import(legacy: Path, home: Path, *, show: bool) -> tuple[float, float]:
    """Seconds of ``import_file`` (what the user waits for), and seconds of the WAL
    checkpoint it leaves to a background thread (waited for here, after the clock
    stopped, so it never overlaps the next measurement)."""
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // total
        if show and percent // 10 != shown[0]:
            shown[0] = percent // 10
            sys.stderr.write(f"\r  importing {done:,}/{total:,} ({percent}%)")

    if home.exists():
        shutil.rmtree(home)
    # Locked: a disclosure has no personal field, so the import needs no key
    # (and no scrypt between runs).
    with Store(home, passphrase=None) as store:
        _settle()
        started = time.perf_counter()
        report = import_file(store, legacy, "disclosure", progress=progress)
        seconds = time.perf_counter() - started
        checkpoint = store.wait_checkpoint()
        if show:
            sys.stderr.write("\n")
        assert (report.created, report.rejected) == (report.rows, 0), report
        assert store.status().pending == report.rows
    return seconds, checkpoint or 0.0


@dataclass
class Figures:
    """Medians of one format's runs."""

    format: str
    rows: int
    read: float
    insert: float
    schema_insert: float
    seconds: float
    checkpoint: float
    """The import's deferred WAL checkpoint (after it returns, in the background)."""
    ratio: float
    """The median of each run's import / (read + bare insert): the figure that counts."""

    @property
    def ratio_of_medians(self) -> float:
        return self.seconds / (self.read + self.insert)

    @property
    def met(self) -> bool:
        return self.seconds < TARGET_SECONDS and self.ratio <= TARGET_RATIO


TARGET_SECONDS = 5.0
TARGET_RATIO = 3.0


def _verdict(figures: Figures) -> str:
    return "met" if figures.met else "NOT met"


def measure(fmt: str, rows: list[list[Any]], work: Path, repeat: int) -> Figures:
    legacy = work / f"legacy-{len(rows)}.{fmt}"
    started = time.perf_counter()
    (write_xlsx if fmt == "xlsx" else write_csv)(legacy, rows)
    print(
        f"\ngenerated {legacy.name}: {len(rows):,} rows, "
        f"{legacy.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s"
    )
    reads: list[float] = []
    inserts: list[float] = []
    schema_inserts: list[float] = []
    imports: list[float] = []
    checkpoints: list[float] = []
    count = 0
    ratios: list[float] = []
    for attempt in range(repeat):
        # The baseline and the import are measured back to back and their ratio taken per
        # run (the machine's speed drifts between runs); which goes first alternates.
        if attempt % 2:
            seconds, checkpoint = _import(legacy, work / "home", show=attempt == 0)
        read, insert, count = bare_insert(legacy, work / "plain.db")
        _read, schema_insert, _count = bare_insert(legacy, work / "schema.db", schema=True)
        if not attempt % 2:
            seconds, checkpoint = _import(legacy, work / "home", show=attempt == 0)
        ratios.append(seconds / (read + insert))
        reads.append(read)
        inserts.append(insert)
        schema_inserts.append(schema_insert)
        imports.append(seconds)
        checkpoints.append(checkpoint)
        print(
            f"run {attempt + 1}: read {read:5.2f} s, bare insert {insert:5.2f} s, "
            f"sanwu import {seconds:5.2f} s  ->  {seconds / (read + insert):4.2f}x"
            f"  (then its deferred checkpoint {checkpoint:4.2f} s)"
        )
    figures = Figures(
        fmt,
        count,
        _median(reads),
        _median(inserts),
        _median(schema_inserts),
        _median(imports),
        _median(checkpoints),
        _median(ratios),
    )
    reader = "csv.reader" if fmt == "csv" else "calamine to_python"
    print(f"medians of {repeat} runs, {count:,} rows ({fmt}):")
    print(f"  read        {figures.read:6.2f} s  {reader} on the file")
    print(
        f"  bare insert {figures.insert:6.2f} s  one executemany, plain table of the"
        " same 19 columns, no key/index, one commit"
    )
    print(
        f"  sanwu import{figures.seconds:6.2f} s  read + clean + validate + match + records,"
        " outbox ops, audit chain (one transaction)"
    )
    print(
        f"  checkpoint  {figures.checkpoint:6.2f} s  the import's WAL pages copied into the"
        " database file afterwards, in a background thread (not in the ratio)"
    )
    print(
        f"  ratio import / (read + bare insert), median of the runs' = {figures.ratio:4.2f}x"
        f"  (target under {TARGET_SECONDS:g} s and within {TARGET_RATIO:g}x: {_verdict(figures)});"
        f" of the medians above {figures.ratio_of_medians:4.2f}x"
    )
    print(
        f"  for information: import / bare insert alone = {figures.seconds / figures.insert:5.2f}x;"
    )
    print(
        "  the bare insert into the store's own disclosure table (key + indexes) takes"
        f" {figures.schema_insert:5.2f} s"
    )
    with Store(work / "home", passphrase=None) as store:
        started = time.perf_counter()
        again = import_file(store, legacy, "disclosure")
        repeat_seconds = time.perf_counter() - started
        print(
            f"re-import:     {repeat_seconds:6.2f} s: created {again.created}, "
            f"updated {again.updated}, unchanged {again.unchanged:,}"
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=34_057)
    parser.add_argument("--format", choices=["csv", "xlsx", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; medians count")
    parser.add_argument("--keep", help="write the generated files and databases here")
    args = parser.parse_args()
    formats = ["csv", "xlsx"] if args.format == "both" else [args.format]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(args.keep) if args.keep else Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        rows = legacy_rows(args.rows)
        results = [measure(fmt, rows, work, args.repeat) for fmt in formats]
    print("\nsummary (medians):")
    for figures in results:
        print(
            f"  {figures.format:4s}  import {figures.seconds:5.2f} s"
            f" (+ deferred checkpoint {figures.checkpoint:4.2f} s), read {figures.read:5.2f} s,"
            f" bare insert {figures.insert:5.2f} s  ->  {figures.ratio:4.2f}x"
            f"  (target <{TARGET_SECONDS:g} s and <={TARGET_RATIO:g}x:"
            f" {_verdict(figures)})"
        )


if __name__ == "__main__":
    main()
