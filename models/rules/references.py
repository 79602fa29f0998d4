"""Scope covers references: a record names (``Ref``) only records its writer reaches.

A payment's project, a feedback's warning, an adjustment's evidence: each such id must
name a live record the writer could read itself. A record out of the writer's reach is
answered exactly as one that does not exist (the same rule, field and words), so no
answer tells a clerk that another village holds a record with that id. Both ends run
this one check (``rules.permissions.check_change``): the store before saving, central
on every pushed op.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from models.kinds import kind_spec
from models.orgs import ancestors
from models.rules.actors import Actor
from models.rules.refusals import Refusal

__all__ = ["OrgOf", "check_references", "ref_fields"]

OrgOf = Callable[[str, str], str | None]
"""(kind, id) -> the unit of the live record with that id, None when there is none."""


def ref_fields(kind: str) -> dict[str, str]:
    """The kind's reference fields: field name -> the kind it names."""
    return {spec.name: spec.ref for spec in kind_spec(kind).specs.values() if spec.ref}


def reachable(actor: Actor, kind: str, org_code: str) -> bool:
    """Whether ``actor`` may name a record of ``kind`` held by ``org_code``: its scope, or
    a level above it for a handed-down kind (the catalogue it receives)."""
    if actor.reaches(org_code):
        return True
    return kind_spec(kind).handed_down and org_code in ancestors(",".join(actor.scopes))


def check_references(
    actor: Actor, kind: str, changes: Mapping[str, tuple[Any, Any]], org_of: OrgOf
) -> Refusal | None:
    """The first reference ``changes`` set to a record ``actor`` cannot reach, or that
    does not exist, refused naming its field; an emptied reference is always allowed."""
    for name, target in ref_fields(kind).items():
        change = changes.get(name)
        if change is None or not change[1]:
            continue
        org_code = org_of(target, str(change[1]))
        if org_code is None or not reachable(actor, target, org_code):
            return Refusal("unknown_reference", name, {"field": name})
    return None
