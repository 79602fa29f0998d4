"""Central's domain errors; one handler in ``central.app`` maps them to an ErrorBody.

    CentralError (500)
     ├── BadRequest        400/422  malformed body, invalid value (``field`` names it)
     ├── AuthFailed        401      unsigned, unknown_device, revoked, stale, replayed,
     │                              bad_signature, and the enrollment refusals
     ├── Forbidden         403      out_of_scope, read_only
     ├── NotFound          404      unknown_unit, unknown_record, unknown_kind
     ├── PayloadTooLarge   413      body or batch too big
     ├── ProtocolMismatch  426      the client speaks another protocol version
     └── Busy              503      a push met other writers to the same rows too often,
                                    or the bodies held at once reached their budget

Services raise these; routes never build HTTP errors themselves. A message
names codes, fields and ids only, never a personal value.

Raised to an operator's command (``sanwu central ...``), each is one line on stderr
and an exit code from the failure table (sync.failures): AuthFailed exits 4 (a
bundle from an unknown or revoked device, or tampered with), every other one 2.
None is retried.
"""

from __future__ import annotations

from typing import ClassVar

from sync.failures import ExitCode, Failure, Retry

_OPERATORS_TO_FIX = Failure(ExitCode.USAGE, Retry.NEVER)
_REFUSED = Failure(ExitCode.REFUSED, Retry.NEVER)


class CentralError(Exception):
    """Base of every refusal central answers with an ErrorBody."""

    status: ClassVar[int] = 500
    failure: ClassVar[Failure] = _OPERATORS_TO_FIX

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    @property
    def status_code(self) -> int:
        return self.status


class BadRequest(CentralError):
    status = 400
    failure: ClassVar[Failure] = _OPERATORS_TO_FIX

    def __init__(
        self, code: str, message: str, *, field: str | None = None, status: int = 400
    ) -> None:
        super().__init__(code, message, field=field)
        self._status = status

    @property
    def status_code(self) -> int:
        return self._status


class AuthFailed(CentralError):
    status = 401
    failure: ClassVar[Failure] = _REFUSED


class Forbidden(CentralError):
    status = 403
    failure: ClassVar[Failure] = _OPERATORS_TO_FIX


class OutOfScope(Forbidden):
    """A write or read outside the device's org-code prefix."""

    failure: ClassVar[Failure] = _OPERATORS_TO_FIX

    def __init__(self, message: str) -> None:
        super().__init__("out_of_scope", message)


class ReadOnly(Forbidden):
    """The support role may read but never write."""

    failure: ClassVar[Failure] = _OPERATORS_TO_FIX

    def __init__(self, message: str) -> None:
        super().__init__("read_only", message)


class NotFound(CentralError):
    status = 404
    failure: ClassVar[Failure] = _OPERATORS_TO_FIX


class PayloadTooLarge(CentralError):
    status = 413
    failure: ClassVar[Failure] = _OPERATORS_TO_FIX


class ProtocolMismatch(CentralError):
    status = 426
    failure: ClassVar[Failure] = _OPERATORS_TO_FIX


class Busy(CentralError):
    """Writers to the same rows kept getting in each other's way (central.changelog), or
    central holds as many request bodies as it may (central.wire.BodyBudget): nothing is
    applied. A device takes the 503 as a cut link and sends it again."""

    status = 503
    failure: ClassVar[Failure] = _OPERATORS_TO_FIX

    def __init__(
        self, code: str, message: str, *, field: str | None = None, retry_after_s: int | None = None
    ) -> None:
        super().__init__(code, message, field=field)
        self.retry_after_s = retry_after_s
