"""The Donghe demo tree and scope prefixes."""

from __future__ import annotations

from collections import Counter

import pytest

from models.orgs import (
    LEVELS,
    OrgUnit,
    children_of,
    in_scope,
    is_org_code,
    load_org_units,
    org_by_code,
    scope_prefix,
    unit_level_prefix,
    villages_of,
)

DISTRICT = "150202000000"
HEDONG = "150202100000"
SHAERQIN = "150202101000"


def fullwidth(text: str) -> str:
    """The same text in full-width digits and letters, as some Chinese IMEs type it."""
    return text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F) if chr(c) != "-"})


def test_counts_per_level() -> None:
    levels = Counter(unit.level for unit in load_org_units())
    assert levels == {
        "district": 1,
        "town": 2,
        "village": 49,
        "community": 3,
        "department": 77,
        "discipline": 24,
    }


def test_towns_have_their_villages_and_communities() -> None:
    assert len(villages_of(HEDONG)) == 26
    assert len(villages_of(SHAERQIN)) == 23
    assert len(villages_of(HEDONG, communities=True)) == 28
    assert len(villages_of(SHAERQIN, communities=True)) == 24
    hedong = [unit.code for unit in villages_of(HEDONG)]
    assert hedong[0] == "150202100200" and hedong[-1] == "150202100225"
    shaerqin = [unit.code for unit in villages_of(SHAERQIN)]
    assert shaerqin[0] == "150202101200" and shaerqin[-1] == "150202101222"
    communities = [u.code for u in children_of(HEDONG) if u.level == "community"]
    assert communities == ["150202100001", "150202100002"]
    assert [u.code for u in children_of(SHAERQIN) if u.level == "community"] == ["150202101001"]


def test_departments_and_discipline_bodies_sit_under_the_district() -> None:
    units = load_org_units()
    departments = [u.code for u in units if u.level == "department"]
    discipline = [u.code for u in units if u.level == "discipline"]
    assert departments == [f"150202900{n:03d}" for n in range(1, 78)]
    assert discipline == [f"150202950{n:03d}" for n in range(1, 25)]
    assert all(org_by_code()[code].parent == DISTRICT for code in departments + discipline)


def test_codes_unique_twelve_digits_and_parents_exist() -> None:
    units = load_org_units()
    codes = [unit.code for unit in units]
    assert len(codes) == len(set(codes))
    assert all(is_org_code(code) for code in codes)
    by_code = org_by_code()
    for unit in units:
        assert unit.level in LEVELS
        if unit.level == "district":
            assert unit.parent is None
        else:
            assert unit.parent is not None and unit.parent in by_code
            # A unit's code always lies inside its parent's own prefix.
            assert unit.code.startswith(unit_level_prefix(unit.parent))


def test_committee_segments_match_levels() -> None:
    for unit in load_org_units():
        segment = int(unit.code[9:])
        if unit.level == "village":
            assert 200 <= segment <= 399
        elif unit.level == "community":
            assert 1 <= segment <= 199


def test_known_shaerqin_villages_are_real_and_the_rest_demo() -> None:
    known = {
        "150202101200": "黑麻板村",
        "150202101201": "杨圪塄村",
        "150202101202": "公积板村",
        "150202101203": "莎木佳村",
        "150202101204": "鄂尔格逊村",
        "150202101205": "小巴拉盖村",
        "150202101206": "东园村",
        "150202101207": "阿都赖村",
    }
    by_code = org_by_code()
    for code, name in known.items():
        assert by_code[code] == OrgUnit(code, name, "village", SHAERQIN, demo=False)
    real = {u.code for u in load_org_units() if not u.demo}
    assert real == set(known) | {DISTRICT, HEDONG, SHAERQIN}
    assert by_code[DISTRICT].name == "东河区"
    assert by_code[HEDONG].name == "河东镇"
    assert by_code[SHAERQIN].name == "沙尔沁镇"


def test_names_are_unique_and_look_like_their_level() -> None:
    units = load_org_units()
    assert len({u.name for u in units}) == len(units)
    for unit in units:
        if unit.level == "village":
            assert unit.name.endswith("村")
        elif unit.level == "community":
            assert unit.name.endswith("社区")


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("150202101200", True),
        ("15020210120", False),
        ("1502021012000", False),
        ("15020210120a", False),
        (fullwidth("150202101200"), False),
        (" 150202101200", False),
        ("", False),
        (150202101200, False),
    ],
)
def test_is_org_code(text: object, ok: bool) -> None:
    assert is_org_code(text) is ok


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        (DISTRICT, "150202"),
        (HEDONG, "150202100"),
        ("150202101200", "150202101200"),
        ("150202900001", "150202900001"),
    ],
)
def test_unit_level_prefix(code: str, prefix: str) -> None:
    assert unit_level_prefix(code) == prefix


@pytest.mark.parametrize(
    ("unit", "role", "prefix"),
    [
        ("150202101200", "clerk", "150202101200"),
        ("150202100001", "clerk", "150202100001"),
        ("150202900007", "clerk", "150202900007"),
        ("150202950003", "clerk", "150202950003"),
        (SHAERQIN, "town", "150202101"),
        ("150202101205", "town", "150202101"),
        (DISTRICT, "supervisor", "150202"),
        ("150202950001", "supervisor", "150202950001"),  # its assigned units join at central
        (DISTRICT, "support", "150202"),
        (HEDONG, "support", "150202100"),
        ("150202101200", "support", "150202101200"),
    ],
)
def test_scope_prefix(unit: str, role: str, prefix: str) -> None:
    assert scope_prefix(unit, role) == prefix


def test_clerk_of_a_town_or_district_is_refused_with_the_unit_named() -> None:
    with pytest.raises(ValueError, match="沙尔沁镇"):
        scope_prefix(SHAERQIN, "clerk")
    with pytest.raises(ValueError, match=DISTRICT):
        scope_prefix(DISTRICT, "clerk")


@pytest.mark.parametrize(
    ("unit", "role"),
    [
        (DISTRICT, "town"),
        ("150202900001", "town"),
        ("1502021012", "clerk"),
        ("150202101200", "admin"),
    ],
)
def test_scope_prefix_refuses(unit: str, role: str) -> None:
    with pytest.raises(ValueError):
        scope_prefix(unit, role)


def test_in_scope() -> None:
    assert in_scope("150202101200", "150202101")
    assert in_scope("150202101200", "150202101200")
    assert in_scope("150202950001", "150202")
    assert not in_scope("150202100200", "150202101")
    assert not in_scope("150202101200", "")
    assert not in_scope("1502021012", "150202")
    # A town scope never covers departments or discipline bodies.
    assert not any(
        in_scope(u.code, scope_prefix(HEDONG, "town"))
        for u in load_org_units()
        if u.level in ("department", "discipline")
    )
