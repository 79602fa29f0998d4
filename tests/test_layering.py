"""Data flows one way: the headless core never imports the UI (nor central the client)."""

from __future__ import annotations

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
