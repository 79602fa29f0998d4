"""Personal data at rest: AES-GCM under a data key wrapped by the passphrase (scrypt).

Real SQLite files throughout; the raw bytes of the database and its WAL are searched
for a known ID number.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest

from client import crypto
from client.crypto import BadPassphrase, DataKey, Locked, SealedValueError
from client.identity import Identity
from client.store import Store
from models.ids import new_id
from sync.protocol import ConflictInfo, ConflictType, OpResult, OpStatus
from sync.signing import new_private_key, private_key_bytes
from tests.stores import TEST_PASSPHRASE, open_store

VILLAGE = "150202101200"
ID_NUMBER = "11010519491231002X"
ACCOUNT = "6217000012345678"
PHONE = "13812345678"


def _raw(home: Path) -> bytes:
    """Every byte SQLite keeps for this home: the file, its WAL and shared memory."""
    return b"".join(path.read_bytes() for path in sorted(home.glob("sanwu.db*")) if path.is_file())


def _payment(store: Store, **overrides: object) -> str:
    project = store.add(
        "subsidy_project", {"org_code": VILLAGE, "category": "agriculture", "name": "耕地地力保护"}
    )
    values = {
        "org_code": VILLAGE,
        "project_id": project,
        "recipient_name": "张三",
        "id_number": ID_NUMBER,
        "amount_fen": 120000,
        "method": "one_card",
        "account": ACCOUNT,
    }
    values.update(overrides)
    return store.add("subsidy_payment", values)


def test_seal_and_open_round_trip_bound_to_row() -> None:
    key = DataKey(b"k" * 32)
    token = key.seal("subsidy_payment", "id_number", "r1", ID_NUMBER, indexed=True)
    assert token.startswith("sw1:") and ID_NUMBER not in token
    assert key.open("subsidy_payment", "id_number", "r1", token) == ID_NUMBER
    # Moved to another row, column or table: it does not open.
    for table, column, row in (
        ("subsidy_payment", "id_number", "r2"),
        ("subsidy_payment", "account", "r1"),
        ("clue", "id_number", "r1"),
    ):
        with pytest.raises(SealedValueError) as caught:
            key.open(table, column, row, token)
        assert ID_NUMBER not in str(caught.value)
    # Same value twice: different ciphertexts, same blind index.
    again = key.seal("subsidy_payment", "id_number", "r1", ID_NUMBER, indexed=True)
    assert again != token and again.split(":")[1] == token.split(":")[1]
    assert key.blind_index("id_number", ID_NUMBER.lower()) == token.split(":")[1]
    # Another key opens nothing.
    with pytest.raises(SealedValueError):
        DataKey(b"o" * 32).open("subsidy_payment", "id_number", "r1", token)


def test_wrap_unlock_and_rewrap_with_real_scrypt_cost() -> None:
    params = crypto.KdfParams()  # the real cost (2**15): once per unlock
    assert params.n == 2**15
    key, wrapped = crypto.new_data_key("correct horse", params)
    stored = json.loads(wrapped)
    assert stored["kdf"] == "scrypt" and stored["n"] == 2**15 and "correct" not in wrapped
    token = key.seal("t", "c", "r", "secret")
    assert crypto.unlock("correct horse", wrapped).open("t", "c", "r", token) == "secret"
    with pytest.raises(BadPassphrase):
        crypto.unlock("wrong horse", wrapped)
    rewrapped = crypto.rewrap("correct horse", "new staple", wrapped)
    assert json.loads(rewrapped)["salt"] != stored["salt"]
    assert crypto.unlock("new staple", rewrapped).open("t", "c", "r", token) == "secret"
    with pytest.raises(BadPassphrase):
        crypto.unlock("correct horse", rewrapped)


def test_unlocking_on_another_thread_gives_the_key_or_the_refusal() -> None:
    """A scheduled sync derives the key while it imports; the answer is unlock's."""
    key, wrapped = crypto.new_data_key("correct horse", crypto.KdfParams(n=2**10))
    token = key.seal("t", "c", "r", "secret")
    assert crypto.Unlocking("correct horse", wrapped).key().open("t", "c", "r", token) == "secret"
    wrong = crypto.Unlocking("wrong horse", wrapped)
    with pytest.raises(BadPassphrase):
        wrong.key()
    with pytest.raises(SealedValueError):
        crypto.Unlocking("correct horse", "not a wrapped key").key()


def test_personal_values_never_reach_the_file_in_clear(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Store(home, passphrase="village pc passphrase") as store:
        # The district's supervisors take in clues (a village never sees them).
        store.save_identity(
            Identity(
                device_id="dev-1",
                private_key=new_private_key(),
                server_url="http://127.0.0.1:9",
                org_code="150202000000",
                org_name="东河区纪委监委",
                role="supervisor",
                scope="150202",
            )
        )
        payment = _payment(store)
        clue = store.add(
            "clue",
            {
                "org_code": VILLAGE,
                "source": "hotline",
                "problem": "fake",
                "description": "公开栏内容与实际不符",
                "received_on": "2026-03-01",
                "reporter_contact": PHONE,
            },
        )
        store.edit(payment, {"account": "6217000099998888"})
        # A conflict central reported on a personal field, with its record.
        [(_seq, op)] = [
            (s, o) for s, o in store.pending_ops(after_seq=0, limit=100) if o.record_id == clue
        ]
        store.apply_push_results(
            [op],
            [
                OpResult(
                    op_id=op.op_id,
                    status=OpStatus.PARTIAL,
                    version=2,
                    conflicts=[
                        ConflictInfo(
                            field="reporter_contact",
                            type=ConflictType.FIELD,
                            base="",
                            mine=PHONE,
                            theirs="13900001111",
                            version=2,
                            record={"id": clue, "reporter_contact": "13900001111"},
                        )
                    ],
                )
            ],
        )
        assert store.get(payment)[1]["id_number"] == ID_NUMBER
        assert store.conflicts()[0].mine == PHONE
        ops = store.pending_ops(after_seq=0, limit=100)
        assert any(o.changes.get("id_number") == (None, ID_NUMBER) for _s, o in ops)
        raw = _raw(home)
        assert store.identity is not None and store.identity.private_key is not None
        secret = base64.b64encode(private_key_bytes(store.identity.private_key))
    for clear in (ID_NUMBER, ACCOUNT, "6217000099998888", PHONE, "13900001111"):
        assert clear.encode() not in raw, clear
    assert secret not in raw
    # The natural key still finds the duplicate (through the blind index).
    with Store(home, passphrase="village pc passphrase") as store:
        project_id = store.get(payment)[1]["project_id"]
        with pytest.raises(Exception) as caught:
            _payment(store, project_id=project_id, id_number=ID_NUMBER.lower())
        assert "duplicate" in repr(getattr(caught.value, "errors", caught.value))


def test_locked_store_refuses_personal_data_and_wrong_passphrase(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Store(home, passphrase="right one") as store:
        payment = _payment(store)
    with Store(home, passphrase="") as store:
        assert store.locked and store.has_data_key()
        with pytest.raises(Locked):
            store.get(payment)
        # A record without personal data is still readable.
        assert store.list_records("subsidy_project")
        with pytest.raises(BadPassphrase):
            store.unlock("wrong one")
        store.unlock("right one")
        assert store.get(payment)[1]["account"] == ACCOUNT


def test_changing_the_passphrase_rewraps_without_touching_rows(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Store(home, passphrase="first passphrase") as store:
        payment = _payment(store)
    before = (
        sqlite3.connect(home / "sanwu.db")
        .execute("SELECT id_number, account FROM subsidy_payment")
        .fetchall()
    )
    with Store(home, passphrase="first passphrase") as store:
        store.change_passphrase("first passphrase", "second passphrase")
        with pytest.raises(BadPassphrase):
            store.change_passphrase("first passphrase", "third")
    after = (
        sqlite3.connect(home / "sanwu.db")
        .execute("SELECT id_number, account FROM subsidy_payment")
        .fetchall()
    )
    assert before == after
    with pytest.raises(BadPassphrase):
        Store(home, passphrase="first passphrase")
    with Store(home, passphrase="second passphrase") as store:
        assert store.get(payment)[1]["id_number"] == ID_NUMBER


@pytest.mark.parametrize("as_record", [False, True], ids=["typed", "imported"])
def test_a_plain_database_is_sealed_at_first_unlock(tmp_path: Path, as_record: bool) -> None:
    """A home made before encryption: clear values and a clear key, sealed in one go. An
    imported create queued as the record is holds no values of its own to seal."""
    home = tmp_path / "home"
    with Store(home, passphrase="") as store:  # locked: nothing sealed yet
        store_path = store.path
    key = new_private_key()
    payment_id, project_id = new_id(), new_id()
    conn = sqlite3.connect(store_path)
    with conn:
        now = "2026-01-01 00:00:00.000000"
        for name, value in {
            "device_id": "dev-old",
            "private_key": base64.b64encode(private_key_bytes(key)).decode(),
            "server_url": "http://127.0.0.1:9",
            "org_code": VILLAGE,
            "org_name": "黑麻板村",
            "role": "clerk",
            "scope": VILLAGE,
        }.items():
            conn.execute("INSERT INTO setting (key, value) VALUES (?, ?)", (name, value))
        conn.execute(
            "INSERT INTO subsidy_payment (id, org_code, version, deleted, updated_by,"
            " recorded_at, seq, project_id, recipient_name, id_number, standard, quantity,"
            " unit, amount_fen, method, account) VALUES (?, ?, 0, 0, 'dev-old', ?, 0, ?,"
            " '张三', ?, 0, '', '', 100, 'one_card', ?)",
            (payment_id, VILLAGE, now, project_id, ID_NUMBER, ACCOUNT),
        )
        conn.execute(
            "INSERT INTO outbox (op_id, kind, record_id, action, changes, base_version,"
            " recorded_at, state, attempts, last_error) VALUES (?, 'subsidy_payment', ?,"
            " 'create', ?, 0, ?, 'pending', 0, '')",
            (
                new_id(),
                payment_id,
                "null" if as_record else json.dumps({"id_number": [None, ID_NUMBER]}),
                now,
            ),
        )
    conn.close()
    assert ID_NUMBER.encode() in _raw(home)

    with Store(home, passphrase="now encrypted") as store:
        assert store.get(payment_id)[1]["id_number"] == ID_NUMBER
        [(_seq, op)] = store.pending_ops(after_seq=0, limit=10)
        assert op.changes["id_number"] == (None, ID_NUMBER)
        assert store.identity is not None and store.identity.private_key is not None
        assert private_key_bytes(store.identity.private_key) == private_key_bytes(key)
    raw = _raw(home)
    assert ID_NUMBER.encode() not in raw and ACCOUNT.encode() not in raw
    assert base64.b64encode(private_key_bytes(key)) not in raw


def test_the_store_never_reads_a_passphrase_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the edge (the CLI, the demo) reads SANWU_PASSPHRASE; a store opened without a
    passphrase stays locked whatever the environment holds."""
    home = tmp_path / "home"
    open_store(home).close()
    monkeypatch.setenv("SANWU_PASSPHRASE", TEST_PASSPHRASE)
    with Store(home, passphrase=None) as store:
        assert store.locked and store.has_data_key()


def test_reveal_is_audited_without_values(tmp_path: Path) -> None:
    with open_store(tmp_path / "home") as store:
        payment = _payment(store)
        store.note_reveal(
            kind="subsidy_payment", record_id=payment, fields=["id_number"], user="clerk"
        )
        with store.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT action, record_id, changes FROM audit ORDER BY id DESC LIMIT 1"
            ).one()
    assert row[0] == "reveal" and row[1] == payment
    assert json.loads(row[2]) == {"fields": ["id_number"], "user": "clerk"}
    assert ID_NUMBER not in row[2]


def test_cli_passphrase_sources_and_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from client.cli import main

    home = str(tmp_path / "home")
    # No source and no terminal (pytest's stdin): exit 2 with a clear message.
    assert main(["--home", home, "status"]) == 2
    assert "--passphrase-file" in capsys.readouterr().err
    first = tmp_path / "first"
    first.write_text("first passphrase\n", encoding="utf-8")
    second = tmp_path / "second"
    second.write_text("second passphrase\n", encoding="utf-8")
    assert main(["--home", home, "--passphrase-file", str(first), "status"]) == 0
    assert (
        main(
            [
                "--home",
                home,
                "--passphrase-file",
                str(first),
                "passphrase",
                "--new-passphrase-file",
                str(second),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--home", home, "--passphrase-file", str(first), "status"]) == 2
    assert "口令不对" in capsys.readouterr().err
    monkeypatch.setenv("SANWU_PASSPHRASE", "second passphrase")
    assert main(["--home", home, "status"]) == 0
    # Wipe refuses without a terminal unless --yes.
    assert main(["--home", home, "wipe"]) == 2
    assert main(["--home", home, "wipe", "--yes"]) == 0
    assert not list((tmp_path / "home").glob("sanwu.db*"))
