"""Sync by file: a clerk with no link carries bundles on a USB stick.

Central runs only for enrollment and for the town's online changes; the clerk's
ops reach it, and its answer comes back, through files alone (``sanwu sync
--export``, ``sanwu central import-bundle``, ``sanwu sync --import-reply``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sync.bundle import ReplyBundle, derive_signing_key, read_bundle, write_reply_bundle
from tests.e2e.conftest import (
    PY,
    TOWN,
    Central,
    Client,
    assert_converged,
    disclosure,
    run_cmd,
    village,
)

COUNTED = ("disclosure", "record_version", "op_result", "device_audit", "audit_finding")


def _counts(central: Central) -> dict[str, int]:
    return {name: central.query(f"SELECT count(*) FROM {name}")[0][0] for name in COUNTED}


def _import(central: Central, bundle: Path, reply: Path, *, check: bool = True) -> Any:
    return run_cmd(
        [
            *(PY, "-m", "sanwu", "central", "import-bundle", str(bundle)),
            *("--reply", str(reply), "--db", central.db_url),
        ],
        check=check,
        env=central.key_env,
    )


def _versions(clerk: Client, ids: list[str]) -> dict[str, int]:
    return {r["id"]: r["version"] for r in clerk.records() if r["id"] in ids}


def test_a_clerk_without_link_syncs_by_file(
    central: Central, make_clients: Any, tmp_path: Path
) -> None:
    org = village(203)
    clerk, town = make_clients((org, "clerk"), (TOWN, "town"))
    mine = [
        clerk.add("disclosure", disclosure(period="2032-01", title="一月财务公开")),
        clerk.add("disclosure", disclosure(period="2032-02", title="二月财务公开")),
    ]
    # Another device's change, made on central while the clerk has no link.
    theirs = town.add("disclosure", disclosure(org_code=org, period="2032-03", title="三月公开"))
    town.sync()

    bundle, reply, again = tmp_path / "out.bundle", tmp_path / "reply.bundle", tmp_path / "r2"
    exported = clerk.json("sync", "--export", str(bundle), "--json")
    assert exported["ops"] == 2
    assert clerk.pending() == 2, "exporting marks nothing as sent"

    before = _counts(central)
    first = _import(central, bundle, reply)
    assert "applied 2" in first.stdout, first.stdout
    after = _counts(central)
    assert after["record_version"] == before["record_version"] + 2
    assert after["disclosure"] == before["disclosure"] + 2
    # The same bundle again: stored answers, nothing new applied.
    _import(central, bundle, again)
    assert _counts(central) == after

    got = clerk.json("sync", "--import-reply", str(reply), "--json")
    assert (got["answered"], got["conflicts"], got["rejected"]) == (2, 0, 0)
    assert got["pulled"] >= 1
    assert clerk.pending() == 0
    assert _versions(clerk, [*mine, theirs]) == {mine[0]: 1, mine[1]: 1, theirs: 1}
    assert_converged(central, [clerk], org_code=org)
    listed = clerk.records()
    # The second reply (same answers) and the first one again change nothing.
    for path in (again, reply):
        same = clerk.json("sync", "--import-reply", str(path), "--json")
        assert (same["answered"], same["pulled"]) == (0, 0)
    assert clerk.records() == listed

    # A tampered bundle: one byte of the payload flipped. Refused, nothing applied.
    later = clerk.add("disclosure", disclosure(period="2032-04", title="四月财务公开"))
    clerk.run("sync", "--export", str(bundle))
    data = bytearray(bundle.read_bytes())
    data[-20] ^= 0x01
    bundle.write_bytes(bytes(data))
    counts = _counts(central)
    refused = _import(central, bundle, tmp_path / "never", check=False)
    assert refused.returncode == 4, (refused.returncode, refused.stdout, refused.stderr)
    assert "签名验证不通过" in refused.stderr
    assert not (tmp_path / "never").exists()
    assert _counts(central) == counts
    assert central.query("SELECT count(*) FROM disclosure WHERE id = ?", (later,)) == [(0,)]

    # A reply signed by another key than central's: refused, nothing applied.
    forged = ReplyBundle(
        device_id=clerk.device_id,
        created_at="2032-05-01T00:00:00Z",
        results=[],
        cursor=10**9,
    )
    fake = tmp_path / "forged.bundle"
    fake.write_bytes(write_reply_bundle(derive_signing_key(b"not central's secret"), forged))
    header, *_ = read_bundle(fake.read_bytes())
    assert header.device_id == clerk.device_id
    cursor_before = clerk.db_count("SELECT value FROM setting WHERE key = 'cursor'")
    bad = clerk.run("sync", "--import-reply", str(fake), check=False)
    assert bad.returncode == 4, (bad.returncode, bad.stdout, bad.stderr)
    assert "签名验证不通过" in bad.stderr
    assert clerk.db_count("SELECT value FROM setting WHERE key = 'cursor'") == cursor_before
    assert clerk.pending() == 1
    assert json.loads(clerk.run("queue", "list", "--json").stdout)[0]["record_id"] == later


def test_files_travel_by_bundle_both_ways(
    central: Central, make_clients: Any, tmp_path: Path
) -> None:
    """A village with no link sends its photo on the stick and gets back, on the same
    stick, a scan town staff attached; a file that does not match its digest, or that no
    record names, is not kept."""
    import hashlib
    import random

    org = village(209)
    clerk, town = make_clients((org, "clerk"), (TOWN, "town"))
    photo, scan, stray = tmp_path / "board.jpg", tmp_path / "scan.pdf", tmp_path / "stray.bin"
    photo.write_bytes(random.Random(5).randbytes(200_000))
    scan.write_bytes(random.Random(6).randbytes(150_000))
    stray.write_bytes(b"attached, then the form was left")
    photo_digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    scan_digest = hashlib.sha256(scan.read_bytes()).hexdigest()

    values = json.dumps(disclosure(period="2035-01"), ensure_ascii=False)
    clerk.run("record", "add", "disclosure", "--json", values, "--attach", str(photo))
    clerk.run("attachments", "add", str(stray))
    town_values = disclosure(org_code=org, period="2035-02", title="镇里的扫描件")
    town_id = town.run(
        "record",
        "add",
        "disclosure",
        "--json",
        json.dumps(town_values, ensure_ascii=False),
        "--attach",
        str(scan),
    ).stdout.strip()
    assert town.sync()["files_sent"] == 1

    # First trip: the records come back, not the scan (nobody asked for it yet).
    bundle, reply = tmp_path / "1.bundle", tmp_path / "1.reply"
    exported = clerk.json("sync", "--export", str(bundle), "--json")
    assert (exported["files"], exported["wanted"]) == (1, 0), "the stray file stays home"
    out = _import(central, bundle, reply).stdout
    assert "保存文件 1 个" in out, out
    stored = central.query(
        "SELECT size, complete FROM attachment WHERE digest = ?", (photo_digest,)
    )
    assert stored == [(200_000, 1)]
    got = clerk.json("sync", "--import-reply", str(reply), "--json")
    assert (got["files_stored"], got["files_received"]) == (1, 0)
    (photo_row,) = [
        f for f in clerk.json("attachments", "list", "--json") if f["digest"] == photo_digest
    ]
    assert photo_row["state"] == "synced"

    # Second trip: the clerk asks for the town's scan.
    clerk.run("attachments", "fetch", "--record", town_id)
    bundle, reply = tmp_path / "2.bundle", tmp_path / "2.reply"
    exported = clerk.json("sync", "--export", str(bundle), "--json")
    assert (exported["files"], exported["wanted"]) == (0, 1), (
        "a file central holds is not sent again"
    )
    _import(central, bundle, reply)
    got = clerk.json("sync", "--import-reply", str(reply), "--json")
    assert got["files_received"] == 1
    opened = clerk.run("attachments", "open", scan_digest, "--out", str(tmp_path / "o")).stdout
    assert Path(opened.strip()).read_bytes() == scan.read_bytes()
    assert central.query(
        "SELECT count(*) FROM attachment WHERE digest = ?",
        (hashlib.sha256(stray.read_bytes()).hexdigest(),),
    ) == [(0,)]


ID_NUMBER = "11010519491231002X"
ACCOUNT = "6217000012345678"
THEIR_ID = "110105195001010012"


def _payment(client: Client, org: str, id_number: str, name: str) -> str:
    project = client.add(
        "subsidy_project", {"org_code": org, "category": "agriculture", "name": "耕地地力保护"}
    )
    return client.add(
        "subsidy_payment",
        {
            "org_code": org,
            "project_id": project,
            "recipient_name": name,
            "id_number": id_number,
            "amount_fen": 120000,
            "method": "one_card",
            "account": ACCOUNT,
        },
    )


def _inside(path: Path) -> bytes:
    """The bundle as it lies on the stick, decompressed (what a finder of the stick reads)."""
    from sync.compression import decompress

    header, *_, payload = read_bundle(path.read_bytes())
    return decompress(payload, header.encoding, limit=1 << 30)


def _revealed(client: Client, record_id: str) -> dict[str, Any]:
    rows = client.json("record", "list", "subsidy_payment", "--json", "--reveal")
    [row] = [r for r in rows if r["id"] == record_id]
    return dict(row)


def test_personal_values_cross_on_the_stick_sealed(
    central: Central, make_clients: Any, tmp_path: Path
) -> None:
    """A payment's ID number and account are on the stick only sealed, both ways; central
    applies them as an online push would (the town reads them back whole), and the clerk
    opens the town's in the reply. A bundle from another central's enrollment is refused."""
    org = village(211)
    clerk, town = make_clients((org, "clerk"), (TOWN, "town"))
    mine = _payment(clerk, org, ID_NUMBER, "张三")
    theirs = _payment(town, org, THEIR_ID, "李四")
    town.sync()

    bundle, reply = tmp_path / "out.bundle", tmp_path / "reply.bundle"
    clerk.run("sync", "--export", str(bundle))
    inside = _inside(bundle)
    assert "张三".encode() in inside
    for clear in (ID_NUMBER, ACCOUNT):
        assert clear.encode() not in inside, clear
    assert "applied 2" in _import(central, bundle, reply).stdout
    for clear in (ID_NUMBER, ACCOUNT, THEIR_ID):
        assert clear.encode() not in _inside(reply), clear

    town.sync()
    assert (_revealed(town, mine)["id_number"], _revealed(town, mine)["account"]) == (
        ID_NUMBER,
        ACCOUNT,
    )
    got = clerk.json("sync", "--import-reply", str(reply), "--json")
    assert (got["answered"], got["rejected"]) == (2, 0) and got["pulled"] >= 2
    assert _revealed(clerk, theirs)["id_number"] == THEIR_ID

    # A central of its own (another database, other keys): the same device's bundle is
    # not for it. Its key for the device is copied over, so only the sealing differs.
    other = Central(tmp_path / "other")
    other.init()
    [device_row] = central.query(
        "SELECT id, public_key, org_code, role, scope, encryption_key FROM device WHERE id = ?",
        (clerk.device_id,),
    )
    _copy_device(other, device_row)
    clerk.edit(mine, {"account": "6217000099998888"})
    clerk.run("sync", "--export", str(bundle))
    refused = _import(other, bundle, tmp_path / "never", check=False)
    assert refused.returncode == 4, (refused.returncode, refused.stdout, refused.stderr)
    assert "another recipient" in refused.stderr and "nothing applied" in refused.stderr
    assert "6217000099998888" not in refused.stderr
    assert not (tmp_path / "never").exists()


def _copy_device(central: Central, row: tuple[Any, ...]) -> None:
    import sqlite3

    conn = sqlite3.connect(central.db_path)
    try:
        conn.execute(
            "INSERT INTO device (id, public_key, org_code, role, scope, encryption_key, name,"
            " enrolled_at) VALUES (?, ?, ?, ?, ?, ?, 'copied', '2026-01-01 00:00:00.000000')",
            tuple(row),
        )
        conn.commit()
    finally:
        conn.close()
