"""The bulk import's fast paths write exactly what the ordinary ones do.

``BulkImport.add`` writes records, ops and audit entries with the sqlite3 cursor,
``audit.append_many`` assembles canonical bodies from pieces, and the importer tells
``validate_record`` which fields ``normalize`` produced: each is checked here against
``Store.add``, ``audit.entry_hash`` / ``verify_chain`` and a full ``validate_record``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from client import audit
from client.column_codec import records_of
from client.legacy import checking
from client.legacy.cleaning import clean_text, clean_texts
from client.legacy.columns import table_columns
from client.legacy.mapping import load_mapping
from client.legacy.reading import Oversized, read_table
from client.store import IMPORT_CREATED, Store
from client.tables import OutboxOp
from models.kinds import kind_spec
from models.validation import normalize, validate_record
from tests.client.conftest import VILLAGE
from tests.client.legacy.files import DISCLOSURE_HEADERS, disclosure_rows, write_csv, write_xlsx
from tests.stores import arrived, held_project, import_rows, open_store, verify_chain

PROJECT = "0190b7c4-0000-7000-8000-000000000001"

WARNING = {
    "id": "0190b7c4-0000-7000-8000-0000000000a1",
    "org_code": VILLAGE,
    "doc_type": "suggestion",
    "title": "监督建议书",
    "problems": "财务公开逾期",
    "reply_due": "2024-03-15",
    "status": "received",
    "received_on": "2024-02-20",
}

RECORDS: dict[str, dict[str, Any]] = {
    "disclosure": {
        "catalog_code": "FIN-02",
        "period": "2026-10",
        "title": '收入 "公开" \\ 第一批\t',
        "content": "内容：１２３ ☃ \u2028 end",
        "channels": ["wechat", "board"],
        "disclosed_on": "2026-10-14",
        "responsible": "张三",
        "status": "submitted",
    },
    "subsidy_payment": {
        "project_id": PROJECT,
        "recipient_name": "李四",
        "id_number": "11010519491231002X",
        "standard": 1000,
        "quantity": "2.5",
        "unit": "mu",
        "amount_fen": 2500,
        "paid_on": "2020-07-14",
        "method": "one_card",
        "account": "6222020200112233",
    },
    "feedback": {
        "warning_id": WARNING["id"],
        "reported_on": "2024-03-01",
        "progress": "已整改",
        "completed": True,
        "attachments": ["b.jpg", "a.pdf"],
    },
    "duty_evidence": {
        "indicator_code": "ZT-001",
        "occurred_on": date.today().isoformat(),  # a closed year's evidence is locked
        "description": "召开专题会议",
    },
}


def _full(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    given, errors = normalize(kind, values)
    assert errors == []
    record = kind_spec(kind).defaults()
    record["org_code"] = VILLAGE
    record.update(given)
    assert validate_record(kind, record) == []
    return record


def _raw_row(store: Store, kind: str, record_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(f"SELECT * FROM {kind} WHERE id = ?", (record_id,)).one()
    return dict(row._mapping)


def _ops(store: Store, record_id: str) -> list[dict[str, Any]]:
    table = OutboxOp.__table__  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(table).where(table.c.record_id == record_id))
        return [dict(row._mapping) for row in rows]


def _check_many(checker: Any, rows: Any) -> list[Any]:
    """Per row, what ``check_batch`` found: its record (or None) and its problems."""
    checked = checker.check_batch(rows)
    if checked.results is not None:
        return list(checked.results)
    return [(record, []) for record in records_of(checked.columns or {})]


@pytest.mark.parametrize("kind", sorted(RECORDS))
def test_an_imported_record_reads_back_like_an_added_one(enrolled: Store, kind: str) -> None:
    values = RECORDS[kind]
    if kind == "feedback":  # a feedback answers a warning this village signed for
        arrived(enrolled, "warning", WARNING)
    if kind == "subsidy_payment":  # a payment names a project its village holds
        held_project(enrolled, PROJECT, VILLAGE)
    added_id = enrolled.add(kind, values)
    other = dict(values)
    if kind == "disclosure":
        other["period"] = "2026-09"  # the natural key must differ
    if kind == "subsidy_payment":
        other["id_number"] = "110105194912310038"
    record = _full(kind, other)
    keys = None if kind_spec(kind).natural_key else ["key-1"]
    outcome = import_rows(enrolled, kind, [record], import_keys=keys)
    assert outcome.statuses == [IMPORT_CREATED]
    imported_id = outcome.record_ids[0]
    assert imported_id is not None

    _, added = enrolled.get(added_id)
    _, imported = enrolled.get(imported_id)
    for name in ("id", "recorded_at"):
        added.pop(name), imported.pop(name)
    expected = _full(kind, values)
    key_fields = [n for n in ("period", "id_number") if n in other]
    theirs: dict[str, Any] = {n: expected[n] for n in key_fields}
    mine: dict[str, Any] = {n: other[n] for n in key_fields}
    assert added == {**imported, **theirs}
    assert {**added, **mine} == imported
    # Stored columns: the same types and the same text (timestamps in the same format).
    raw_added, raw_imported = (
        _raw_row(enrolled, kind, added_id),
        _raw_row(enrolled, kind, imported_id),
    )
    assert raw_added.keys() == raw_imported.keys()
    for name in raw_added:
        if name in kind_spec(kind).personal or name in ("id", "period", "id_number"):
            continue
        if name == "recorded_at":
            assert len(raw_added[name]) == len(raw_imported[name]) == 26
            continue
        assert type(raw_added[name]) is type(raw_imported[name]), name
        assert raw_added[name] == raw_imported[name], name
    # Personal values are sealed at rest, never stored in clear.
    for name in kind_spec(kind).personal:
        assert values[name] not in str(raw_imported[name])
    # The imported op is queued as the record is (no values of its own); read, it carries
    # the changes the typed one stored (sealed personal values open to the same).
    (added_op,) = _ops(enrolled, added_id)
    (imported_op,) = _ops(enrolled, imported_id)
    assert imported_op["changes"] is None
    for name in ("action", "base_version", "state", "attempts", "last_error"):
        assert added_op[name] == imported_op[name], name
    assert imported_op["op_id"] == imported_id
    queued = {op.record_id: op for _seq, op in enrolled.pending_ops(after_seq=0, limit=10)}
    assert queued[added_id].changes.keys() == added_op["changes"].keys()
    mine, theirs = queued[added_id].changes, queued[imported_id].changes
    for name in ("period", "id_number"):
        mine.pop(name, None), theirs.pop(name, None)
    assert mine == theirs
    with enrolled.engine.connect() as conn:
        assert verify_chain(conn) is None


def test_append_many_makes_the_chain_append_makes(enrolled: Store) -> None:
    at = datetime(2026, 10, 14, 8, 30, 0, 5, tzinfo=UTC)
    tricky = [
        ('dev-"1"', "create", "disclosure", "id-1", {"title": (None, 'a "b" \\ c\n☃')}),
        ("设备\u2028", "update", "subsidy_payment", "id\t2",
         {"id_number": ("", "11010519491231002X")}),
        ("dev-1", "create", "feedback", "3",
         {"attachments": (None, ["b", "a"]), "completed": (False, True)}),
        ("dev-1", "delete", "clue", "4",
         {"deleted": (False, True), "reporter_contact": ("x", None)}),
    ]  # fmt: skip
    with enrolled.transaction() as conn:
        audit.append(
            conn, at=at, actor="a", action="create", kind="clue", record_id="0", changes={}
        )
        audit.append_many(
            conn,
            [audit.Entry(at, a, b, k, r, c) for a, b, k, r, c in tricky],
        )
        audit.append(
            conn, at=at, actor="a", action="create", kind="clue", record_id="5", changes={}
        )
    with enrolled.engine.connect() as conn:
        assert verify_chain(conn) is None
        rows = conn.execute(sa.text("SELECT changes FROM audit ORDER BY id")).all()
    assert "11010519491231002X" not in str(rows)  # masked, as ``append`` masks


def test_append_many_gives_the_hashes_append_gives(enrolled: Store, store_factory: Any) -> None:
    at = datetime(2026, 10, 14, 8, 30, tzinfo=UTC)
    entries: list[dict[str, Any]] = [
        {"at": at, "actor": "dev-1", "action": "create", "kind": "disclosure",
         "record_id": f"r{n}", "changes": {"title": (None, f"第{n}条 \"x\"")}}
        for n in range(3)
    ]  # fmt: skip
    other = store_factory()
    with enrolled.transaction() as conn:
        audit.append_many(conn, [audit.Entry(**entry) for entry in entries])
    with other.transaction() as conn:
        for entry in entries:
            audit.append(conn, **entry)
    query = sa.text("SELECT at, actor, action, kind, record_id, prev_hash, hash FROM audit")
    with enrolled.engine.connect() as one, other.engine.connect() as two:
        assert one.execute(query).all() == two.execute(query).all()


@pytest.fixture
def store_factory(tmp_path: Any) -> Any:
    opened: list[Store] = []

    def make() -> Store:
        store = open_store(tmp_path / f"other-{len(opened)}")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("disclosure", {"org_code": VILLAGE, "catalog_code": "fin-01", "period": "2026-q3",
                        "title": " t ", "channels": "固定公开栏、wechat", "status": "已公开",
                        "disclosed_on": "2026-10-01"}),
        ("disclosure", {"org_code": VILLAGE, "catalog_code": "FIN-01", "period": "2026-Q3",
                        "title": "t"}),
        ("subsidy_payment", {"org_code": VILLAGE, "project_id": PROJECT, "recipient_name": "王",
                             "id_number": "110105491231002", "standard": "100",
                             "quantity": "02.50", "amount_fen": 250, "method": "现金",
                             "account": "6222-0202 0011"}),
        ("subsidy_project", {"org_code": VILLAGE, "category": "农业类补贴", "name": "n",
                             "stage": "planning", "planned_on": "2024-01-02",
                             "allocated_on": "2023-01-01", "total_fen": "5"}),
        ("feedback", {"org_code": VILLAGE, "warning_id": PROJECT, "reported_on": "2024-03-01",
                      "progress": "p", "completed": "是", "attachments": ["a", "a", " b "]}),
        ("warning", {"org_code": VILLAGE, "doc_type": "预警", "title": "w",
                     "issued_on": "2024-03-02", "reply_due": "2024-03-01", "status": "已下发",
                     "issued_by": "镇纪委"}),
        ("clue", {"org_code": VILLAGE, "source": "热线电话", "problem": "fake",
                  "description": "d", "received_on": "2024-01-01", "reporter_contact": " 139 "}),
        ("duty_evidence", {"org_code": VILLAGE, "indicator_code": "zt-001",
                           "occurred_on": "2024-03-01", "description": "d"}),
    ],
)  # fmt: skip
def test_validate_record_trusts_normalized_fields_without_missing_anything(
    kind: str, values: dict[str, Any]
) -> None:
    given, errors = normalize(kind, values)
    assert errors == []
    record = kind_spec(kind).defaults()
    record.update(given)
    # Every rule maps its own output to itself: nothing is lost by not running it again.
    again, errors = normalize(kind, given)
    assert (again, errors) == (given, [])
    assert validate_record(kind, record, normalized=given.keys()) == validate_record(kind, record)
    # Every field trusted (the importer's fast path): only required and cross checks run.
    whole, errors = normalize(kind, record)
    assert errors == []
    assert validate_record(kind, whole, normalized=frozenset(whole)) == validate_record(kind, whole)
    for field in sorted(kind_spec(kind).required):  # a required field left empty
        emptied = {**whole, field: kind_spec(kind).defaults()[field]}
        assert validate_record(kind, emptied, normalized=frozenset(emptied)) == validate_record(
            kind, emptied
        )


def _two_records() -> list[dict[str, Any]]:
    return [_full("disclosure", {**RECORDS["disclosure"], "period": f"2026-0{n}"}) for n in (1, 2)]


def _import_failing_at_the_audit(
    store: Store, monkeypatch: pytest.MonkeyPatch, records: list[dict[str, Any]]
) -> None:
    """An import whose audit entries fail after its records and ops went in."""

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(audit, "append_many", broken)
    with pytest.raises(OSError, match="disk full"):
        import_rows(store, "disclosure", records)
    monkeypatch.undo()


def test_a_batch_that_fails_half_way_leaves_nothing(
    enrolled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records and ops go in with the raw cursor, inside the store's transaction: when the
    audit entries then fail, the rollback takes the records and ops with it."""
    records = _two_records()
    _import_failing_at_the_audit(enrolled, monkeypatch, records)
    with enrolled.engine.connect() as conn:
        counts = [
            conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one()
            for name in ("disclosure", "outbox", "audit")
        ]
    assert counts == [0, 0, 0]
    assert import_rows(enrolled, "disclosure", records).statuses == [IMPORT_CREATED] * 2


def _indexes(store: Store, table: str) -> dict[str, str]:
    with store.engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
            (table,),
        )
        return {str(name): str(sql or "") for name, sql in found}


def test_an_import_into_an_empty_table_builds_its_indexes_at_the_end(
    enrolled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indexes a first import drops are there again after it, the same ones, and in
    use; after an import that failed, and after a dry run, they were never gone."""
    before = _indexes(enrolled, "disclosure")
    assert {"ix_local_natural_disclosure", "ix_local_expr_period_end"} <= before.keys()
    records = _two_records()
    _import_failing_at_the_audit(enrolled, monkeypatch, records)
    assert _indexes(enrolled, "disclosure") == before
    with enrolled.importing("disclosure", write=False) as bulk:
        assert bulk.deferred_indexes == []
        bulk.add(records)
    assert _indexes(enrolled, "disclosure") == before

    with enrolled.importing("disclosure") as bulk:
        assert sorted(bulk.deferred_indexes) == sorted(sql for sql in before.values() if sql)
        assert set(_indexes_in(bulk)) == {n for n, sql in before.items() if not sql}
        bulk.add(records)
    assert _indexes(enrolled, "disclosure") == before
    with enrolled.engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM disclosure"
                " WHERE org_code = ? AND catalog_code = ? AND period = ?",
                (VILLAGE, "FIN-02", "2026-01"),
            )
        )
    assert "ix_local_natural_disclosure" in plan
    # The table has rows now: a second import keeps its indexes as they are.
    more = [_full("disclosure", {**RECORDS["disclosure"], "period": "2026-03"})]
    with enrolled.importing("disclosure") as bulk:
        assert bulk.deferred_indexes == []
        assert bulk.add(more).statuses == [IMPORT_CREATED]


def _indexes_in(bulk: Any) -> list[str]:
    """The disclosure table's indexes as the import's own transaction sees them."""
    found = bulk.conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'disclosure'"
    )
    return [name for (name,) in found]


def test_the_row_check_fast_path_finds_what_the_full_check_finds(tmp_path: Path) -> None:
    """``RowChecker.check`` takes a short cut for rows without problems; for every row,
    good or bad, it must answer exactly what the full ``_check`` answers."""
    headers = ["单位编码", *DISCLOSURE_HEADERS[1:]]
    good = [[VILLAGE, *row[1:]] for row in disclosure_rows(4)]
    dirty: list[list[Any]] = [
        ["150202101201", *good[0][1:]],  # another village (in scope is the store's affair)
        [VILLAGE, "不存在的事项", *good[0][2:]],  # unknown catalogue item
        [VILLAGE, "各项收入", "2020年第3季度", *good[0][3:]],  # a quarter for a monthly item
        [VILLAGE, "各项收入", "", "", "", "", "", ""],  # required fields empty
        [VILLAGE, "各项收入", "2020年7月", "标题", "内容", "飞鸽", "昨天", "张三"],  # bad cells
        [VILLAGE, "各项收入", "2020年8月", "标" * 300, "内容", "", "", ""],  # title too long
        ["黑麻板村", "各项收入", "2020年9月", "标题"],  # a short row, a unit by name
        ["不存在的村", *good[0][1:]],  # neither a code nor a name
        [VILLAGE, "ＦＩＮ－０２", "２０２０年１０月", "全角", "１２３", "微信公众号", 44026, "李"],
    ]
    for path in (
        write_csv(tmp_path / "rows.csv", good + dirty, headers=headers, encoding="gbk"),
        write_xlsx(tmp_path / "rows.xlsx", good + dirty, headers=headers),
    ):
        mapping = load_mapping("disclosure")
        table = read_table(path, known_headers=mapping.known_headers)
        columns, _ignored = table_columns(table, mapping)
        checker = checking.RowChecker(kind_spec("disclosure"), columns, {}, VILLAGE)
        assert checker.fast
        outcomes = _check_many(checker, [cells for _line, cells in table.rows * 2])  # memo warm too
        assert outcomes == [checker._check(cells) for _line, cells in table.rows * 2]
        assert sum(record is not None for record, _problems in outcomes) == 2 * (4 + 1 + 1)


TRICKY_TEXT: list[Any] = [
    "ＡＢＣ１２３收入公开",  # full-width letters and digits: made half-width
    "  两边有空格  ",
    "\u3000全角空格\u3000\u00a0",
    "\ufeff带BOM的标题",
    "\u2003\ufeff标题",  # an em space clean_text keeps, then the rule strips it
    "   ",  # whitespace only: the default
    "\u3000\n",
    "\u2003",  # not empty after cleaning, "" after the rule's strip
    "",
    "标" * 200,  # the title's limit exactly
    " " + "标" * 200 + "\u3000",
    "标" * 199 + "１",
    "标" * 201,  # too long for a title
    "内" * 20001,  # too long for anything
    123,
    1.0,
    True,
    None,
    datetime(2020, 7, 14, 8, 30),
    Oversized(150_000, "标题"),
]
"""Text cells the plain text column pass must clean exactly as ``clean_text`` and
``normalize`` do, cell by cell (workbooks give the non-str ones)."""


@pytest.mark.parametrize("memo_cells", [8, checking.MEMO_CELLS])
def test_the_plain_text_column_pass_finds_what_the_full_check_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memo_cells: int
) -> None:
    """Titles and contents are cleaned and normalized a column at a time (string methods
    over the batch, not ``normalize`` per cell), whether or not the column's distinct
    cells fit the memo: every row must come out as ``_check`` has it."""
    monkeypatch.setattr(checking, "MEMO_CELLS", memo_cells)
    headers = ["单位编码", *DISCLOSURE_HEADERS[1:]]
    good = [[VILLAGE, *row[1:]] for row in disclosure_rows(30)]
    path = write_csv(tmp_path / "rows.csv", good, headers=headers, encoding="utf-8")
    mapping = load_mapping("disclosure")
    table = read_table(path, known_headers=mapping.known_headers)
    columns, _ignored = table_columns(table, mapping)
    # An empty cell takes the mapping's value; one the rule strips to nothing gives "".
    fixed = {"content": "见附件", "responsible": "王五"}
    checker = checking.RowChecker(kind_spec("disclosure"), columns, fixed, VILLAGE)
    assert checker.fast
    # A person's name (responsible) is not plain text: its rule drops a ledger's padding.
    assert checker.text_limits == {"title": 200, "content": 20000}
    rows = [list(cells) for _line, cells in table.rows]
    for n, cell in enumerate(TRICKY_TEXT):
        rows[n][3] = cell  # title
        rows[-1 - n][4] = cell  # content
        rows[(n + 7) % len(rows)][7] = cell  # responsible
    slow = [checker._check(cells) for cells in rows]
    assert 0 < sum(record is not None for record, _problems in slow) < len(rows)
    per_cell: list[Any] = []
    fast_value = checker._fast_value
    monkeypatch.setattr(
        checker,
        "_fast_value",
        lambda column, raw, default: per_cell.append(raw) or fast_value(column, raw, default),
    )
    for size in (len(rows), 4, 1):  # the whole column at once; a few cells; each alone
        batches = [rows[start : start + size] for start in range(0, len(rows), size)]
        assert [out for batch in batches for out in _check_many(checker, batch)] == slow
    # Only cells the column pass cannot take as they are went cell by cell.
    assert {f"本月收入合计{i * 100}元。" for i in range(1, 31)}.isdisjoint(per_cell)


def test_clean_texts_cleans_each_cell_as_clean_text_does() -> None:
    """``clean_texts`` (a column at a time) against ``clean_text`` (a cell)."""
    plain = [f"  标题{i}\u3000" for i in range(5)]
    for cells in (plain, TRICKY_TEXT, [*plain, "ＡＢＣ"], [], [""]):
        assert clean_texts(cells) == [clean_text(cell) for cell in cells]


def test_the_column_pass_keeps_equal_cells_of_different_types_apart(tmp_path: Path) -> None:
    """1, 1.0 and True are equal dictionary keys; a workbook column holding them must
    still clean each as itself (``1`` and ``TRUE`` are different titles)."""
    headers = ["单位编码", *DISCLOSURE_HEADERS[1:]]
    rows = [[VILLAGE, *row[1:]] for row in disclosure_rows(3)]
    for row, title in zip(rows, [1, True, 1.0], strict=True):
        row[3] = title
    path = write_xlsx(tmp_path / "typed.xlsx", rows, headers=headers)
    mapping = load_mapping("disclosure")
    table = read_table(path, known_headers=mapping.known_headers)
    columns, _ignored = table_columns(table, mapping)
    checker = checking.RowChecker(kind_spec("disclosure"), columns, {}, VILLAGE)
    cells = [cells for _line, cells in table.rows]
    outcomes = _check_many(checker, cells)
    assert outcomes == [checker._check(row) for row in cells]
    titles = [record["title"] if record else None for record, _problems in outcomes]
    assert titles[0] == titles[2] == "1" and titles[1] not in (None, "1")


def test_the_column_pass_with_a_single_mapped_column(tmp_path: Path) -> None:
    """One mapped column (the rest from the mapping's values): the row picker gives a
    one-cell tuple, not the bare cell."""
    rows = [[f"标题{i}"] for i in range(3)] + [[""]]
    path = write_csv(tmp_path / "one.csv", rows, headers=["标题"], encoding="utf-8")
    mapping = load_mapping("disclosure")
    table = read_table(path, known_headers=mapping.known_headers)
    columns, _ignored = table_columns(table, mapping)
    fixed = {"catalog_code": "FIN-02", "period": "2026-10", "status": "draft"}
    checker = checking.RowChecker(kind_spec("disclosure"), columns, fixed, VILLAGE)
    assert checker.fast and len(columns) == 1
    cells = [cells for _line, cells in table.rows]
    outcomes = _check_many(checker, cells)
    assert outcomes == [checker._check(row) for row in cells]
    assert [record["title"] for record, _problems in outcomes if record] == [
        "标题0",
        "标题1",
        "标题2",
    ]


def test_the_column_pass_refuses_a_control_character_as_the_row_check_does(
    tmp_path: Path,
) -> None:
    """A title column checked all at once still finds the one cell with an escape
    sequence (``models.field_rules.CONTROL_CHARACTERS``); a carriage return becomes a
    newline, as the field's rule makes it."""
    titles = ["标题0", "标题\x1b[2J", "标题\r\n二", "标题3"]
    path = write_csv(
        tmp_path / "ctl.csv", [[t] for t in titles], headers=["标题"], encoding="utf-8"
    )
    mapping = load_mapping("disclosure")
    table = read_table(path, known_headers=mapping.known_headers)
    columns, _ignored = table_columns(table, mapping)
    fixed = {"catalog_code": "FIN-02", "period": "2026-10", "status": "draft"}
    checker = checking.RowChecker(kind_spec("disclosure"), columns, fixed, VILLAGE)
    cells = [cells for _line, cells in table.rows]
    outcomes = _check_many(checker, cells)
    assert outcomes == [checker._check(row) for row in cells]
    assert outcomes[1][0] is None
    assert [p.code for p in outcomes[1][1]] == ["control_character"]
    assert [record["title"] for record, _problems in outcomes if record] == [
        "标题0",
        "标题\n二",
        "标题3",
    ]
