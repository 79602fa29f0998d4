"""Who writes on this PC: the enrolled device, whose id stamps every change and whose
scope bounds what it may write, or nobody yet (a home before ``sanwu enroll``).

One object shared by the parts of the store, so an enrollment or an unlock is seen by
all of them at once."""

from __future__ import annotations

from typing import Any

from client.errors import NotEnrolled
from client.identity import Identity
from models.validation import FieldError

LOCAL_ACTOR = "local"
"""The actor of changes made before enrollment."""


class Device:
    def __init__(self, identity: Identity | None) -> None:
        self.identity = identity
        """None until enrolled; replaced by ``Store.save_identity`` and ``Store.unlock``."""

    @property
    def actor(self) -> str:
        return self.identity.device_id if self.identity else LOCAL_ACTOR

    def require_identity(self) -> Identity:
        if self.identity is None:
            raise NotEnrolled("this home is not enrolled: run `sanwu enroll` first")
        return self.identity

    def scope_errors(self, org_code: Any) -> list[FieldError]:
        """Why this device may not write a record of ``org_code`` (empty: it may)."""
        identity = self.identity
        if identity is not None and identity.role == "support":
            return [FieldError("org_code", "read_only", "support devices only read records")]
        if identity is None or not isinstance(org_code, str) or identity.actor().reaches(org_code):
            return []
        return [FieldError("org_code", "out_of_scope", "org_code is outside this device's units")]
