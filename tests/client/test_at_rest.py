"""Personal data at rest outside the sealed columns: the home is 0700 and every file a
command writes 0600, passphrases under the floor are refused from every source, a
database that is empty, not SQLite or damaged is named at open (exit 8, file untouched),
and a full disk rolls the action back with one line."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import client.store.database as database
from client.cli import main
from client.crypto import DEMO_PASSPHRASE, WeakPassphrase, new_data_key
from client.demo import demo_passphrase
from client.errors import DiskFull
from client.home import DB_NAME
from client.i18n import set_language
from client.identity import Identity
from client.store import Store
from sync.bundle_sealing import new_key, public_b64
from sync.failures import ExitCode
from sync.signing import new_private_key
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import TEST_PASSPHRASE, open_store


@pytest.fixture(autouse=True)
def _loose_umask() -> Iterator[None]:
    """Start from the usual 022, so only Sanwu's own tightening makes files private; the
    process's umask is put back after (``main`` sets it for the whole process)."""
    old = os.umask(0o022)
    yield
    os.umask(old)
    set_language(None)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def enrolled_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    with open_store(home) as store:
        store.save_identity(
            Identity(
                device_id="dev-1",
                private_key=new_private_key(),
                server_url="http://127.0.0.1:9",
                org_code=VILLAGE,
                org_name="黑麻板村",
                role="clerk",
                scope=VILLAGE,
                encryption_key=new_key(),
                central_encryption_key=public_b64(new_key()),
            )
        )
    return home


def period(n: int) -> str:
    """A different period per record (a unit's catalogue item has one per period)."""
    return f"{2000 + n // 12}-{n % 12 + 1:02d}"


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def test_a_store_opened_in_process_is_private_without_the_umask(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with open_store(home) as store:
        store.add("disclosure", disclosure(org_code=VILLAGE))
        assert mode(home) == 0o700
        for suffix in ("", "-wal", "-shm"):
            path = home / f"{DB_NAME}{suffix}"
            assert not path.exists() or mode(path) == 0o600, path


def test_home_and_every_file_a_command_writes_are_0600(
    tmp_path: Path, cli_passphrase: str, capsys: pytest.CaptureFixture[str]
) -> None:
    home = enrolled_home(tmp_path)
    home.chmod(0o755)  # a home from before: tightened at the next open
    (home / DB_NAME).chmod(0o644)
    scan = tmp_path / "minutes.pdf"
    scan.write_bytes(b"%PDF minutes")
    values = json.dumps(disclosure(org_code=VILLAGE), ensure_ascii=False)
    assert run(home, "record", "add", "disclosure", "--json", values, "--attach", str(scan)) == 0
    out = tmp_path / "out"
    out.mkdir()
    written = [out / "notice.html", out / "diagnostics.zip", out / "ops.bundle"]
    notice = ("export", "disclosure", "--period", "2026-10", "--format", "html")
    assert run(home, *notice, "--out", str(written[0])) == 0
    assert run(home, "diagnostics", "--out", str(written[1])) == 0
    assert run(home, "sync", "--export", str(written[2])) == 0
    rows = out / "rows.csv"
    rows.write_text("标题,期间\n,not a period\n", encoding="utf-8")
    run(home, "import", str(rows), "--kind", "disclosure", "--report", str(out / "rejects"))
    capsys.readouterr()
    reports = [p for p in out.iterdir() if p.name.startswith("rejects")]
    assert reports, "the import wrote its reject report"
    assert mode(home) == 0o700
    inside = list(home.rglob("*"))
    assert any(p.parent.name != home.name for p in inside), "the attachment is stored"
    for path in [*inside, *written, *reports]:
        expected = 0o700 if path.is_dir() else 0o600
        assert mode(path) == expected, f"{path}: {oct(mode(path))}"


# ---- the passphrase floor ---------------------------------------------------------------


@pytest.mark.parametrize("passphrase", ["", "a", "1234567"])
def test_a_new_data_key_needs_eight_characters(passphrase: str) -> None:
    with pytest.raises(Exception) as raised:
        new_data_key(passphrase)
    assert passphrase == "" or isinstance(raised.value, WeakPassphrase)


def test_the_app_and_every_store_refuse_a_short_new_passphrase(tmp_path: Path) -> None:
    with pytest.raises(WeakPassphrase):
        Store(tmp_path / "home", passphrase="short")
    with open_store(tmp_path / "two") as store, pytest.raises(WeakPassphrase):
        store.change_passphrase(TEST_PASSPHRASE, "1234567")


def test_a_short_passphrase_is_refused_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SANWU_PASSPHRASE", "x")
    assert run(tmp_path / "home", "status") == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SANWU_PASSPHRASE" in err and "8" in err
    assert not (tmp_path / "home").exists(), "refused before anything is written"


def test_a_short_passphrase_is_refused_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = tmp_path / "pass.txt"
    short.write_text("abc\n", encoding="utf-8")
    home = tmp_path / "home"
    assert main(["--home", str(home), "--passphrase-file", str(short), "status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(short) in err and "口令不足 8 个字符" in err


def test_a_short_new_passphrase_file_is_refused(
    tmp_path: Path, cli_passphrase: str, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    assert run(home, "status") == 0
    short = tmp_path / "new.txt"
    short.write_text("1234567\n", encoding="utf-8")
    assert run(home, "passphrase", "--new-passphrase-file", str(short)) == 2
    assert str(short) in capsys.readouterr().err
    assert run(home, "status") == 0, "the old passphrase still opens the home"


def test_the_demo_passphrase_is_the_demos_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SANWU_PASSPHRASE", DEMO_PASSPHRASE)
    assert run(tmp_path / "home", "status") == ExitCode.USAGE
    assert "演示" in capsys.readouterr().err
    monkeypatch.delenv("SANWU_PASSPHRASE")
    assert demo_passphrase() == DEMO_PASSPHRASE
    with Store(tmp_path / "demo", passphrase=demo_passphrase()) as store:  # as sanwu demo opens
        assert not store.locked


# ---- a database that cannot be used -----------------------------------------------------


def _empty(db: Path) -> None:
    db.write_bytes(b"")


def _garbage(db: Path) -> None:
    db.write_bytes(b"PK\x03\x04 a zip someone saved over it " * 200)


def _truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("spoil", "words"),
    [(_empty, "空文件"), (_garbage, "不是三务数据库"), (_truncated, "已损坏或被截断")],
)
@pytest.mark.parametrize("command", [("status",), ("record", "list", "disclosure")])
def test_an_unusable_database_is_named_at_open_and_left_as_found(
    tmp_path: Path,
    cli_passphrase: str,
    capsys: pytest.CaptureFixture[str],
    spoil: Any,
    words: str,
    command: tuple[str, ...],
) -> None:
    home = tmp_path / "home"
    with open_store(home) as store:
        for n in range(40):
            store.add(
                "disclosure",
                disclosure(org_code=VILLAGE, period=period(n), content=f"财务公开{n}" * 20),
            )
    for suffix in ("-wal", "-shm"):
        (home / f"{DB_NAME}{suffix}").unlink(missing_ok=True)
    db = home / DB_NAME
    spoil(db)
    before = db.read_bytes()
    if spoil is _truncated and command == ("status",):
        command = ("record", "list", "disclosure")  # status's cheap path reads the header only
    capsys.readouterr()
    assert run(home, *command) == ExitCode.STORAGE == 8
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert words in err and "sanwu doctor" in err and "不要删除" in err
    assert db.read_bytes() == before, "never repaired, recreated or emptied"


# ---- a full disk ------------------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A connection opened once the home exists may not grow its file: SQLITE_FULL, as
    from a full disk (``PRAGMA max_page_count``: no tmpfs needed)."""
    plain = database._set_pragmas

    def capped(connection: Any, record: Any) -> None:
        plain(connection, record)
        cursor = connection.cursor()
        if cursor.execute("PRAGMA page_count").fetchone()[0] < 50:
            cursor.close()
            return  # still being made: the migrations run
        (pages,) = cursor.execute("PRAGMA page_count").fetchone()
        cursor.execute(f"PRAGMA max_page_count={max(pages, 1)}")
        cursor.close()

    monkeypatch.setattr(database, "_set_pragmas", capped)
    yield


def test_a_full_disk_rolls_the_action_back(tmp_path: Path, full_disk: None) -> None:
    home = tmp_path / "home"
    open_store(home).close()
    with open_store(home) as store:
        added = 0
        with pytest.raises(DiskFull) as raised:
            for n in range(200):
                values = disclosure(org_code=VILLAGE, period=period(n), content=f"公开{n}" * 200)
                store.add("disclosure", values)
                added += 1
        assert added > 0, "the cap left room for some"
        assert len(store.list_records("disclosure")) == added, "the failed one left nothing"
        assert store.status().pending == added, "and queued nothing"
        assert store.list_records("disclosure")[0]["period"] == period(0)
    assert "磁盘已满" in str(raised.value)
    assert raised.value.failure.exit_code == ExitCode.STORAGE


def test_a_full_disk_is_one_line_and_exit_8(
    tmp_path: Path, cli_passphrase: str, full_disk: None, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    assert run(home, "status") == 0
    code = 0
    for n in range(50):
        big = disclosure(org_code=VILLAGE, period=period(n), content="财务公开" * 400)
        code = run(home, "record", "add", "disclosure", "--json", json.dumps(big))
        if code:
            break
    err = capsys.readouterr().err
    assert code == ExitCode.STORAGE, err
    assert err.count("\n") == 1 and "磁盘已满" in err and "没有保存" in err
