"""Without PostgreSQL the README's test command still passes: the PostgreSQL runs are
skipped with the reason printed. Under SANWU_REQUIRE_POSTGRES=1 (CI) they fail instead."""

from __future__ import annotations

import pytest

import tests.postgres
from tests.postgres import ENV_REQUIRE, ENV_URL, server_or_skip


def test_no_server_and_no_initdb_is_a_skip_that_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_URL, raising=False)
    monkeypatch.delenv(ENV_REQUIRE, raising=False)
    monkeypatch.setattr(tests.postgres, "bin_dir", lambda: None)
    with pytest.raises(pytest.skip.Exception) as skipped:
        server_or_skip()
    assert "PostgreSQL runs skipped" in str(skipped.value)
    assert ENV_URL in str(skipped.value) and "initdb" in str(skipped.value)


def test_ci_requires_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_URL, raising=False)
    monkeypatch.setenv(ENV_REQUIRE, "1")
    monkeypatch.setattr(tests.postgres, "bin_dir", lambda: None)
    with pytest.raises(pytest.fail.Exception) as failed:
        server_or_skip()
    assert f"{ENV_REQUIRE}=1" in str(failed.value)


def test_an_unreachable_server_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_URL, "postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    monkeypatch.delenv(ENV_REQUIRE, raising=False)
    monkeypatch.setattr(tests.postgres, "REACH_TIMEOUT_S", 0.5)
    with pytest.raises(pytest.skip.Exception) as skipped:
        server_or_skip()
    assert "127.0.0.1:1" in str(skipped.value) and "not reachable" in str(skipped.value)
