"""Data flows one way: screen → store → outbox → sync engine → central.

One test walks every module of ``models``, ``sync``, ``central`` and ``client``, reads
every import it makes (at the top or inside a function), and checks it against the
table below, which says what each part may not import and why. The same contracts
are declared for import-linter in pyproject.toml (``lint-imports``, run by
``.ci/run``); this test also reads the imports a function makes late.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("models", "sync", "central", "client")

UI = ("textual", "rich")
SERVER = ("fastapi", "starlette", "uvicorn")
UI_MODULES = ("client.app", "client.screens", "client.widgets")
TALKS_TO_CENTRAL = (
    "httpx",
    "sync.transport",
    "sync.throttle",
    "sync.central_api",
    "sync.engine",
    "sync.attachments",
    "client.syncing",
)


@dataclass(frozen=True)
class Rule:
    area: tuple[str, ...]
    """Module-name prefixes the rule covers (a later, narrower rule comes first)."""
    never: tuple[str, ...]
    """Module-name prefixes its modules must not import."""
    reason: str
    exceptions: tuple[tuple[str, str], ...] = ()
    """(module, import) pairs allowed anyway, each for the reason given beside it."""


RULES = (
    Rule(
        ("models",),
        (*UI, *SERVER, "httpx", "alembic", "sync", "client", "central", "sanwu"),
        "shared by both ends: kinds, reference data and pure rules, no I/O but its data files",
    ),
    Rule(
        ("sync",),
        (*UI, *SERVER, "alembic", "client", "central", "sanwu"),
        "the protocol and the device's engine: no UI, no server, no store of its own",
    ),
    Rule(
        ("central",),
        (*UI, "httpx", "client", "sanwu"),
        "the service: never the client, never a UI",
        exceptions=(
            ("central.sms.http", "httpx"),  # the SMS providers' endpoints, its one HTTP client
        ),
    ),
    Rule(
        ("client.app",),
        (*SERVER, "central", "sanwu", "httpx"),
        "the app runs a sync round in a worker (client.syncing), never HTTP itself",
    ),
    Rule(
        ("client.screens", "client.widgets"),
        (*SERVER, "central", "sanwu", *TALKS_TO_CENTRAL, "client.app"),
        "screens call the store; they never talk to central, and ask the app for what they "
        "need through screens.base.Host, not by importing it",
    ),
    Rule(
        ("client",),
        (*UI, *SERVER, "central", "sanwu", *UI_MODULES),
        "headless: the store, the command line, imports and exports run without a UI",
        exceptions=(
            ("client.cli.home", "client.app"),  # `sanwu` with no command starts the app
            ("client.demo", "client.app"),  # `sanwu demo` starts the app
        ),
    ),
)


def _modules() -> Iterator[tuple[str, Path]]:
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic's own files: they import what Alembic needs
            yield (
                ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"),
                path,
            )


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _covers(prefix: str, name: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _rule(module: str) -> Rule:
    return next(rule for rule in RULES if any(_covers(area, module) for area in rule.area))


MODULES = list(_modules())


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[name for name, _ in MODULES])
def test_each_module_imports_only_what_its_layer_may(module: str, path: Path) -> None:
    rule = _rule(module)
    allowed = {name for owner, name in rule.exceptions if owner == module}
    broken = sorted(
        name
        for name in _imports(path)
        if any(_covers(never, name) for never in rule.never)
        and not any(_covers(ok, name) for ok in allowed)
    )
    assert not broken, f"{module} imports {broken}: {rule.reason}"


def test_the_walk_sees_every_area() -> None:
    """The table covers every module, and the walk found the parts it is about."""
    names = [name for name, _ in MODULES]
    for area in AREAS:
        assert any(_covers(area, name) for name in names), area
    assert "client.screens.base" in names and "central.routes.sync" in names


def test_the_rules_catch_a_broken_import(tmp_path: Path) -> None:
    """The walk reads late imports too: a screen that talks to central is caught."""
    screen = tmp_path / "screen.py"
    screen.write_text("def go():\n    from client.syncing import sync_round\n", encoding="utf-8")
    rule = _rule("client.screens.example")
    assert any(_covers(never, "client.syncing") for never in rule.never)
    assert "client.syncing.sync_round" in _imports(screen)
