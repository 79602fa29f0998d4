"""The local store: one transaction per action, the outbox, pulls with rebase, conflicts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import event

from client import audit, queries
from client.errors import UnknownRecord, ValidationFailed
from client.store import Store, database
from models.ids import new_id
from models.kinds import kind_spec
from models.validation import normalize
from sync.protocol import (
    Change,
    ConflictInfo,
    ConflictType,
    OpError,
    OpResult,
    OpStatus,
    PullResponse,
)
from sync.resolution import Choice
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import held_project, import_rows, verify_chain


def _count(store: Store, table: str) -> int:
    with sqlite3.connect(store.path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_database_is_in_wal_mode(store: Store) -> None:
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_add_writes_record_outbox_and_audit_together(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    kind, record = enrolled.get(record_id)
    assert kind == "disclosure"
    assert record["org_code"] == VILLAGE  # defaults to the device's unit
    assert record["version"] == 0
    assert record["channels"] == ["board", "wechat"]
    (op,) = enrolled.queue()
    assert (op.record_id, op.action, op.state) == (record_id, "create", "pending")
    assert _count(enrolled, "audit") == 1


def test_failed_validation_writes_nothing(enrolled: Store) -> None:
    with pytest.raises(ValidationFailed) as caught:
        enrolled.add("disclosure", disclosure(period="2026-Q4", channels=["tv"]))
    assert {e.field for e in caught.value.errors} == {"period", "channels"}
    assert _count(enrolled, "disclosure") == 0
    assert _count(enrolled, "outbox") == 0
    assert _count(enrolled, "audit") == 0


def test_unknown_field_is_named(store: Store) -> None:
    with pytest.raises(ValidationFailed) as caught:
        store.add("disclosure", disclosure(org_code=VILLAGE, colour="red"))
    assert [e.field for e in caught.value.errors] == ["colour"]


def test_out_of_scope_org_code_is_refused(enrolled: Store) -> None:
    with pytest.raises(ValidationFailed) as caught:
        enrolled.add("disclosure", disclosure(org_code="150202101201"))
    assert caught.value.errors[0].field == "org_code"


def test_duplicate_natural_key_is_refused_locally(enrolled: Store) -> None:
    enrolled.add("disclosure", disclosure())
    with pytest.raises(ValidationFailed) as caught:
        enrolled.add("disclosure", disclosure(title="again"))
    assert caught.value.errors[0].code == "duplicate"
    assert _count(enrolled, "disclosure") == 1


def test_edit_changes_only_given_fields_and_queues_a_diff(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    changes = enrolled.edit(record_id, {"title": "新标题", "content": "本月收入合计1200元。"})
    assert changes == {"title": ("十月财务收支公开", "新标题")}
    _, record = enrolled.get(record_id)
    assert record["title"] == "新标题"
    assert record["responsible"] == "张三"
    ops = enrolled.queue()
    assert [op.action for op in ops] == ["create", "update"]
    assert ops[1].fields == ("title",)


def test_edit_with_nothing_new_queues_nothing(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    assert enrolled.edit(record_id, {"title": "十月财务收支公开"}) == {}
    assert len(enrolled.queue()) == 1


def test_edit_and_delete_of_unknown_id(store: Store) -> None:
    with pytest.raises(UnknownRecord):
        store.edit("nope", {"title": "x"})
    with pytest.raises(UnknownRecord):
        store.delete("nope")


def test_delete_is_a_tombstone_with_an_op(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    enrolled.delete(record_id)
    assert enrolled.list_records("disclosure") == []
    assert enrolled.list_records("disclosure", include_deleted=True)[0]["deleted"] is True
    assert [op.action for op in enrolled.queue()] == ["create", "delete"]


def test_audit_is_a_hash_chain_that_shows_tampering(enrolled: Store) -> None:

    record_id = enrolled.add("disclosure", disclosure())
    enrolled.edit(record_id, {"title": "改"})
    with enrolled.engine.connect() as conn:
        assert verify_chain(conn) is None
    with sqlite3.connect(enrolled.path) as raw:
        raw.execute("UPDATE audit SET actor = 'someone' WHERE id = 1")
    with enrolled.engine.connect() as conn:
        assert verify_chain(conn) == 1


def test_audit_masks_personal_values(enrolled: Store) -> None:
    project = held_project(enrolled, "0190b7c4-0000-7000-8000-000000000001", VILLAGE)
    enrolled.add(
        "subsidy_payment",
        {
            "project_id": project,
            "recipient_name": "王五",
            "id_number": "11010519491231002X",
            "amount_fen": 12000,
            "method": "one_card",
            "account": "6217000012345678",
        },
    )
    raw = enrolled.path.read_bytes()
    with sqlite3.connect(enrolled.path) as conn:
        audit_text = str(conn.execute("SELECT changes FROM audit").fetchall())
    assert "11010519491231002X" not in audit_text
    assert "6217000012345678" not in audit_text
    assert "110105" in audit_text  # the mask keeps the area code
    assert raw  # the record itself is stored (encrypted at rest is issue 4)


def _result(op_id: str, status: OpStatus, **extra: Any) -> OpResult:
    return OpResult(op_id=op_id, status=status, **extra)


def test_applied_result_removes_op_and_sets_version(enrolled: Store) -> None:
    record_id = enrolled.add("disclosure", disclosure())
    ((_, op),) = enrolled.pending_ops(after_seq=0, limit=10)
    enrolled.apply_push_results([op], [_result(op.op_id, OpStatus.APPLIED, version=1, seq=7)])
    assert enrolled.queue() == []
    assert enrolled.get(record_id)[1]["version"] == 1


def test_rejected_op_is_quarantined_and_does_not_block(enrolled: Store) -> None:
    first = enrolled.add("disclosure", disclosure())
    enrolled.add("disclosure", disclosure(period="2026-11"))
    ops = [op for _, op in enrolled.pending_ops(after_seq=0, limit=10)]
    error = OpError(code="invalid", field="title", message="title is required")
    enrolled.apply_push_results(ops[:1], [_result(ops[0].op_id, OpStatus.REJECTED, error=error)])
    queue = enrolled.queue()
    assert next((q.record_id, q.state) for q in queue) == (first, "quarantined")
    assert "title is required" in queue[0].last_error
    assert [op.op_id for _, op in enrolled.pending_ops(after_seq=0, limit=10)] == [ops[1].op_id]
    assert enrolled.retry() == 1
    assert len(enrolled.pending_ops(after_seq=0, limit=10)) == 2


R1 = "0193a0b0-0000-7000-8000-000000000001"
R_OTHER = "0193a0b0-0000-7000-8000-000000000002"


def _pulled(record_id: str, seq: int, **fields: Any) -> Change:
    record = {
        "id": record_id,
        "version": seq,
        "deleted": False,
        "updated_by": "dev-2",
        "recorded_at": "2026-11-20T08:00:00Z",
        "received_at": "2026-11-20T08:00:01Z",
        "org_code": VILLAGE,
        "catalog_code": "FIN-01",
        "period": "2026-10",
        "title": "central title",
        "content": "",
        "channels": [],
        "disclosed_on": None,
        "responsible": "",
        "reviewer": "",
        "review_opinion": "",
        "status": "draft",
        "attachments": [],
    }
    record.update(fields)
    return Change(kind="disclosure", seq=seq, record=record)


def test_pull_stores_records_and_moves_cursor_with_them(enrolled: Store) -> None:
    page = PullResponse(changes=[_pulled(R1, 3)], cursor=3, more=False)
    assert enrolled.apply_pull(page) == 1
    assert enrolled.cursor() == 3
    _, record = enrolled.get(R1)
    assert record["title"] == "central title"
    assert record["version"] == 3


def test_pull_leaves_out_a_change_with_a_malformed_id_and_catches_up(
    enrolled: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """A central restored from an old database (or a crafted reply) serving an id that is
    not a UUID: that change alone is left out, the rest is stored and the cursor moves."""
    bad = _pulled("\x1b]0;owned\x07r-1", 4)
    unknown = Change(kind="no_such_kind", seq=5, record={"id": R_OTHER})
    page = PullResponse(changes=[bad, _pulled(R1, 6), unknown], cursor=6, more=False)
    assert enrolled.apply_pull(page) == 1
    assert enrolled.cursor() == 6
    assert [record["id"] for record in enrolled.list_records("disclosure")] == [R1]
    assert "skipped 2 pulled changes" in caplog.text
    assert "owned" not in caplog.text


def test_pull_rebases_pending_local_edits(enrolled: Store) -> None:
    enrolled.apply_pull(PullResponse(changes=[_pulled(R1, 1)], cursor=1, more=False))
    enrolled.edit(R1, {"content": "my content"})
    page = PullResponse(changes=[_pulled(R1, 2, title="their title")], cursor=2, more=False)
    enrolled.apply_pull(page)
    _, record = enrolled.get(R1)
    assert record["title"] == "their title"  # theirs, not pending here
    assert record["content"] == "my content"  # mine, still pending
    assert record["version"] == 2


def _conflict_on_title(store: Store) -> int:
    store.apply_pull(PullResponse(changes=[_pulled(R1, 1)], cursor=1, more=False))
    store.edit(R1, {"title": "mine"})
    ((_, op),) = store.pending_ops(after_seq=0, limit=10)
    info = ConflictInfo(
        field="title", base="central title", mine="mine", theirs="theirs", version=2
    )
    stored = store.apply_push_results(
        [op], [_result(op.op_id, OpStatus.CONFLICT, conflicts=[info])]
    )
    assert stored == 1
    (conflict,) = store.conflicts()
    return conflict.id


@pytest.mark.parametrize(
    ("choice", "value", "expected", "op_changes"),
    [
        (Choice.MINE, None, "mine", {"title": ["theirs", "mine"]}),
        (Choice.THEIRS, None, "theirs", None),
        (Choice.VALUE, "合并后的标题", "合并后的标题", {"title": ["theirs", "合并后的标题"]}),
    ],
)
def test_resolving_a_field_conflict(
    enrolled: Store, choice: Choice, value: Any, expected: str, op_changes: Any
) -> None:
    conflict_id = _conflict_on_title(enrolled)
    enrolled.resolve(conflict_id, choice, value)
    assert enrolled.get(R1)[1]["title"] == expected
    assert enrolled.conflicts() == []
    ops = [op for _, op in enrolled.pending_ops(after_seq=0, limit=10)]
    if op_changes is None:
        assert ops == []
    else:
        assert [{k: list(v) for k, v in op.changes.items()} for op in ops] == [op_changes]
        assert ops[0].base_version == 2


def test_resolving_with_an_invalid_value_changes_nothing(enrolled: Store) -> None:
    conflict_id = _conflict_on_title(enrolled)
    with pytest.raises(ValidationFailed):
        enrolled.resolve(conflict_id, Choice.VALUE, "")
    assert len(enrolled.conflicts()) == 1
    assert enrolled.get(R1)[1]["title"] == "mine"


def test_duplicate_conflict_take_theirs_keeps_one_record(enrolled: Store) -> None:
    mine_id = enrolled.add("disclosure", disclosure())
    ((_, op),) = enrolled.pending_ops(after_seq=0, limit=10)
    other = _pulled(R_OTHER, 5, title="their copy").record
    info = ConflictInfo(
        field="org_code+catalog_code+period",
        type=ConflictType.DUPLICATE,
        mine={"org_code": VILLAGE, "catalog_code": "FIN-01", "period": "2026-10"},
        theirs=R_OTHER,
        version=5,
        record=other,
    )
    enrolled.apply_push_results([op], [_result(op.op_id, OpStatus.CONFLICT, conflicts=[info])])
    (conflict,) = enrolled.conflicts()
    enrolled.resolve(conflict.id, Choice.THEIRS)
    listed = enrolled.list_records("disclosure")
    assert [r["id"] for r in listed] == [R_OTHER]
    assert enrolled.get(mine_id)[1]["deleted"] is True
    assert enrolled.queue() == []


# ---- bulk import: the commit, and the checkpoint after it ------------------------------


def _full_disclosures(count: int, *, title: str = "导入的记录") -> list[dict[str, Any]]:
    """Validated full wire records, as the importer hands them to ``BulkImport.add``."""
    records = []
    for n in range(count):
        period = f"{2000 + n // 12}-{n % 12 + 1:02d}"
        given, errors = normalize("disclosure", disclosure(period=period, title=f"{title}{n}"))
        assert errors == []
        records.append({**kind_spec("disclosure").defaults(), "org_code": VILLAGE, **given})
    return records


class _HeldCheckpoint:
    """Stands in for ``DeferredCheckpoint``: remembers it was asked, copies nothing."""

    made: ClassVar[list[Path]] = []

    def __init__(self, path: Path) -> None:
        self.made.append(path)

    def wait(self, _timeout: float | None = None) -> float:
        return 0.0


def _checkpoint_every_page(store: Store) -> None:
    """Every connection of the store checkpoints after each commit (SQLite's is 1000
    pages): a commit that checkpoints shows in the database file's size at once."""
    event.listen(
        store.engine,
        "connect",
        lambda raw, _record: raw.execute("PRAGMA wal_autocheckpoint = 1"),
    )
    store.engine.dispose()


def test_an_import_commits_without_copying_the_wal_into_the_file(
    enrolled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _checkpoint_every_page(enrolled)
    enrolled.add("disclosure", disclosure())
    before = enrolled.path.stat().st_size
    monkeypatch.setattr(database, "DeferredCheckpoint", _HeldCheckpoint)
    _HeldCheckpoint.made.clear()
    with enrolled.importing("disclosure") as bulk:
        raw = bulk.conn.connection.driver_connection
        assert raw is not None
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        bulk.add(_full_disclosures(300))
    # Committed (another connection reads every row) while the file has not grown: the
    # pages are in the WAL, the checkpoint was handed on.
    assert _count(enrolled, "disclosure") == 301
    assert enrolled.path.stat().st_size == before
    assert _HeldCheckpoint.made == [enrolled.path]
    # The connection is back to its own setting for ordinary saves.
    with enrolled.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == -2000
    monkeypatch.undo()
    enrolled._db.defer_checkpoint()
    seconds = enrolled.wait_checkpoint()
    assert seconds is not None and seconds >= 0
    assert enrolled.path.stat().st_size > before  # the deferred checkpoint copied them
    assert enrolled.wait_checkpoint() is None  # nothing left to wait for


def test_the_deferred_checkpoint_runs_after_a_real_import(enrolled: Store) -> None:
    before = enrolled.path.stat().st_size
    outcome = import_rows(enrolled, "disclosure", _full_disclosures(200))
    assert set(outcome.statuses) == {"created"}
    seconds = enrolled.wait_checkpoint()
    assert seconds is not None
    assert enrolled.path.stat().st_size > before
    with sqlite3.connect(enrolled.path) as conn:
        busy, log, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert (busy, log) == (0, done)


def test_a_dry_run_or_failed_import_defers_no_checkpoint(
    enrolled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "DeferredCheckpoint", _HeldCheckpoint)
    _HeldCheckpoint.made.clear()
    import_rows(enrolled, "disclosure", _full_disclosures(3), write=False)
    with pytest.raises(RuntimeError), enrolled.importing("disclosure") as bulk:
        bulk.add(_full_disclosures(3))
        raise RuntimeError("cut")
    assert _HeldCheckpoint.made == []
    assert _count(enrolled, "disclosure") == 0
    with enrolled.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000


# ---- imported creates: queued as the record is ---------------------------------------------


def _stored_changes(store: Store) -> dict[str, str]:
    with sqlite3.connect(store.path) as conn:
        return dict(conn.execute("SELECT record_id, changes FROM outbox ORDER BY seq").fetchall())


def test_an_imported_create_is_queued_as_the_record_is(enrolled: Store) -> None:
    (imported,) = import_rows(enrolled, "disclosure", _full_disclosures(1)).record_ids
    assert imported is not None
    typed = enrolled.add("disclosure", disclosure(period="2030-01"))
    stored = _stored_changes(enrolled)
    assert stored[imported] == "null"  # none of its values written a second time
    assert json.loads(stored[typed])["title"] == [None, "十月财务收支公开"]
    ops = {op.record_id: op for _seq, op in enrolled.pending_ops(after_seq=0, limit=10)}
    _, record = enrolled.get(imported)
    # What a typed create of the same values sends: org_code and every field not at its
    # default (status and the empty fields are).
    names = {"org_code", "catalog_code", "period", "title", "content", "channels"}
    names |= {"disclosed_on", "responsible"}
    assert ops[imported].changes == {name: (None, record[name]) for name in names}
    assert ops[imported].changes.keys() == ops[typed].changes.keys()
    assert (ops[imported].op_id, ops[imported].action.value) == (imported, "create")
    (listed, _typed) = enrolled.queue()
    assert listed.fields == tuple(sorted(names))


def test_an_imported_create_carries_the_record_as_edited_and_then_its_edit(
    enrolled: Store,
) -> None:
    (imported,) = import_rows(enrolled, "disclosure", _full_disclosures(1)).record_ids
    assert imported is not None
    enrolled.edit(imported, {"title": "改过的标题", "responsible": ""})
    (_, create), (_, update) = enrolled.pending_ops(after_seq=0, limit=10)
    assert create.changes["title"] == (None, "改过的标题")
    assert "responsible" not in create.changes  # back at its default
    assert update.changes == {
        "title": ("导入的记录0", "改过的标题"),
        "responsible": ("张三", ""),
    }
    assert [op.fields for op in enrolled.queue()][1] == ("responsible", "title")


@pytest.mark.parametrize("how", ["typed", "imported"])
def test_a_pull_rebases_an_imported_create_as_it_does_a_typed_one(
    enrolled: Store, how: str
) -> None:
    """Central holds the create (its answer was lost) and another device changed the
    content; the pull lays the pending create and edit on top, whichever way it was made."""
    if how == "typed":
        record_id = enrolled.add("disclosure", _full_disclosures(1)[0])
    else:
        (made,) = import_rows(enrolled, "disclosure", _full_disclosures(1)).record_ids
        assert made is not None
        record_id = made
    enrolled.edit(record_id, {"title": "我的标题"})
    _, local = enrolled.get(record_id)
    central = {**local, "version": 2, "title": "导入的记录0", "content": "他们的内容"}
    central["received_at"] = central["recorded_at"]
    enrolled.apply_pull(
        PullResponse(
            changes=[Change(kind="disclosure", seq=5, record=central)], cursor=5, more=False
        )
    )
    _, after = enrolled.get(record_id)
    assert (after["title"], after["content"], after["version"]) == (
        "我的标题",
        disclosure()["content"],
        2,
    )
    assert len(enrolled.pending_ops(after_seq=0, limit=10)) == 2


# ---- imported records in the audit chain: the file and a digest --------------------------


def _audit_rows(store: Store) -> list[tuple[Any, ...]]:
    with sqlite3.connect(store.path) as conn:
        return conn.execute(
            "SELECT id, action, record_id, changes FROM audit ORDER BY id"
        ).fetchall()


def test_an_import_audits_its_new_records_in_one_entry(enrolled: Store) -> None:
    """One entry for the batch: the file and each new record's digest, no values; each
    record's history finds its part of it."""
    records = _full_disclosures(3)
    ids = import_rows(enrolled, "disclosure", records, source="旧平台.csv").record_ids
    ((entry_id, action, record_id, changes),) = _audit_rows(enrolled)
    assert (action, record_id) == ("import", "")
    assert json.loads(changes) == {
        "file": "旧平台.csv",
        "records": {
            made: audit.record_digest("disclosure", record)
            for made, record in zip(ids, records, strict=True)
        },
    }
    assert all(record["title"] not in changes for record in records)  # values: in the rows
    with enrolled.engine.connect() as conn:
        assert verify_chain(conn) is None
    for made, record in zip(ids, records, strict=True):
        assert made is not None
        (entry,) = queries.history(enrolled.engine, made)
        assert (entry.action, entry.changes) == (
            "import",
            {"file": "旧平台.csv", "sha256": audit.record_digest("disclosure", record)},
        )
    # Central checks the same chain from the links: one link for the whole batch.
    links = enrolled.audit_segment(limit=10)
    assert [link.id for link in links] == [entry_id]
    # An edit after the import comes after it in the record's history.
    assert ids[0] is not None
    enrolled.edit(ids[0], {"title": "改过的标题"})
    assert [entry.action for entry in queries.history(enrolled.engine, ids[0])] == [
        "import",
        "update",
    ]


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit SET changes = replace(changes, '旧平台', '别的') WHERE id = 2",
        "UPDATE audit SET changes = replace(changes, ':\"', ':\"0') WHERE id = 2",
        "UPDATE audit SET action = 'create' WHERE id = 2",
        "UPDATE audit SET record_id = 'another' WHERE id = 2",
    ],
)
def test_altering_an_imports_entry_is_detected(enrolled: Store, tamper: str) -> None:
    enrolled.add("disclosure", _full_disclosures(4)[3])  # entry 1: a typed record
    import_rows(enrolled, "disclosure", _full_disclosures(3), source="旧平台.csv")
    with sqlite3.connect(enrolled.path) as raw:
        assert raw.execute(tamper).rowcount == 1
    with enrolled.engine.connect() as conn:
        assert verify_chain(conn) == 2


def test_an_imported_payment_leaves_no_personal_value_in_clear(enrolled: Store) -> None:
    held_project(enrolled, "0190b7c4-0000-7000-8000-000000000001", VILLAGE)
    id_number, account = "11010519491231002X", "6217000012345678"
    given, errors = normalize(
        "subsidy_payment",
        {
            "org_code": VILLAGE,
            "project_id": "0190b7c4-0000-7000-8000-000000000001",
            "recipient_name": "王五",
            "id_number": id_number,
            "amount_fen": 12000,
            "method": "one_card",
            "account": account,
        },
    )
    assert errors == []
    record = {**kind_spec("subsidy_payment").defaults(), **given}
    (record_id,) = import_rows(enrolled, "subsidy_payment", [record], source="p.csv").record_ids
    enrolled.wait_checkpoint()
    raw = b"".join(path.read_bytes() for path in enrolled.home.glob("sanwu.db*"))
    assert id_number.encode() not in raw and account.encode() not in raw
    ((_id, action, _record, changes),) = _audit_rows(enrolled)
    assert action == "import"
    digest = json.loads(changes)["records"][record_id]
    assert digest == audit.record_digest("subsidy_payment", record)
    # Read, the queued create opens to the values (for central only).
    ((_seq, op),) = enrolled.pending_ops(after_seq=0, limit=10)
    assert op.record_id == record_id
    assert (op.changes["id_number"], op.changes["account"]) == ((None, id_number), (None, account))


def test_a_record_gone_or_never_here_is_refused_as_unknown(enrolled: Store) -> None:
    """What the screens ask before offering edit and delete keys (record_actions)."""
    record_id = enrolled.add("disclosure", disclosure())
    assert enrolled.refusal_of(record_id, ["title"]) is None
    enrolled.delete(record_id)
    for gone in (record_id, new_id()):
        refusal = enrolled.refusal_of(gone, deleting=True)
        assert refusal is not None and refusal.rule == "unknown_record"
