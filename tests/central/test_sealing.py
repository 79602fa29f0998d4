"""Central's data key: where it comes from, and values sealed to their table, column and row."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from central import sealing
from central.sealing import (
    CentralKey,
    CentralKeyError,
    SealedValueError,
    is_sealed,
    key_file_beside,
    load_key,
)

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sealing.ENV_KEY, raising=False)
    monkeypatch.delenv(sealing.ENV_KEY_FILE, raising=False)


def b64_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_a_sealed_value_opens_with_its_key_and_place_only() -> None:
    key = CentralKey(os.urandom(32))
    token = key.seal("unit_contact", "phone", "150202101200", PHONE)
    assert is_sealed(token) and token.startswith(f"sc1:{key.key_id}:")
    assert PHONE not in token
    assert key.seal("unit_contact", "phone", "150202101200", PHONE) != token  # fresh nonce
    assert key.open("unit_contact", "phone", "150202101200", token) == PHONE
    for table, column, row in [
        ("unit_contact", "phone", "150202101201"),  # moved to another row
        ("unit_contact", "name", "150202101200"),  # another column
        ("sms_message", "phone", "150202101200"),  # another table
    ]:
        with pytest.raises(SealedValueError) as refused:
            key.open(table, column, row, token)
        assert PHONE not in str(refused.value)


def test_a_wrong_key_is_refused_and_said_so() -> None:
    token = CentralKey(os.urandom(32)).seal("t", "c", "r", PHONE)
    with pytest.raises(SealedValueError, match="another key"):
        CentralKey(os.urandom(32)).open("t", "c", "r", token)


def test_an_altered_value_is_refused() -> None:
    key = CentralKey(os.urandom(32))
    token = key.seal("t", "c", "r", PHONE)
    body = bytearray(base64.b64decode(token.rsplit(":", 1)[1]))
    body[-1] ^= 1
    altered = token.rsplit(":", 1)[0] + ":" + base64.b64encode(bytes(body)).decode()
    for bad in (altered, "sc1:" + key.key_id + ":", "sc1:" + key.key_id + ":not base64!", PHONE):
        with pytest.raises(SealedValueError):
            key.open("t", "c", "r", bad)


def test_sqlite_gets_a_key_file_beside_it_on_first_use(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    key = load_key(url)
    path = key_file_beside((tmp_path / "central.db").resolve())
    assert path.name == "central.db.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text())) == 32
    token = key.seal("t", "c", "r", PHONE)
    sealing._key_from.cache_clear()  # as a new process would
    assert load_key(url).open("t", "c", "r", token) == PHONE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["central.db.key"]  # no temp left


def test_a_racing_first_use_keeps_the_key_already_made(tmp_path: Path) -> None:
    path = tmp_path / "central.db.key"
    sealing._make_key_file(path)
    first = path.read_text()
    sealing._make_key_file(path)  # another process arriving second
    assert path.read_text() == first


def test_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = b64_key()
    monkeypatch.setenv(sealing.ENV_KEY, given)
    key = load_key(f"sqlite:///{tmp_path / 'central.db'}")
    assert key.key_id == CentralKey(base64.b64decode(given)).key_id
    assert not (tmp_path / "central.db.key").exists()

    monkeypatch.delenv(sealing.ENV_KEY)
    key_file = tmp_path / "elsewhere.key"
    key_file.write_text(given + "\n")
    key_file.chmod(0o600)
    monkeypatch.setenv(sealing.ENV_KEY_FILE, str(key_file))
    assert load_key("postgresql+psycopg://u:p@db.example/sanwu").key_id == key.key_id


def test_postgresql_without_a_key_is_one_clear_line() -> None:
    with pytest.raises(CentralKeyError) as refused:
        load_key("postgresql+psycopg://sanwu:secret@db.example/sanwu")
    message = str(refused.value)
    assert "\n" not in message and "secret" not in message
    assert sealing.ENV_KEY in message and sealing.ENV_KEY_FILE in message


@pytest.mark.parametrize("value", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_a_malformed_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(sealing.ENV_KEY_FILE, str(tmp_path / "k"))
    (tmp_path / "k").write_text(value)
    with pytest.raises(CentralKeyError, match="32 个随机字节的 base64"):
        load_key("postgresql+psycopg://db.example/sanwu")


def test_a_missing_key_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sealing.ENV_KEY_FILE, str(tmp_path / "absent.key"))
    with pytest.raises(CentralKeyError, match="无法读取平台的密钥文件"):
        load_key("postgresql+psycopg://db.example/sanwu")


def test_a_ring_seals_with_its_first_key_and_opens_with_any() -> None:
    old, new = os.urandom(32), os.urandom(32)
    before = CentralKey(old).seal("t", "c", "r", PHONE)
    ring = CentralKey(new, (old,))
    assert ring.older_ids == (CentralKey(old).key_id,)
    assert ring.open("t", "c", "r", before) == PHONE
    after = ring.seal("t", "c", "r", PHONE, blind="ab" * 16)
    assert after.startswith(f"sc1:{'ab' * 16}:{ring.key_id}:")
    assert sealing.blind_of(after) == "ab" * 16 and sealing.key_id_of(after) == ring.key_id
    assert CentralKey(new).open("t", "c", "r", after) == PHONE
    with pytest.raises(SealedValueError, match="another key"):
        CentralKey(new).open("t", "c", "r", before)  # the old key retired


def test_a_rewritten_key_file_is_read_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    first = load_key(url)
    path = key_file_beside((tmp_path / "central.db").resolve())
    added = sealing.new_key_text()
    # Rewritten by another process (rotate-key): this one's cache is not told.
    other = tmp_path / "written elsewhere"
    other.write_text(f"{added}\n{path.read_text().strip()}\n")
    other.chmod(0o600)
    os.replace(other, path)
    ring = load_key(url)  # a running central sees the ring at its next request
    assert ring.key_id != first.key_id and ring.older_ids == (first.key_id,)
    assert ring.key_id == CentralKey(base64.b64decode(added)).key_id
