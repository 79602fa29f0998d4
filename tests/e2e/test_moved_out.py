"""Town staff move a village's record to another village (issue 15, item 6), through the
real CLI against a real central process: the old village's device loses its copy on its
next pull, and the edit it made meanwhile shows as a conflict it resolves, instead of
being quarantined as out of scope."""

from __future__ import annotations

from tests.e2e.conftest import TOWN, Central, assert_converged, disclosure, village


def test_a_moved_record_leaves_the_old_village_and_its_edit_is_a_conflict(
    central: Central, make_clients
):
    old, new = village(211), village(219)
    clerk, town, other = make_clients((old, "clerk"), (TOWN, "town"), (new, "clerk"))
    record_id = clerk.add("disclosure", disclosure(period="2031-11", title="十一月财务公开"))
    assert clerk.sync()["pushed"] == 1
    assert town.sync()["pulled"] >= 1

    town.edit(record_id, {"org_code": new})  # the town moves it to the other village
    clerk.edit(record_id, {"title": "十一月财务公开（村改）"})  # meanwhile, offline
    assert town.sync()["pushed"] == 1

    # Its edit is refused as out of scope, then the pull says moved out: the round counts
    # one conflict for the clerk to decide, not a rejection.
    summary = clerk.sync()
    assert (summary["rejected"], summary["conflicts"]) == (0, 1)
    assert clerk.records(org_code=old) == []
    assert clerk.queue() == []
    [conflict] = clerk.conflicts()
    assert (conflict["type"], conflict["record_id"], conflict["mine"]) == (
        "moved",
        record_id,
        ["title"],
    )
    assert conflict["theirs"] is None  # the new unit is not named

    clerk.run("conflicts", "resolve", str(conflict["id"]), "--take", "mine")
    assert clerk.open_conflicts() == 0
    assert clerk.sync()["pushed"] == 1
    other.sync()
    town.sync()
    [copy] = assert_converged(central, [clerk, town], org_code=old)
    assert copy["id"] != record_id and copy["title"] == "十一月财务公开（村改）"
    [moved] = assert_converged(central, [other, town], org_code=new)
    assert (moved["id"], moved["title"]) == (record_id, "十一月财务公开")
