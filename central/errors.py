"""Central's domain errors; one handler in ``central.app`` maps them to an ErrorBody.

    CentralError (500)
     ├── BadRequest        400/422  malformed body, invalid value (``field`` names it)
     ├── AuthFailed        401      unsigned, unknown_device, revoked, stale, replayed,
     │                              bad_signature, and the enrollment refusals
     ├── Forbidden         403      out_of_scope, read_only
     ├── NotFound          404      unknown_unit, unknown_record, unknown_kind
     ├── PayloadTooLarge   413      body or batch too big
     └── ProtocolMismatch  426      the client speaks another protocol version

Services raise these; routes never build HTTP errors themselves. A message
names codes, fields and ids only, never a personal value.
"""

from __future__ import annotations

from typing import ClassVar


class CentralError(Exception):
    """Base of every refusal central answers with an ErrorBody."""

    status: ClassVar[int] = 500

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


class Forbidden(CentralError):
    status = 403


class OutOfScope(Forbidden):
    """A write or read outside the device's org-code prefix."""

    def __init__(self, message: str) -> None:
        super().__init__("out_of_scope", message)


class ReadOnly(Forbidden):
    """The support role may read but never write."""

    def __init__(self, message: str) -> None:
        super().__init__("read_only", message)


class NotFound(CentralError):
    status = 404


class PayloadTooLarge(CentralError):
    status = 413


class ProtocolMismatch(CentralError):
    status = 426
