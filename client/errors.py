"""Errors of the local store. Messages name fields and ids, never personal values.

StoreError
 ├── ValidationFailed   the input broke a rule; ``errors`` names each field
 ├── UnknownRecord      no record has that id
 ├── UnknownConflict    no open conflict has that id
 └── NotEnrolled        the action needs a device identity
"""

from __future__ import annotations

from collections.abc import Sequence

from models.validation import FieldError


class StoreError(Exception):
    """Base of every store failure; nothing was written when one is raised."""


class ValidationFailed(StoreError):
    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))


class UnknownRecord(StoreError):
    def __init__(self, record_id: str) -> None:
        self.record_id = record_id
        super().__init__(f"no record with id {record_id}")


class UnknownConflict(StoreError):
    def __init__(self, conflict_id: int) -> None:
        self.conflict_id = conflict_id
        super().__init__(f"no open conflict with id {conflict_id}")


class NotEnrolled(StoreError):
    """The action needs a device identity: run ``sanwu enroll`` first."""
