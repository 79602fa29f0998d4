"""Session-wide test settings: scrypt runs at a low cost (the real cost is exercised by
tests/client/test_crypto.py and by every CLI subprocess of tests/e2e), and no test sees
a SANWU_PASSPHRASE of the shell it runs in. In-process stores are opened with their
passphrase given (tests/stores.py); a test of the CLI in this process asks for the
``cli_passphrase`` fixture, the CLI's edge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import client.crypto
from models.catalog import use_catalog
from tests.stores import TEST_PASSPHRASE


@pytest.fixture(autouse=True)
def _test_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANWU_PASSPHRASE", raising=False)
    monkeypatch.setattr(client.crypto, "DEFAULT_PARAMS", client.crypto.KdfParams(n=2**4))


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
