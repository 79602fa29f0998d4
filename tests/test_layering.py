"""Data flows one way: the headless core never imports the UI (nor central the client)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        (
            ["models.kinds", "models.validation", "models.masking", "models.catalog"],
            ["textual", "fastapi", "httpx"],
        ),
        (
            ["sync.engine", "sync.central_api", "sync.merge", "sync.resolution"],
            ["textual", "fastapi"],
        ),
        (["central.app", "central.push", "central.pull"], ["textual", "client"]),
        (["client.store", "client.syncing"], ["textual", "fastapi"]),
        # The command line starts cheap: its modules load neither the UI nor a server.
        (
            ["client.cli", "client.cli.__main__", "client.demo"],
            ["central", "textual", "fastapi", "uvicorn", "alembic"],
        ),
        (["central.cli", "central.__main__"], ["client", "textual", "fastapi", "uvicorn"]),
    ],
)
def test_core_does_not_import(modules: list[str], forbidden: list[str]) -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted(m for m in {forbidden!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_no_client_module_imports_central() -> None:
    """Only the top-level ``sanwu`` package knows both sides (``sanwu central``, ``demo``)."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import client\n"
        "for m in pkgutil.walk_packages(client.__path__, 'client.'):\n"
        "    if '.migrations' not in m.name:\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m == 'central' or m.startswith('central.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "command", [["sync"], ["status"], ["record", "list", "disclosure"], ["--help"]]
)
def test_a_client_command_loads_neither_central_nor_the_ui(
    command: list[str], tmp_path: Path
) -> None:
    """``sanwu sync`` in cron starts without Textual, FastAPI or uvicorn (the store may
    still load Alembic to migrate)."""
    code = (
        "import sys\n"
        "from sanwu import main\n"
        "try:\n"
        f"    main(['--home', {str(tmp_path)!r}, *{command!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('central', 'textual', 'fastapi', 'uvicorn') if m in sys.modules),"
        " file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SANWU_PASSPHRASE": "layering-test"},
    )
    assert out.stderr.strip().splitlines()[-1] == "[]"
