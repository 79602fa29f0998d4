"""The failure table: every error class declares its exit code and whether waiting helps,
and the client's and central's command lines end with exactly that code."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import central.cli
import client.cli.sync
from central.assignments import AssignmentRefused
from central.cli import CentralCliError
from central.errors import CentralError, OutOfScope, ReadOnly
from central.sealing import CentralKeyError
from client.attachments import AttachmentError
from client.bundles import NoBundleKeys
from client.cli import main
from client.cli.common import CliError
from client.crypto import BadPassphrase, Locked, SealedValueError
from client.errors import (
    DatabaseUnusable,
    RuleRefused,
    StoreError,
    UnknownConflict,
    UnknownRecord,
    ValidationFailed,
)
from models.i18n import N_
from models.rules.refusals import Refusal
from models.validation import FieldError
from sync.errors import (
    AuthError,
    ClockSkewError,
    DeviceRevoked,
    InsecureTransportError,
    LinkTimeout,
    PayloadTooLarge,
    ProtocolError,
    ScopeError,
    SyncBusy,
    SyncError,
    TransportError,
)
from sync.failures import ExitCode, Failure, Retry, failure_of


def _import_everything() -> None:
    """Every error class exists only once its module is imported: import them all."""
    for package in ("sync", "client", "central", "sanwu"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in module.name and not module.name.endswith("__main__"):
                importlib.import_module(module.name)


_import_everything()

CLIENT_ROOTS: tuple[type[Exception], ...] = (SyncError, StoreError, AttachmentError, CliError)
CENTRAL_ROOTS: tuple[type[Exception], ...] = (CentralError, CentralCliError)

SYNC_TABLE = {
    SyncError: (ExitCode.OFFLINE, Retry.BACK_OFF),
    TransportError: (ExitCode.OFFLINE, Retry.BACK_OFF),
    LinkTimeout: (ExitCode.OFFLINE, Retry.BACK_OFF),
    PayloadTooLarge: (ExitCode.OFFLINE, Retry.BACK_OFF),
    AuthError: (ExitCode.REFUSED, Retry.NEVER),
    ScopeError: (ExitCode.REFUSED, Retry.NEVER),
    ClockSkewError: (ExitCode.REFUSED, Retry.NEVER),
    DeviceRevoked: (ExitCode.REFUSED, Retry.NEVER),
    SyncBusy: (ExitCode.BUSY, Retry.NEXT_TURN),
    ProtocolError: (ExitCode.PROTOCOL, Retry.NEVER),
    InsecureTransportError: (ExitCode.USAGE, Retry.NEVER),
}
"""The README's exit codes for a sync, written out: the contract schedulers rely on."""


def subclasses(root: type[Exception]) -> Iterator[type[Exception]]:
    yield root
    for sub in root.__subclasses__():
        yield from subclasses(sub)


def every_class(roots: tuple[type[Exception], ...]) -> list[type[Exception]]:
    return sorted({cls for root in roots for cls in subclasses(root)}, key=lambda c: c.__name__)


def instance(cls: type[Exception]) -> Exception:
    """An error of ``cls`` as the code raises it."""
    makers: dict[type[Exception], Callable[[], Exception]] = {
        ValidationFailed: lambda: ValidationFailed(
            [FieldError("title", "required", "a title is needed")]
        ),
        UnknownRecord: lambda: UnknownRecord("r-1"),
        UnknownConflict: lambda: UnknownConflict(7),
        Locked: Locked,
        BadPassphrase: BadPassphrase,
        SealedValueError: lambda: SealedValueError("disclosure r-1"),
        OutOfScope: lambda: OutOfScope("outside"),
        RuleRefused: lambda: RuleRefused("warning", Refusal("closed", "status")),
        ReadOnly: lambda: ReadOnly("read only"),
        DatabaseUnusable: lambda: DatabaseUnusable(Path("sanwu.db"), "damaged", "it failed"),
        NoBundleKeys: NoBundleKeys,
        AssignmentRefused: lambda: AssignmentRefused("not_a_department", "150202101220", "unit"),
        CentralKeyError: lambda: CentralKeyError(N_("central's data key must be {n} bytes"), n=32),
    }
    if cls in makers:
        return makers[cls]()
    if issubclass(cls, CentralError):
        return cls("some_code", "refused for a reason")
    return cls("it failed")


@pytest.mark.parametrize("cls", every_class(CLIENT_ROOTS + CENTRAL_ROOTS), ids=lambda c: c.__name__)
def test_every_error_class_declares_its_failure(cls: type[Exception]) -> None:
    assert "failure" in vars(cls), f"{cls.__name__} says nothing in the failure table"
    failure = failure_of(instance(cls))
    assert isinstance(failure, Failure)
    assert failure.exit_code is not ExitCode.OK


def test_the_sync_tree_keeps_the_readmes_codes() -> None:
    assert set(subclasses(SyncError)) == set(SYNC_TABLE), "a new sync error needs its row here"
    for cls, (code, retry) in SYNC_TABLE.items():
        assert cls.failure == Failure(code, retry), cls.__name__


def test_only_the_link_and_a_busy_home_are_worth_another_try() -> None:
    for cls in every_class(CLIENT_ROOTS + CENTRAL_ROOTS):
        failure = failure_of(instance(cls))
        assert failure is not None
        assert failure.retryable == (cls in SYNC_TABLE and SYNC_TABLE[cls][1] is not Retry.NEVER)
    assert failure_of(ValueError("a bug")) is None


def test_a_command_says_which_code_it_ends_with() -> None:
    assert failure_of(CliError("bad flag")) == Failure(ExitCode.USAGE, Retry.NEVER)
    refused = CliError("reply refused", ExitCode.REFUSED)
    assert failure_of(refused) == Failure(ExitCode.REFUSED, Retry.NEVER)
    assert failure_of(CentralCliError("no file")) == Failure(ExitCode.USAGE, Retry.NEVER)


@pytest.mark.parametrize("cls", every_class(CLIENT_ROOTS), ids=lambda c: c.__name__)
def test_the_client_cli_ends_with_the_tables_code(
    cls: type[Exception],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = instance(cls)

    def failing(_args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr(client.cli.sync, "cmd_status", failing)
    code = main(["--home", str(tmp_path), "status"])
    failure = failure_of(error)
    assert failure is not None and code == failure.exit_code
    lines = capsys.readouterr().err.splitlines()
    assert lines and all(line.startswith("sanwu: ") for line in lines)
    assert len(lines) == (len(error.errors) if isinstance(error, ValidationFailed) else 1)


@pytest.mark.parametrize("cls", every_class(CENTRAL_ROOTS), ids=lambda c: c.__name__)
def test_the_central_cli_ends_with_the_tables_code(
    cls: type[Exception],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = instance(cls)

    def failing(_args: argparse.Namespace, _db_url: str) -> int:
        raise error

    monkeypatch.setattr(central.cli, "cmd_revoke", failing)
    code = central.cli.main(["revoke", "d-1", "--db", "sqlite:///unused.db"])
    failure = failure_of(error)
    assert failure is not None and code == failure.exit_code
    assert capsys.readouterr().err == f"sanwu: {error}\n"


def test_a_bug_keeps_its_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(_args: argparse.Namespace) -> int:
        raise KeyError("a bug")

    monkeypatch.setattr(client.cli.sync, "cmd_status", failing)
    with pytest.raises(KeyError):
        main(["--home", str(tmp_path), "status"])
