"""Sync scenarios through the real CLI against a real central process.

Each test works in its own village of 沙尔沁镇 (201, 202, ...), so the tests share one
central without seeing each other's records (黑麻板村 200 holds the demo data).

Every scenario ends with ``assert_converged``: the clerk's device, the town's device
and central's database hold the same live records of the village, compared field by
field through ``sanwu record list --json``, system columns included (id, version,
deleted, updated_by, recorded_at, received_at).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import (
    TOWN,
    Central,
    Client,
    assert_converged,
    disclosure,
    enroll_all,
    run_parallel,
    village,
)


def _json(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False)


def _edit(record_id: str, values: dict[str, Any]) -> tuple[str, ...]:
    return ("record", "edit", record_id, "--json", _json(values))


def _leftovers(*clients: Client) -> dict[str, tuple[int, int]]:
    """Devices with ops still in the outbox or conflicts still open: (ops, conflicts)."""
    found = {c.role: (c.pending(), c.open_conflicts()) for c in clients}
    return {role: counts for role, counts in found.items() if counts != (0, 0)}


def _pick(record: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    return {name: record[name] for name in names}


def test_offline_create_is_kept_then_pushed_and_pulled_by_town(central: Central, make_clients):
    org = village(201)
    clerk, town = make_clients((org, "clerk"), (TOWN, "town"))

    central.kill()
    record_id = clerk.add("disclosure", disclosure(period="2031-01", title="一月财务公开"))
    offline = clerk.run("sync", "--json", check=False)
    assert offline.returncode == 3, (offline.returncode, offline.stdout, offline.stderr)
    assert "无法连接平台" in offline.stderr

    central.start(wait=False)  # boots while the local checks run
    listed, queued = run_parallel(
        (clerk, ("record", "list", "disclosure", "--json")), (clerk, ("queue", "list", "--json"))
    )
    [kept] = json.loads(listed.stdout)
    # A clerk's records default to its own village.
    assert (kept["id"], kept["version"], kept["org_code"]) == (record_id, 0, org)
    queue = json.loads(queued.stdout)
    assert [(q["record_id"], q["action"], q["state"]) for q in queue] == [
        (record_id, "create", "pending")
    ]
    assert queue[0]["attempts"] >= 1
    assert queue[0]["last_error"], "the failed attempt should be noted on the op"

    central.wait_listening()
    pushed = clerk.sync()
    assert (pushed["pushed"], pushed["conflicts"], pushed["rejected"]) == (1, 0, 0)
    assert clerk.pending() == 0
    pulled = town.sync()
    assert pulled["pulled"] >= 1

    [on_central] = assert_converged(central, [clerk, town], org_code=org)
    assert on_central["id"] == record_id
    assert on_central["version"] == 1
    assert on_central["updated_by"] == clerk.device_id
    assert on_central["received_at"] is not None
    assert _pick(on_central, disclosure()) == disclosure(period="2031-01", title="一月财务公开")
    versions = central.query(
        "SELECT version, device_id FROM record_version WHERE record_id = ?", (record_id,)
    )
    assert versions == [(1, clerk.device_id)]


def test_concurrent_edits_merge_by_field_and_conflicts_resolve(central: Central, make_clients):
    """Scenarios 2 and 3 in one round trip (two records, one village, the same devices):
    record A gets edits of different fields from the clerk and the town, which merge;
    record B gets different values of the same three fields, which conflict on the
    device that syncs second and are resolved there with mine, theirs and a value."""
    org = village(202)
    clerk, town = make_clients((org, "clerk"), (TOWN, "town"))
    made = run_parallel(
        (clerk, ("record", "add", "disclosure", "--json", _json(disclosure(period="2031-02")))),
        (
            clerk,
            (
                "record",
                "add",
                "disclosure",
                "--json",
                _json(disclosure(period="2031-03", title="三月财务公开", content="原内容")),
            ),
        ),
    )
    merge_id, conflict_id = (proc.stdout.strip() for proc in made)
    assert clerk.sync()["pushed"] == 2
    assert town.sync()["pulled"] >= 2

    village_b = {"title": "三月财务公开（村）", "content": "村里改的内容", "responsible": "李四"}
    town_b = {"title": "三月财务公开（镇）", "content": "镇里改的内容", "responsible": "王五"}
    run_parallel(
        (
            clerk,
            _edit(merge_id, {"content": "村民代表会议审议通过的收支明细", "channels": "board,led"}),
        ),
        (town, _edit(merge_id, {"title": "二月财务公开（镇审核）", "reviewer": "李审核"})),
        (clerk, _edit(conflict_id, village_b)),
        (town, _edit(conflict_id, town_b)),
    )
    first = clerk.sync()
    assert (first["pushed"], first["conflicts"]) == (2, 0)
    second = town.sync()
    assert (second["pushed"], second["conflicts"]) == (2, 3), second

    # Scenario 3: the conflicts as the town sees them.
    conflicts = {c["field"]: c for c in town.conflicts()}
    assert {
        name: (c["type"], c["record_id"], c["base"], c["mine"], c["theirs"])
        for name, c in conflicts.items()
    } == {
        "title": ("field", conflict_id, "三月财务公开", "三月财务公开（镇）", "三月财务公开（村）"),
        "content": ("field", conflict_id, "原内容", "镇里改的内容", "村里改的内容"),
        "responsible": ("field", conflict_id, "张三", "王五", "李四"),
    }
    run_parallel(
        (town, ("conflicts", "resolve", str(conflicts["title"]["id"]), "--take", "mine")),
        (town, ("conflicts", "resolve", str(conflicts["content"]["id"]), "--take", "theirs")),
        (town, ("conflicts", "resolve", str(conflicts["responsible"]["id"]), "--value", '"赵六"')),
    )
    assert town.open_conflicts() == 0
    assert town.sync()["conflicts"] == 0
    clerk.sync()

    on_central = {r["id"]: r for r in assert_converged(central, [clerk, town], org_code=org)}
    merged = {
        "content": "村民代表会议审议通过的收支明细",
        "channels": ["board", "led"],
        "title": "二月财务公开（镇审核）",
        "reviewer": "李审核",
        "responsible": "张三",
        "version": 3,
    }
    assert _pick(on_central[merge_id], merged) == merged, "scenario 2: both edits, everywhere"
    chosen = {"title": "三月财务公开（镇）", "content": "村里改的内容", "responsible": "赵六"}
    assert _pick(on_central[conflict_id], chosen) == chosen, "scenario 3: the chosen values"
    assert _leftovers(clerk, town) == {}


def test_duplicate_natural_key_theirs_and_mine_leave_one_record(central: Central, make_clients):
    """Scenario 4: the clerk and the town both create the same village's disclosure of
    the same catalogue item and period. The town syncs second and gets a duplicate
    conflict; "theirs" (key 1) keeps the clerk's record, "mine" (key 2) keeps one record
    too, the clerk's id with the town's content. Either way: one record everywhere."""
    org = village(204)
    clerk, town = make_clients((org, "clerk"), (TOWN, "town"))
    key1 = {"catalog_code": "FIN-02", "period": "2031-04"}
    key2 = {"catalog_code": "FIN-03", "period": "2031-04"}
    made = run_parallel(
        *(
            (device, ("record", "add", "disclosure", "--json", _json(values)))
            for device, values in (
                (clerk, disclosure(**key1, title="四月收入公开（村）")),
                (clerk, disclosure(**key2, title="四月支出公开（村）")),
                (town, disclosure(org, **key1, title="四月收入公开（镇）")),
                (town, disclosure(org, **key2, title="四月支出公开（镇）", reviewer="镇审核")),
            )
        )
    )
    clerk_1, clerk_2, town_1, town_2 = (proc.stdout.strip() for proc in made)

    assert clerk.sync()["conflicts"] == 0
    second = town.sync()
    assert second["conflicts"] == 2, second
    conflicts = {c["record_id"]: c for c in town.conflicts()}
    assert {rid: (c["type"], c["theirs"]) for rid, c in conflicts.items()} == {
        town_1: ("duplicate", clerk_1),
        town_2: ("duplicate", clerk_2),
    }
    run_parallel(
        (town, ("conflicts", "resolve", str(conflicts[town_1]["id"]), "--take", "theirs")),
        (town, ("conflicts", "resolve", str(conflicts[town_2]["id"]), "--take", "mine")),
    )
    after = town.sync()  # "theirs" sends nothing; "mine" sends the town's fields
    assert (after["pushed"], after["conflicts"], after["rejected"]) == (1, 0, 0)
    clerk.sync()

    def holders(key: dict[str, str]) -> list[tuple[str, int]]:
        return central.query(
            "SELECT id, deleted FROM disclosure WHERE org_code = ? AND catalog_code = ? "
            "AND period = ?",
            (org, key["catalog_code"], key["period"]),
        )

    assert (holders(key1), holders(key2)) == ([(clerk_1, 0)], [(clerk_2, 0)])
    never = central.query(
        "SELECT count(*) FROM record_version WHERE record_id IN (?, ?)", (town_1, town_2)
    )
    assert never == [(0,)], "the town's duplicates must never have reached central"
    assert _leftovers(clerk, town) == {}

    # "theirs": the clerk's record as it was, on every device.
    listed: dict[Path, str] = {}
    [kept] = assert_converged(central, [clerk, town], org_code=org, ids=[clerk_1], listed=listed)
    assert (kept["title"], kept["version"]) == ("四月收入公开（村）", 1)
    # "mine": the clerk's record with the town's content, on every device.
    [kept] = assert_converged(central, [clerk, town], org_code=org, ids=[clerk_2], listed=listed)
    assert (kept["title"], kept["reviewer"], kept["version"]) == (
        "四月支出公开（镇）",
        "镇审核",
        2,
    )


def test_recorded_at_matches_central_after_edit(central: Central, make_client):
    """After sync, the editing device and central agree on when the record was last
    changed (``recorded_at``, the device clock that people are shown)."""
    org = village(208)
    clerk = make_client(org, "clerk")
    record_id = clerk.add("disclosure", disclosure(period="2031-08"))
    clerk.edit(record_id, {"title": "八月财务公开（更正）"})
    assert clerk.sync()["pushed"] == 2
    [on_central] = central.records("disclosure", org)
    [on_device] = clerk.records(org_code=org)
    assert on_device["version"] == on_central["version"] == 2
    assert on_device["title"] == on_central["title"] == "八月财务公开（更正）"
    assert on_device["recorded_at"] == on_central["recorded_at"], (
        "the device shows another last-change time than central stores "
        f"(device {on_device['recorded_at']}, central {on_central['recorded_at']})"
    )


def test_entries_made_before_enrollment_sync_and_do_not_block(central: Central, make_client):
    """Scenario 1, the "not yet reachable" case of a new device: a clerk types entries
    before the device is enrolled. After enrollment they must sync like any other; an
    entry for a unit outside the device's scope (nothing could check it before
    enrollment) must not be lost, and must not block the device's other entries."""
    org = village(209)
    clerk = make_client(org, "clerk", enroll=False)
    record_id = clerk.add("disclosure", disclosure(org, period="2031-05", title="登记前录入"))
    stray = clerk.run(
        "record", "add", "disclosure", "--json",
        _json(disclosure(village(210), period="2031-05", title="别村的")),
        check=False,
    )  # fmt: skip
    assert stray.returncode in (0, 2), stray.stderr
    stray_id = stray.stdout.strip() if stray.returncode == 0 else None
    enroll_all(central, [clerk])

    codes = []
    for _ in range(2):
        proc = clerk.run("sync", "--json", check=False)
        codes.append((proc.returncode, proc.stderr.strip()[-200:]))
        if proc.returncode == 0:
            break
    assert codes[-1][0] == 0, f"the device cannot sync any more: {codes}"
    on_central = {r["id"] for r in central.records("disclosure", org)}
    assert record_id in on_central, "the in-scope entry never reached central"
    if stray_id is not None:
        [held] = [q for q in clerk.queue() if q["record_id"] == stray_id]
        assert held["last_error"], "the refused entry should say why it is held back"

    assert_converged(central, [clerk], org_code=org)
