"""The one table of failures: what each error means to a script and to a retry loop.

Every error class a person or a scheduler can meet declares a ``failure``: the exit
code the command line ends with and whether trying again can help. The CLIs (client
and central), ``sanwu sync --watch``, the app's auto-sync and the back-off all read it
through ``failure_of`` instead of keeping their own lists of exception types.

Pure, and imported by sync, client and central alike, so the exit codes are declared
here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntEnum

__all__ = ["ExitCode", "Failure", "Retry", "failure_of", "pipe_safe", "quiet_stdout"]


class ExitCode(IntEnum):
    """The ``sanwu`` exit codes scripts and schedulers rely on (README, "Using it")."""

    OK = 0
    USAGE = 2
    """Usage or validation error: the message names the field."""
    OFFLINE = 3
    """Central unreachable: try again later."""
    REFUSED = 4
    """Refused by central (auth, revoked device, clock outside its window): ask support."""
    PROTOCOL = 5
    """Central speaks another protocol version."""
    BUSY = 6
    """Another sync of the same home is running: a scheduled run skips its turn."""
    UNHEALTHY = 7
    """``sanwu doctor``: at least one check failed (its line says what to do)."""
    STORAGE = 8
    """The home's database cannot be used: empty, not a database, damaged, or the disk is
    full. Nothing was changed; the message says what to do (keep the file, call support).
    Also ``sanwu central check`` on a database without central's schema."""


class Retry(Enum):
    """Whether, and when, the same action is worth trying again."""

    NEVER = "never"
    """Waiting will not cure it: stop and tell the person."""
    BACK_OFF = "back_off"
    """The link failed: try again after a growing, jittered wait."""
    NEXT_TURN = "next_turn"
    """Someone else is doing it now: skip this turn, keep the schedule."""


@dataclass(frozen=True)
class Failure:
    """An error class's entry in the table."""

    exit_code: ExitCode
    retry: Retry

    @property
    def retryable(self) -> bool:
        return self.retry is not Retry.NEVER


def failure_of(error: BaseException) -> Failure | None:
    """The failure ``error`` declares; None for an error nobody expected (a bug)."""
    failure = getattr(error, "failure", None)
    return failure if isinstance(failure, Failure) else None


def quiet_stdout() -> None:
    """Point stdout at the null device after its reader went away (``pipe_safe``), so the
    interpreter's last flush prints no second error."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def pipe_safe(command: Callable[[], int]) -> int:
    """Run a command line's whole command with its output flushed inside, so a reader that
    went away (``sanwu catalog | head``) is met here, once, and not in the interpreter's
    last flush (a traceback and exit 120): stdout goes to the null device and the command
    ends as done, exit 0, since the reader has what it wanted and ``set -o pipefail``
    scripts should not fail for it. Every entry point (``sanwu``, ``python -m
    client.cli``, ``python -m central``) runs through this."""
    import sys

    try:
        code = command()
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
        return ExitCode.OK
    return code
