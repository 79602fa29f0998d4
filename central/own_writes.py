"""Records central writes itself (the reminder pass, a catalogue import): through push,
as a pseudo device of the level that writes them, so they get versions and change
numbers like any device's, are checked by the same rules, and reach devices the same
way. Op and record ids are made from what the write is about, so writing the same
thing twice (two passes on one day, an import run again) applies it once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from central.clock import utcnow
from central.push import push
from central.tables import Device
from models.kinds import timestamp_to_wire
from sync.protocol import Action, Op, OpResult

__all__ = ["create", "delete", "own_device", "stable_id", "update", "write"]

_NAMESPACE = uuid.UUID("0e9b3f5e-5b8a-4f59-9a0c-6c3e2f1a7b21")


def stable_id(*parts: str) -> str:
    """An id made from what a write is about: the same parts, the same id."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def own_device(device_id: str, unit: str, scope: str) -> Device:
    """A pseudo device of a supervising level (never enrolled, never stored)."""
    return Device(
        id=device_id,
        public_key="",
        org_code=unit,
        role="supervisor",
        scope=scope,
        name=f"central ({device_id})",
        enrolled_at=utcnow(),
    )


def create(kind: str, record_id: str, fields: Mapping[str, Any], *, op_key: str) -> Op:
    return Op(
        op_id=stable_id("op", op_key),
        kind=kind,
        record_id=record_id,
        action=Action.CREATE,
        changes={name: (None, value) for name, value in fields.items()},
        recorded_at=timestamp_to_wire(utcnow()) or "",
    )


def update(
    kind: str,
    record_id: str,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    base_version: int,
    op_key: str,
) -> Op:
    return Op(
        op_id=stable_id("op", op_key),
        kind=kind,
        record_id=record_id,
        action=Action.UPDATE,
        changes=dict(changes),
        base_version=base_version,
        recorded_at=timestamp_to_wire(utcnow()) or "",
    )


def delete(kind: str, record_id: str, *, base_version: int, op_key: str) -> Op:
    return Op(
        op_id=stable_id("op", op_key),
        kind=kind,
        record_id=record_id,
        action=Action.DELETE,
        changes={"deleted": (False, True)},
        base_version=base_version,
        recorded_at=timestamp_to_wire(utcnow()) or "",
    )


def write(
    session: Session, device: Device, ops: Sequence[Op], *, now: datetime | None = None
) -> list[OpResult]:
    """Apply central's own ops in batches of what one push holds; commits."""
    from sync.protocol import PUSH_BATCH_MAX_OPS

    results: list[OpResult] = []
    for start in range(0, len(ops), PUSH_BATCH_MAX_OPS):
        batch = ops[start : start + PUSH_BATCH_MAX_OPS]
        results.extend(push(session, device=device, ops=batch, now=now or utcnow()))
    return results
