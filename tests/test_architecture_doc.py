"""ARCHITECTURE.md's tree is the code's tree: every module listed once, nothing stale.

The tree block has one line at the left margin per package folder (``client/store/``),
and under it one line per module, indented by two spaces, starting with the module's
file name. Migration revisions are summed up in a ``versions/`` line, not listed.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "ARCHITECTURE.md"
PACKAGES = ("models", "sync", "central", "client", "sanwu")

FOLDER = re.compile(r"^(\S+/)(?:\s|$)")
ENTRY = re.compile(r"^  (\S+)")
PY_NAME = re.compile(r"[\w./]+\.py\b")


def tree_block() -> list[str]:
    """The lines of the document's first fenced block: the tree."""
    return DOC.read_text(encoding="utf-8").split("```", 2)[1].splitlines()[1:]


def listed() -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Each folder of the tree with the entries under it, and every ``.py`` name the tree
    mentions anywhere (with the folder it is mentioned under)."""
    sections: dict[str, list[str]] = {}
    mentions: list[tuple[str, str]] = []
    folder = ""
    for line in tree_block():
        if header := FOLDER.match(line):
            folder = header.group(1)
            sections.setdefault(folder, [])
        elif entry := ENTRY.match(line):
            sections.setdefault(folder, []).append(entry.group(1))
        mentions.extend((folder, name) for name in PY_NAME.findall(line))
    return sections, mentions


def real_modules() -> dict[str, list[str]]:
    """Each package folder with its modules (no ``__init__.py``, no migration revision)."""
    folders: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" in path.parts or path.parent.name == "versions":
                continue
            modules = folders.setdefault(path.parent.relative_to(ROOT).as_posix() + "/", [])
            if path.name != "__init__.py":
                modules.append(path.name)
    return folders


def test_every_package_and_module_is_in_the_tree() -> None:
    sections, _ = listed()
    real = real_modules()
    missing = [folder for folder in real if folder not in sections]
    missing += [
        folder + name
        for folder, modules in real.items()
        for name in modules
        if name not in sections.get(folder, [])
    ]
    assert not missing, f"not in ARCHITECTURE.md's tree (add a line for each): {missing}"


def test_each_module_is_listed_once() -> None:
    sections, _ = listed()
    twice = [
        folder + name
        for folder, entries in sections.items()
        for name, count in Counter(entries).items()
        if count > 1
    ]
    assert not twice, f"listed more than once in ARCHITECTURE.md's tree: {twice}"


def test_nothing_in_the_tree_is_stale() -> None:
    """Every folder and entry of the tree exists, and so does every .py file it names."""
    sections, mentions = listed()
    stale = [folder for folder in sections if not (ROOT / folder).is_dir()]
    stale += [
        folder + name
        for folder, entries in sections.items()
        for name in entries
        if not (ROOT / folder / name).exists()
    ]
    stale += [
        folder + name
        for folder, name in mentions
        if not ((ROOT / folder / name).exists() or (ROOT / name).exists())
    ]
    assert not stale, f"in ARCHITECTURE.md's tree but not in the code: {sorted(set(stale))}"
