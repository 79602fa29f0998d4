"""The top-level ``sanwu`` command: every word of the README reaches its side."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sanwu.demo
from sanwu import main

ROOT = Path(__file__).resolve().parent.parent


def readme_words() -> set[str]:
    usage = (ROOT / "README.md").read_text(encoding="utf-8").split("## Using it", 1)[1]
    block = usage.split("```", 2)[1]
    return set(re.findall(r"^sanwu (?:\[[^]]*\] )*([a-z]+)", block, flags=re.MULTILINE))


def test_help_lists_every_command_of_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    listed = set(re.findall(r"^    (\S+)", capsys.readouterr().out, flags=re.MULTILINE))
    words = readme_words()
    assert {"central", "demo", "sync", "record", "attachments"} <= words
    assert words <= listed


def test_demo_gets_the_global_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Path, str | None, str]] = []

    def run_demo(home: Path, *, lang: str | None = None, role: str = "") -> int:
        seen.append((home, lang, role))
        return 0

    monkeypatch.setattr(sanwu.demo, "run_demo", run_demo)
    assert main(["--home", str(tmp_path), "--lang", "en", "demo"]) == 0
    assert main(["--home", str(tmp_path), "demo", "--role", "supervisor"]) == 0
    assert seen == [(tmp_path, "en", "clerk"), (tmp_path, None, "supervisor")]


def test_global_options_go_before_central_too(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    assert (
        main(
            ["--home", str(tmp_path), "--lang", "en", "central", "init", "--db", f"sqlite:///{db}"]
        )
        == 0
    )
    assert db.is_file()
