"""Errors of the local store. Messages name fields and ids, never personal values.

Every one is the person's to fix, not the link's: exit code 2, never retried
(their entry in the failure table, sync.failures).

StoreError
 ├── ValidationFailed   the input broke a rule; ``errors`` names each field
 ├── UnknownRecord      no record has that id
 ├── UnknownConflict    no open conflict has that id
 ├── NotEnrolled        the action needs a device identity
 ├── RuleRefused        a rule both ends apply refuses the change (exit 4, as central would)
 ├── DatabaseUnusable   the home's file is empty, not a database or damaged (exit 8)
 ├── DiskFull           a write found the disk full and was rolled back (exit 8)
 └── (client.crypto) Locked, BadPassphrase, SealedValueError
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from client.i18n import N_, _
from models.fields import FieldError
from models.rules.refusals import Refusal
from sync.failures import ExitCode, Failure, Retry

PERSONS_TO_FIX = Failure(ExitCode.USAGE, Retry.NEVER)
"""The failure of every store error: bad input, a wrong id or passphrase, no enrollment."""


class StoreError(Exception):
    """Base of every store failure; nothing was written when one is raised."""

    failure: ClassVar[Failure] = PERSONS_TO_FIX


class ValidationFailed(StoreError):
    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))


class UnknownRecord(StoreError):
    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self, record_id: str) -> None:
        self.record_id = record_id
        super().__init__(f"no record with id {record_id}")

    def __str__(self) -> str:
        return _("no record with id {id}").format(id=self.record_id)


class UnknownConflict(StoreError):
    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self, conflict_id: int) -> None:
        self.conflict_id = conflict_id
        super().__init__(f"no open conflict with id {conflict_id}")

    def __str__(self) -> str:
        return _("no open conflict with id {id}").format(id=self.conflict_id)


class RuleRefused(StoreError):
    """A rule of the kind (who may move a warning, who handles a clue...) refuses the
    change: the same refusal central would answer, so the command ends as refused."""

    failure: ClassVar[Failure] = Failure(ExitCode.REFUSED, Retry.NEVER)

    def __init__(self, kind: str, refusal: Refusal) -> None:
        self.kind = kind
        self.refusal = refusal
        super().__init__(refusal.english())


class NotEnrolled(StoreError):
    """The action needs a device identity: run ``sanwu enroll`` first."""

    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __str__(self) -> str:
        return _("this home is not enrolled: run `sanwu enroll` first")


STORAGE_FAILURE = Failure(ExitCode.STORAGE, Retry.NEVER)
"""The failure of a database that cannot be used: trying again changes nothing, support
must look at the file."""

_UNUSABLE = {
    "empty": N_(
        "the local database {path} is empty (0 bytes), so this home's records cannot be read. "
        "Keep the file as it is (do not delete or replace it), run `sanwu doctor`, and call "
        "support with its output."
    ),
    "not_sqlite": N_(
        "the file {path} is not a Sanwu database (it may have been overwritten or only partly "
        "copied). Keep the file as it is (do not delete or replace it), run `sanwu doctor`, "
        "and call support with its output."
    ),
    "damaged": N_(
        "the local database {path} is damaged or truncated (its check failed: {detail}). Keep "
        "the file as it is (do not delete or replace it), run `sanwu doctor`, and call "
        "support with its output."
    ),
}


class DatabaseUnusable(StoreError):
    """The home's database file exists but cannot be used. Detected at open, before any
    write, so the file is left exactly as found for support to look at (never recreated:
    an empty new home would hide the lost records)."""

    failure: ClassVar[Failure] = STORAGE_FAILURE

    def __init__(self, path: Path, problem: str, detail: str = "") -> None:
        self.path = path
        self.problem = problem
        self.detail = detail
        super().__init__(problem)

    def __str__(self) -> str:
        """Translated when shown, so ``--lang`` chosen after the raise still applies."""
        return _(_UNUSABLE[self.problem]).format(path=self.path, detail=self.detail)


class DiskFull(StoreError):
    """A write found the disk (or the database's size limit) full: the transaction was
    rolled back, so nothing of the action was kept and nothing earlier was lost."""

    failure: ClassVar[Failure] = STORAGE_FAILURE

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__("disk full")

    def __str__(self) -> str:
        return _(
            "the disk holding {path} is full: this change was not saved (nothing earlier was "
            "lost). Free some space (delete large unneeded files), then try again."
        ).format(path=self.path)


REVOKED_MESSAGE = N_(
    "refused by central: this device was revoked, so it no longer syncs. Everything entered "
    "here is kept on this PC (nothing pending is lost); ask the administrator for a new enrollment "
    "code (`sanwu enroll --force`), or remove the local data on purpose with `sanwu wipe`."
)
CLOCK_SKEW_MESSAGE = N_(
    "this PC's clock differs too much from central's: set the date, time and time zone "
    "correctly, then sync again."
)
