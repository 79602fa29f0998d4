"""Session-wide test settings: scrypt runs at a low cost (the real cost is exercised by
tests/client/test_crypto.py and by every CLI subprocess of tests/e2e), and no test sees
a SANWU_PASSPHRASE or SANWU_LANG of the shell it runs in, and each starts in the default
language (Chinese). In-process stores are opened with their
passphrase given (tests/stores.py); a test of the CLI in this process asks for the
``cli_passphrase`` fixture, the CLI's edge."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import client.crypto
from models.catalog import use_catalog
from models.i18n import ENV_LANG, set_language
from tests.postgres import Server, give_central_key, server_or_skip
from tests.stores import TEST_PASSPHRASE

DATABASES = ("sqlite", "postgresql")
"""Central's databases: every test of central and every end-to-end test runs on each."""


@pytest.fixture(autouse=True)
def _test_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("SANWU_PASSPHRASE", raising=False)
    monkeypatch.delenv(ENV_LANG, raising=False)
    set_language(None)  # the default, Chinese: a command run with --lang en sets the process's
    monkeypatch.setattr(client.crypto, "DEFAULT_PARAMS", client.crypto.KdfParams(n=2**4))
    umask = os.umask(0o077)  # ``main`` sets the process's umask: each test gets it back
    os.umask(umask)
    yield
    os.umask(umask)
    set_language(None)


@pytest.fixture(autouse=True)
def _packaged_catalogue() -> Iterator[None]:
    """Each test starts and ends with the packaged catalogue in force (a store or central
    that puts its own in force changes a process-wide setting)."""
    use_catalog(None)
    yield
    use_catalog(None)


@pytest.fixture
def cli_passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI (``client.cli.main`` in this process) unlocks with the test passphrase, as
    a scheduled ``sanwu`` run does from SANWU_PASSPHRASE."""
    monkeypatch.setenv("SANWU_PASSPHRASE", TEST_PASSPHRASE)
    return TEST_PASSPHRASE


_WHOLE_FOLDERS = {
    Path(__file__).parent / "e2e": ("e2e",),
    Path(__file__).parent / "faults": ("e2e", "faults"),
}
"""Folders marked as a whole: ``-m "not e2e"`` runs without starting a central process."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for folder, marks in _WHOLE_FOLDERS.items():
            if folder in item.path.parents:
                for mark in marks:
                    item.add_marker(getattr(pytest.mark, mark))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The PostgreSQL server of this run (tests/postgres.py): SANWU_TEST_DATABASE_URL, else
    a private cluster. None to be had: the test is skipped with the reason, or fails when
    SANWU_REQUIRE_POSTGRES=1 (CI never skips them)."""
    server = server_or_skip()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(params=DATABASES)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own for this test, never migrated: a SQLite file, or a database
    made on the PostgreSQL server (dropped after). Central keeps its data key in a file
    beside a SQLite database; on PostgreSQL it comes from SANWU_CENTRAL_KEY, set here as
    an operator sets it (docs/DEPLOYMENT.md), also for central processes started after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    server: Server = request.getfixturevalue("pg_server")
    give_central_key(request.getfixturevalue("monkeypatch"))
    url = server.create()
    try:
        yield url
    finally:
        server.drop(url)
