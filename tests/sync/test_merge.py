"""The per-field merge rule, alone and as a protocol simulation (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.merge import diff, merge_fields, rebase

FIELDS = ("title", "content", "status")
VALUES = st.sampled_from(["a", "b", "c", "d"])


def test_equal_from_applies_and_equal_to_needs_nothing() -> None:
    outcome = merge_fields(
        {"title": "a", "status": "x"}, {"title": ("a", "b"), "status": ("w", "x")}
    )
    assert outcome.applied == {"title": "b"}
    assert outcome.unchanged == ("status",)
    assert outcome.conflicts == ()


def test_moved_field_is_a_conflict_with_base_mine_theirs() -> None:
    outcome = merge_fields(
        {"title": "theirs", "status": "x"}, {"title": ("base", "mine"), "status": ("x", "y")}
    )
    assert outcome.applied == {"status": "y"}
    (conflict,) = outcome.conflicts
    assert (conflict.field, conflict.base, conflict.mine, conflict.theirs) == (
        "title",
        "base",
        "mine",
        "theirs",
    )


def test_missing_field_counts_as_none() -> None:
    assert merge_fields({}, {"title": (None, "a")}).applied == {"title": "a"}


def test_rebase_lays_pending_changes_on_top_oldest_first() -> None:
    pulled = {"title": "central", "status": "draft", "content": "c"}
    pending = [
        {"title": ["x", "mine1"]},
        {"title": ["mine1", "mine2"], "status": ["draft", "published"]},
    ]
    assert rebase(pulled, pending) == {"title": "mine2", "status": "published", "content": "c"}


def test_diff_keeps_only_changed_fields() -> None:
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": (2, 3)}


@given(
    base=st.fixed_dictionaries(dict.fromkeys(FIELDS, VALUES)),
    mine=st.dictionaries(st.sampled_from(FIELDS), VALUES),
    theirs=st.dictionaries(st.sampled_from(FIELDS), VALUES),
)
def test_two_edits_of_one_base_in_either_order_agree(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> None:
    """Disjoint or equal edits give the same record whichever arrives first; a real
    clash is reported to whoever arrives second, never silently dropped."""
    ops = [diff(base, {**base, **mine}), diff(base, {**base, **theirs})]
    results = []
    for order in (ops, ops[::-1]):
        state = dict(base)
        conflicts = []
        for changes in order:
            outcome = merge_fields(state, changes)
            state.update(outcome.applied)
            conflicts.extend(outcome.conflicts)
        results.append((state, {c.field for c in conflicts}))
    (state_a, clash_a), (state_b, clash_b) = results
    clashes = {
        n
        for n in FIELDS
        if n in mine
        and n in theirs
        and mine[n] != theirs[n]
        and mine[n] != base[n]
        and theirs[n] != base[n]
    }
    assert clash_a == clash_b == clashes
    for name in FIELDS:
        if name not in clashes:
            assert state_a[name] == state_b[name]


# ---- the protocol as a model: central, devices, outboxes, pulls --------------------------


@dataclass
class Device:
    local: dict[str, Any]
    outbox: list[dict[str, tuple[Any, Any]]] = field(default_factory=list)
    conflicts: list[tuple[str, Any]] = field(default_factory=list)
    """(field, theirs) waiting for a person."""
    made: list[tuple[str, Any]] = field(default_factory=list)
    """Every (field, value) this device ever typed."""


@dataclass
class Central:
    record: dict[str, Any]
    history: list[tuple[str, Any]] = field(default_factory=list)


def _edit(device: Device, name: str, value: Any) -> None:
    if device.local.get(name) == value:
        return
    device.outbox.append({name: (device.local.get(name), value)})
    device.local[name] = value
    device.made.append((name, value))


def _push(device: Device, central: Central, reported: list[tuple[str, Any]]) -> None:
    for changes in device.outbox:
        outcome = merge_fields(central.record, changes)
        central.record.update(outcome.applied)
        central.history.extend(outcome.applied.items())
        for conflict in outcome.conflicts:
            device.conflicts.append((conflict.field, conflict.theirs))
            reported.append((conflict.field, conflict.mine))
    device.outbox.clear()


def _pull(device: Device, central: Central) -> None:
    device.local = rebase(central.record, device.outbox)


def _resolve_all(device: Device, take_mine: bool) -> None:
    for name, theirs in device.conflicts:
        if take_mine and device.local.get(name) != theirs:
            device.outbox.append({name: (theirs, device.local[name])})
        else:
            device.local[name] = theirs
    device.conflicts.clear()


STEP = st.tuples(
    st.integers(0, 2),
    st.sampled_from(["edit", "push", "pull"]),
    st.sampled_from(FIELDS),
    VALUES,
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(STEP, max_size=40), take_mine=st.lists(st.booleans(), min_size=3, max_size=3))
def test_any_interleaving_converges_and_drops_nothing(
    steps: list[tuple[int, str, str, Any]], take_mine: list[bool]
) -> None:
    base = dict.fromkeys(FIELDS, "a")
    central = Central(record=dict(base))
    devices = [Device(local=dict(base)) for _ in range(3)]
    reported: list[tuple[str, Any]] = []
    for who, action, name, value in steps:
        device = devices[who]
        if action == "edit":
            _edit(device, name, value)
        elif action == "push":
            _push(device, central, reported)
        else:
            _pull(device, central)

    # Everyone settles: resolve, push, pull, a bounded number of times.
    for _round in range(4):
        for device, mine in zip(devices, take_mine, strict=True):
            _push(device, central, reported)
            _resolve_all(device, mine)
            _push(device, central, reported)
        for device in devices:
            _pull(device, central)
        if not any(d.outbox or d.conflicts for d in devices):
            break
    for device in devices:
        assert not device.outbox
        assert device.local == central.record

    # Nothing dropped: every typed value reached central's history or came back as a
    # conflict to the device that typed it (or was overtaken by its own later edit).
    for device in devices:
        for made in device.made:
            assert (
                made in central.history
                or made in reported
                or made[1] == base[made[0]]
                or any(later[0] == made[0] for later in device.made[device.made.index(made) + 1 :])
            )
