"""Errors of the local store. Messages name fields and ids, never personal values.

Every one is the person's to fix, not the link's: exit code 2, never retried
(their entry in the failure table, sync.failures).

StoreError
 ├── ValidationFailed   the input broke a rule; ``errors`` names each field
 ├── UnknownRecord      no record has that id
 ├── UnknownConflict    no open conflict has that id
 ├── NotEnrolled        the action needs a device identity
 ├── RuleRefused        a rule both ends apply refuses the change (exit 4, as central would)
 └── (client.crypto) Locked, BadPassphrase, SealedValueError
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

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


class UnknownConflict(StoreError):
    failure: ClassVar[Failure] = PERSONS_TO_FIX

    def __init__(self, conflict_id: int) -> None:
        self.conflict_id = conflict_id
        super().__init__(f"no open conflict with id {conflict_id}")


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


REVOKED_MESSAGE = (
    "refused by central: this device was revoked, so it no longer syncs. Everything entered "
    "here is kept on this PC (nothing pending is lost); ask the administrator for a new enrollment "
    "code (`sanwu enroll --force`), or remove the local data on purpose with `sanwu wipe`."
)
CLOCK_SKEW_MESSAGE = (
    "this PC's clock differs too much from central's: set the date, time and time zone "
    "correctly, then sync again."
)
