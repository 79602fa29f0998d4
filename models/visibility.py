"""What a device of each role receives of a record: the kind (clues go to the supervising
side only), and its fields (a clue's reporter to the supervisor role only). Read from
the kinds' declaration; central applies it to every pull and every answer that carries
a record, and the rules refuse a change to what a device cannot see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.kinds import KindSpec

__all__ = ["hidden_fields", "reads", "visible_record"]


def reads(spec: KindSpec, role: str) -> bool:
    """Whether devices of ``role`` receive records of the kind at all."""
    return spec.read_by is None or role in spec.read_by


def hidden_fields(spec: KindSpec, role: str) -> frozenset[str]:
    """The fields of the kind a device of ``role`` does not see."""
    return frozenset(
        name
        for name, field in spec.specs.items()
        if field.visible_to is not None and role not in field.visible_to
    )


def visible_record(
    spec: KindSpec, record: Mapping[str, Any] | None, role: str
) -> dict[str, Any] | None:
    """The record as a device of ``role`` may receive it: None when it does not read the
    kind, hidden fields at their default."""
    if record is None or not reads(spec, role):
        return None
    out = dict(record)
    defaults = spec.defaults()
    for name in hidden_fields(spec, role):
        if name in out:
            out[name] = defaults[name]
    return out
