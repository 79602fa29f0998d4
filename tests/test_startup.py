"""What a scheduler's commands load: ``sanwu sync``, ``status`` and ``record list`` start
without Textual, FastAPI, uvicorn or Alembic; ``status`` and a round with nothing to
send start without SQLAlchemy too. Their times are a bench (bench/bench_startup.py);
what they load is checked here, in a fresh process each."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.admin import init_db, new_enroll_code
from central.server import run_in_thread
from central.settings import CentralSettings
from client.syncing import enroll, sync_round
from tests.stores import TEST_PASSPHRASE, open_store

ROOT = Path(__file__).resolve().parent.parent
NEVER = ("central", "textual", "fastapi", "uvicorn", "alembic")


def loaded(home: Path, command: list[str], watch: tuple[str, ...]) -> list[str]:
    code = (
        "import sys\n"
        "from sanwu import main\n"
        "try:\n"
        f"    code = main(['--home', {str(home)!r}, *{command!r}])\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        f"print(code, sorted(m for m in {watch!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "SANWU_PASSPHRASE": TEST_PASSPHRASE},
    )
    exit_code, modules = done.stderr.strip().splitlines()[-1].split(" ", 1)
    assert exit_code in ("0", "None"), done.stderr
    found: list[str] = ast.literal_eval(modules)
    return found


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An enrolled home in step with a real central on 127.0.0.1."""
    work = tmp_path_factory.mktemp("startup")
    db_url = f"sqlite:///{work / 'central.db'}"
    init_db(db_url)
    url, stop = run_in_thread(CentralSettings(db_url=db_url))
    try:
        with open_store(work / "home") as store:
            enroll(store, url, new_enroll_code(db_url, unit="150202101200", role="clerk"))
            sync_round(store)
        yield work / "home"
    finally:
        stop()


@pytest.mark.parametrize("command", [["record", "list", "disclosure"], ["--help"]])
def test_commands_load_neither_central_nor_the_ui(home: Path, command: list[str]) -> None:
    assert loaded(home, command, NEVER) == []


@pytest.mark.parametrize("command", [["status", "--json"], ["sync", "--json"], ["--version"]])
def test_a_schedulers_usual_commands_load_no_database_library(
    home: Path, command: list[str]
) -> None:
    assert loaded(home, command, (*NEVER, "sqlalchemy", "sqlmodel")) == []
