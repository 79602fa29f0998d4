"""Kill either side in the middle of a sync round; the next rounds converge with nothing
lost and nothing doubled.

2,500 records are written through the real local store (one transaction each) by one
Python process, because 2,500 CLI starts would take most of an hour; the sync itself is
the real ``sanwu sync`` subprocess against the real central process. Batches are 1,000
ops, so a round makes three pushes (1,000 + 1,000 + 500). The kill is aimed at the
middle of the round by watching central's database (read-only) for a committed batch;
whether it landed there is luck, so it is reported (run with -s), never asserted.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import time
from collections import Counter

import pytest

from tests.e2e.conftest import Central, Client, bulk_add, village, wait_until

COUNT = 2500
KIND = "subsidy_project"
MAX_ROUNDS = 5


def _applied_ops(central: Central, device_id: str) -> int:
    return central.query("SELECT count(*) FROM op_result WHERE device_id = ?", (device_id,))[0][0]


def _sync_until_clean(client: Client) -> list[int]:
    """Sync until a round exits 0 (bounded); returns every round's exit code."""
    codes = []
    for _ in range(MAX_ROUNDS):
        proc = client.run("sync", "--json", check=False, timeout=120)
        codes.append(proc.returncode)
        if proc.returncode == 0:
            return codes
        assert proc.returncode == 3, (proc.returncode, proc.stderr)
    pytest.fail(f"no clean sync round in {MAX_ROUNDS} tries: exit codes {codes}")


def _assert_exactly_once(central: Central, client: Client, org: str) -> None:
    """Every local record is on central once, with one version (1) made by one op."""
    if central.database == "sqlite":  # PostgreSQL has no such check; its WAL replays
        assert central.query("PRAGMA integrity_check") == [("ok",)]
    assert _local_rows(client, "PRAGMA integrity_check", ()) == [("ok",)]
    local_ids = {
        row[0] for row in _local_rows(client, f"SELECT id FROM {KIND} WHERE org_code = ?", (org,))
    }
    assert len(local_ids) == COUNT
    rows = central.query(f"SELECT id, version, deleted FROM {KIND} WHERE org_code = ?", (org,))
    assert len(rows) == COUNT, f"central holds {len(rows)} records, the device {COUNT}"
    assert {r[0] for r in rows} == local_ids, "central's records are not the device's"
    assert {(r[1], r[2]) for r in rows} == {(1, 0)}, "every record should be at version 1"
    versions = central.query(
        "SELECT record_id, version, op_id FROM record_version WHERE kind = ? AND org_code = ?",
        (KIND, org),
    )
    per_record = Counter(v[0] for v in versions)
    doubled = {rid: n for rid, n in per_record.items() if n != 1}
    assert not doubled, f"{len(doubled)} records have more than one version on central"
    assert len(versions) == COUNT
    assert {v[1] for v in versions} == {1}
    assert len({v[2] for v in versions}) == COUNT, "each create op applied exactly once"
    assert _applied_ops(central, client.device_id) == COUNT
    assert client.pending() == 0, "the outbox should be empty"
    local_versions = _local_rows(
        client, f"SELECT version, count(*) FROM {KIND} WHERE org_code = ? GROUP BY version", (org,)
    )
    assert local_versions == [(1, COUNT)], "the device should know every record's version"


def _local_rows(client: Client, sql: str, params: tuple[str, ...]) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{client.home / 'sanwu.db'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _report(message: str) -> None:
    sys.stderr.write(f"\n[e2e] {message}\n")


def test_central_killed_mid_push_converges_exactly_once(central: Central, make_client):
    org = village(205)
    clerk = make_client(org, "clerk")
    bulk_add(clerk, org, COUNT, "s5")
    assert clerk.pending() == COUNT

    sync = clerk.popen("sync", "--json")
    try:
        started = wait_until(
            lambda: _applied_ops(central, clerk.device_id) > 0 or sync.poll() is not None,
            timeout=60,
        )
        assert started, "the first batch never reached central"
        time.sleep(0.05)  # into the next batch
        applied_at_kill = _applied_ops(central, clerk.device_id)
        central.kill()
        out, err = sync.communicate(timeout=60)
    finally:
        if sync.poll() is None:
            sync.kill()
            sync.communicate(timeout=10)
    _report(
        f"central killed with {applied_at_kill}/{COUNT} ops committed; "
        f"sync exit {sync.returncode}; outbox then {clerk.pending()}"
    )
    assert sync.returncode in (0, 3), (sync.returncode, out, err)
    if sync.returncode == 3:
        assert "离线：" in err

    central.start()
    _sync_until_clean(clerk)
    _assert_exactly_once(central, clerk, org)


def test_client_killed_between_push_and_ack_converges_exactly_once(central: Central, make_client):
    org = village(206)
    clerk = make_client(org, "clerk")
    bulk_add(clerk, org, COUNT, "s6")

    landed = []
    # Kill the client as soon as central has committed a batch it has not yet heard
    # back about (first after batch 1, then after the batch after that).
    for target in (1, 1001):
        before = clerk.pending()
        sync = clerk.popen("sync", "--json")
        try:
            wait_until(
                lambda t=target, p=sync: (
                    _applied_ops(central, clerk.device_id) >= t or p.poll() is not None
                ),
                timeout=60,
                interval=0.002,
            )
            if sync.poll() is None:
                sync.send_signal(signal.SIGKILL)
            sync.communicate(timeout=30)
        finally:
            if sync.poll() is None:
                sync.kill()
                sync.communicate(timeout=10)
        on_central = _applied_ops(central, clerk.device_id)
        after = clerk.pending()
        # Ops central applied but the device still holds: the ack was lost.
        lost_acks = on_central - (COUNT - after)
        landed.append(lost_acks)
        _report(
            f"client killed (signal {-sync.returncode if sync.returncode < 0 else 'none'}): "
            f"outbox {before} -> {after}, central applied {on_central}, "
            f"acks lost {lost_acks}"
        )
        assert sync.returncode in (-signal.SIGKILL, 0), sync.returncode
        assert after <= before

    _sync_until_clean(clerk)
    _assert_exactly_once(central, clerk, org)


def test_a_line_that_drops_mid_request_is_routine_for_central(central: Central) -> None:
    """A village line cut while a photo chunk is on its way: central answers nothing,
    applies nothing, and logs it as a refusal, not as a crash with a traceback."""
    import socket

    before = len(central.log)
    body = b"\x00" * 1000
    with socket.create_connection(("127.0.0.1", central.port), timeout=10) as conn:
        conn.sendall(
            b"POST /v1/attachments/" + b"a" * 64 + b"?offset=0&size=100000 HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: 100000\r\n\r\n" + body
        )
    time.sleep(1.0)  # central notices the closed connection at once; give its log a moment
    tail = "\n".join(central.log[before:])
    assert "Traceback" not in tail and "Exception in ASGI" not in tail, tail
