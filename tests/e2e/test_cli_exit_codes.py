"""The ``sanwu`` CLI's exit codes and messages, with a real central behind it.

0 success; 2 usage or validation error; 3 central unreachable (see the offline
scenario in test_sync_scenarios); 4 refused by central. Bad input must leave
nothing behind: no record, no outbox op.
"""

from __future__ import annotations

import json

from tests.e2e.conftest import PY, Central, disclosure, run_many, run_parallel, village

UNKNOWN_ID = "01a20000-0000-7000-8000-000000000000"


def test_bad_input_exits_2_and_writes_nothing_revoked_device_exits_4(
    central: Central, make_clients
):
    clerk, other = make_clients((village(200), "clerk"), (village(207), "clerk"))
    # The other clerk's first sync runs alongside: it must succeed before its revocation.
    added, first_sync = run_parallel(
        (
            clerk,
            ("record", "add", "disclosure", "--json", json.dumps(disclosure(period="2031-09"))),
        ),
        (other, ("sync", "--json")),
    )
    record_id = added.stdout.strip()

    cases = {
        "bad json": (
            clerk.cmd("record", "add", "disclosure", "--json", '{"title": '),
            "不是有效的 JSON",
        ),
        "unknown kind": (
            clerk.cmd("record", "add", "notice", "--json", "{}"),
            "未知的种类 'notice'",
        ),
        "unknown field (add)": (
            clerk.cmd(
                "record",
                "add",
                "disclosure",
                "--json",
                json.dumps(disclosure(period="2031-10", colour="red")),
            ),
            "colour",
        ),
        "unknown field (edit)": (
            clerk.cmd("record", "edit", record_id, "--json", '{"colour": "red"}'),
            "colour",
        ),
        "unknown id": (
            clerk.cmd("record", "edit", UNKNOWN_ID, "--json", '{"title": "x"}'),
            UNKNOWN_ID,
        ),
        "unknown conflict": (clerk.cmd("conflicts", "resolve", "4242", "--take", "mine"), "4242"),
        # Scenario 7: a clerk of village 200 may not write for village 201.
        "out of scope": (
            clerk.cmd(
                "record",
                "add",
                "disclosure",
                "--json",
                json.dumps(disclosure(village(201), period="2031-11")),
            ),
            "org_code",
        ),
    }
    # The revocation is made meanwhile (an operator's shell on central).
    revoke = [PY, "-m", "sanwu", "central", "revoke", other.device_id, "--db", central.db_url]
    *answers, revoked = run_many([*(cmd for cmd, _ in cases.values()), revoke])

    wrong = {}
    for (name, (_cmd, needle)), proc in zip(cases.items(), answers, strict=True):
        if proc.returncode != 2 or needle not in proc.stderr:
            wrong[name] = (proc.returncode, proc.stderr.strip()[-300:])
    assert not wrong, f"expected exit 2 with a message naming the problem: {wrong}"

    # Nothing of the refused input was written: one record, one op (the valid add).
    assert clerk.pending() == 1
    assert clerk.db_count("SELECT count(*) FROM disclosure") == 1
    assert (
        clerk.db_count(
            "SELECT count(*) FROM disclosure WHERE id = ? AND title = ?",
            (record_id, disclosure()["title"]),
        )
        == 1
    )

    # Refused by central: the device that synced a moment ago gets 4 once revoked.
    assert first_sync.returncode == 0, first_sync.stderr
    assert revoked.returncode == 0, revoked.stderr
    refused = other.run("sync", "--json", check=False)
    assert refused.returncode == 4, (refused.returncode, refused.stderr)
    assert "平台拒绝" in refused.stderr
