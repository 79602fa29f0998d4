"""Session-wide test settings: every in-process store unlocks with a test passphrase, and
scrypt runs at a low cost there (the real cost is exercised by tests/client/test_crypto.py
and by every CLI subprocess of tests/e2e)."""

from __future__ import annotations

import pytest

import client.crypto

TEST_PASSPHRASE = "test passphrase 测试"


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANWU_PASSPHRASE", TEST_PASSPHRASE)
    monkeypatch.setattr(client.crypto, "DEFAULT_PARAMS", client.crypto.KdfParams(n=2**4))
