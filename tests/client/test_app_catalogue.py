"""Every string the app shows has a zh_CN translation (msgids of _(), N_() and bindings)."""

from __future__ import annotations

import ast
from pathlib import Path

from client.i18n import load_po

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client"
# unlock.py belongs to the security work and brings its own strings; it joins this list
# once its msgids are in the catalogue.
UI_FILES = [
    path
    for path in [
        CLIENT / "app.py",
        CLIENT / "attachments.py",
        CLIENT / "labels.py",
        *(ROOT / "models").rglob("*.py"),
        *CLIENT.glob("screens/*.py"),
        *CLIENT.glob("widgets/*.py"),
    ]
    if path.name != "unlock.py"
]


def msgids(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        texts: list[ast.expr] = []
        if name in ("_", "N_") and node.args:
            texts.append(node.args[0])
        if name == "Binding":
            texts += node.args[2:3]
            texts += [kw.value for kw in node.keywords if kw.arg in ("tooltip", "description")]
        for text in texts:
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value:
                found.add(text.value)
    return found


def test_every_app_string_is_translated() -> None:
    catalogue = load_po("zh_CN")
    missing = {
        f"{path.name}: {text}"
        for path in UI_FILES
        for text in msgids(path)
        if text not in catalogue
    }
    assert not missing, sorted(missing)
