"""``sanwu sync --watch`` keeps its distance from central: an interval under the floor
is raised to it, back-off grows between failed rounds while central is away, and a
negative interval or bandwidth is one line on stderr with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.cli import main
from client.cli import sync as sync_cli
from client.store import Store
from sync.failures import ExitCode
from tests.client.conftest import disclosure

pytestmark = pytest.mark.usefixtures("cli_passphrase")


def run(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between rounds, taken instead of slept."""
    taken: list[float] = []
    monkeypatch.setattr(sync_cli, "_pause", taken.append)
    monkeypatch.delenv(sync_cli.ENV_MIN_INTERVAL, raising=False)
    return taken


def test_interval_zero_is_raised_to_the_floor_and_back_off_grows_while_central_is_away(
    enrolled: Store, capsys: pytest.CaptureFixture[str], waits: list[float]
) -> None:
    enrolled.add("disclosure", disclosure())
    home = enrolled.home
    enrolled.close()  # enrolled against 127.0.0.1:9: nobody answers
    assert run(home, "sync", "--watch", "--rounds", "5", "--interval", "0") == ExitCode.OK
    out = capsys.readouterr()
    assert "--interval 0 低于下限 30 秒" in out.err
    assert out.out.count("离线") == 5
    floor = sync_cli.WATCH_MIN_INTERVAL
    assert len(waits) == 4
    # Jittered exponential back-off from the floor: each wait within [bound/2, bound].
    for failures, wait in enumerate(waits, start=1):
        bound = min(600.0, floor * 2 ** (failures - 1))
        assert bound / 2 <= wait <= bound
    assert waits[-1] > floor


def test_the_floor_holds_after_a_good_round_too(
    enrolled: Store, monkeypatch: pytest.MonkeyPatch, waits: list[float]
) -> None:
    from sync.progress import RoundReport

    monkeypatch.setattr("client.syncing.sync_round", lambda *_a, **_k: RoundReport())
    home = enrolled.home
    enrolled.close()
    assert run(home, "sync", "--watch", "--rounds", "3", "--interval", "1") == ExitCode.OK
    assert waits == [sync_cli.WATCH_MIN_INTERVAL] * 2


def test_a_test_may_lower_the_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sync_cli.ENV_MIN_INTERVAL, "0.01")
    assert sync_cli.watch_floor() == 0.01
    monkeypatch.setenv(sync_cli.ENV_MIN_INTERVAL, "-1")
    assert sync_cli.watch_floor() == sync_cli.WATCH_MIN_INTERVAL


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--interval", "-1"], "--interval"),
        (["--interval", "nan"], "--interval"),
        (["--max-kbps", "-1"], "--max-kbps"),
        (["--max-kbps", "0"], "--max-kbps"),
        (["--max-kbps", "inf"], "--max-kbps"),
    ],
)
def test_a_negative_interval_or_bandwidth_is_one_line_and_exit_2(
    enrolled: Store,
    capsys: pytest.CaptureFixture[str],
    waits: list[float],
    flags: list[str],
    named: str,
) -> None:
    home = enrolled.home
    enrolled.close()
    assert run(home, "sync", "--watch", "--rounds", "1", *flags) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"sanwu: {named} ") and "Traceback" not in err
    assert run(home, "sync", *flags) == ExitCode.USAGE
    assert waits == []
