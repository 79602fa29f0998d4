"""Files written outside the database (exports, bundles, reports, attachment copies):
whole or not at all, and a full disk or a folder that cannot be written is one line in
the person's language with its exit code, never a traceback or a half file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from client.cli import main
from client.files import FileNotWritten, NoRoomForFile, write_bytes, write_text_with
from client.i18n import set_language
from sync.failures import ExitCode, failure_of
from tests.client.conftest import VILLAGE, disclosure
from tests.stores import open_store

pytestmark = pytest.mark.usefixtures("cli_passphrase")

_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from client.files import NoRoomForFile, write_bytes
    from client.i18n import set_language

    # The file-size limit stands in for a full disk: the kernel refuses the write past it
    # (EFBIG, SIGXFSZ ignored) exactly where a full disk would refuse it (ENOSPC).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    set_language(None)
    target = Path(sys.argv[1])
    try:
        write_bytes(target, b"x" * 100_000)
    except NoRoomForFile as exc:
        print(exc)
        sys.exit(8)
    """
)


def test_a_full_disk_leaves_no_half_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "out" / "notice.xlsx"
    write_bytes(target, b"the earlier export")
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 8, done.stderr
    assert "磁盘已满" in done.stdout and str(target) in done.stdout
    assert target.read_bytes() == b"the earlier export", "the old file is kept whole"
    assert [p.name for p in target.parent.iterdir()] == ["notice.xlsx"], "no temporary left"


def test_the_failures_are_in_the_table() -> None:
    full = failure_of(NoRoomForFile(Path("x"), 28))
    refused = failure_of(FileNotWritten(Path("x"), 13))
    assert full is not None and full.exit_code is ExitCode.STORAGE
    assert refused is not None and refused.exit_code is ExitCode.USAGE


def test_a_text_writer_that_fails_midway_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"

    def half(handle: object) -> None:
        handle.write("行1\n")  # type: ignore[attr-defined]
        raise RuntimeError("the reader broke")

    with pytest.raises(RuntimeError):
        write_text_with(target, half)
    assert list(tmp_path.iterdir()) == []


def test_an_export_into_a_place_that_is_a_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    with open_store(home) as store:
        store.add("disclosure", disclosure(org_code=VILLAGE))
    blocker = tmp_path / "exports"
    blocker.write_text("a file where a folder should be")
    out = blocker / "notice.xlsx"
    args = ["--home", str(home), "export", "disclosure", "--period", "2026-10", "--out", str(out)]
    try:
        assert main(args) == ExitCode.USAGE
    finally:
        set_language(None)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "未写入" in err and str(out) in err
    assert "Traceback" not in err
    assert blocker.read_text() == "a file where a folder should be"
