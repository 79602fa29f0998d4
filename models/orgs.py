"""Organisation units and scope prefixes.

Every unit has a 12-digit code (county 6 + town 3 + committee 3; departments
and discipline bodies get segments 900-999 under the district), so every
device's scope is a plain code prefix: central filters pulls and refuses
writes with ``in_scope``. The demo tree of Donghe (东河区) ships as
``data/donghe.json``; names marked ``demo`` are made up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType

__all__ = [
    "LEVELS",
    "ROLES",
    "OrgUnit",
    "children_of",
    "in_scope",
    "is_org_code",
    "load_org_units",
    "org_by_code",
    "scope_prefix",
    "unit_level_prefix",
    "villages_of",
]

LEVELS = frozenset({"district", "town", "village", "community", "department", "discipline"})
ROLES = frozenset({"clerk", "town", "supervisor", "support"})

# Committee segment 900-999 under a district holds departments and discipline
# bodies; they are not towns, so a "town" role cannot be based on them.
_FIRST_NON_TOWN_SEGMENT = 900
_DISCIPLINE_SEGMENT = 950
"""Codes 950-999 under a district are its discipline bodies (派驻纪检监察组)."""


@dataclass(frozen=True)
class OrgUnit:
    """One unit of the tree; ``parent`` is None only for the district."""

    code: str
    name: str
    level: str
    parent: str | None
    demo: bool


def is_org_code(text: object) -> bool:
    """True for exactly 12 ASCII digits (``str.isdigit`` alone accepts full-width digits)."""
    return isinstance(text, str) and len(text) == 12 and text.isascii() and text.isdigit()


@cache
def load_org_units() -> tuple[OrgUnit, ...]:
    """The demo tree in code order, read once from the package data."""
    raw = json.loads(files("models").joinpath("data/donghe.json").read_text(encoding="utf-8"))
    units = tuple(
        sorted(
            (
                OrgUnit(
                    code=str(item["code"]),
                    name=str(item["name"]),
                    level=str(item["level"]),
                    parent=None if item["parent"] is None else str(item["parent"]),
                    demo=bool(item["demo"]),
                )
                for item in raw["units"]
            ),
            key=lambda unit: unit.code,
        )
    )
    for unit in units:
        if not is_org_code(unit.code) or unit.level not in LEVELS:
            raise ValueError(f"donghe.json: bad unit {unit.code!r} ({unit.level!r})")
    return units


@cache
def _by_code() -> Mapping[str, OrgUnit]:
    return MappingProxyType({unit.code: unit for unit in load_org_units()})


def org_by_code() -> Mapping[str, OrgUnit]:
    """Read-only lookup of the demo tree by code."""
    return _by_code()


def _describe(code: str) -> str:
    unit = _by_code().get(code)
    return f"{code} ({unit.name})" if unit else code


def unit_level_prefix(code: str) -> str:
    """The prefix a unit's own level covers: province 2 digits, city 4, district 6, town 9,
    anything else 12 (the code without its trailing zero segments)."""
    for width in (2, 4, 6, 9):
        if code[width:] == "0" * (12 - width):
            return code[:width]
    return code


def scope_prefix(unit_code: str, role: str) -> str:
    """The org-code prefix a device of ``role`` based at ``unit_code`` may see.

    clerk → the unit itself (must be a village, community, department or
    discipline body); town → the town's 9 digits; supervisor → the district's
    6; support → the unit's own level prefix (read-only elsewhere).
    """
    if not is_org_code(unit_code):
        raise ValueError(f"unit code must be 12 digits, got {unit_code!r}")
    if role == "supervisor":
        # A discipline body's supervisors (一体化监督) reach their own body, then the
        # departments central assigns to it; the district's office the whole district.
        if int(unit_code[6:9]) >= _DISCIPLINE_SEGMENT:
            return unit_code
        return unit_code[:6]
    if role == "town":
        segment = int(unit_code[6:9])
        if segment == 0 or segment >= _FIRST_NON_TOWN_SEGMENT:
            raise ValueError(
                f"role 'town' needs a town or one of its units, not {_describe(unit_code)}"
            )
        return unit_code[:9]
    if role == "clerk":
        if unit_code[9:] == "000":
            raise ValueError(
                f"role 'clerk' needs a village, community, department or discipline body, "
                f"not {_describe(unit_code)}"
            )
        return unit_code
    if role == "support":
        return unit_level_prefix(unit_code)
    raise ValueError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")


def scope_prefixes(scope: str) -> tuple[str, ...]:
    """The org-code prefixes of a scope: one for most devices; a discipline body's device
    also reaches the units assigned to it (一体化监督), comma-separated."""
    return tuple(prefix for prefix in scope.split(",") if prefix)


def in_scope(org_code: str, scope: str) -> bool:
    """Whether a record of ``org_code`` falls in a scope (any of its prefixes); an empty
    scope reaches nothing."""
    return is_org_code(org_code) and any(org_code.startswith(p) for p in scope_prefixes(scope))


def ancestors(scope: str) -> tuple[str, ...]:
    """The codes of the levels above a scope's units (province, city, district, and a
    village's town): the levels whose handed-down records (the catalogue) its devices
    receive."""
    out: list[str] = []
    for prefix in scope_prefixes(scope):
        for width in (2, 4, 6, 9):
            if width >= len(prefix) or (width == 9 and int(prefix[6:9]) >= _FIRST_NON_TOWN_SEGMENT):
                continue
            code = prefix[:width].ljust(12, "0")
            if code not in out:
                out.append(code)
    return tuple(out)


def children_of(code: str) -> tuple[OrgUnit, ...]:
    """The units whose parent is ``code``, in code order."""
    return tuple(unit for unit in load_org_units() if unit.parent == code)


def villages_of(town_code: str, *, communities: bool = False) -> tuple[OrgUnit, ...]:
    """The villages of a town in code order; communities (社区) only when asked."""
    wanted = {"village", "community"} if communities else {"village"}
    return tuple(unit for unit in children_of(town_code) if unit.level in wanted)
