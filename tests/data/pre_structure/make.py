"""Makes this folder's databases with the code from before the structure change
(commit 0209bed), for tests/e2e/test_pre_structure_data.py:

    git -C REPO archive 0209bed | tar -x -C OLD
    PYTHONPATH=OLD python tests/data/pre_structure/make.py OUT

A central (SQLite, made before central sealed values at rest), a village clerk's home
and the town's, both enrolled; the clerk's project, payment (personal fields sealed by
the home) and disclosure synced, then one edit of the payment left unsent. Each
database is written VACUUMed and zstd-compressed. Kept with its maker so it can be
made again; not run by the tests."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import zstandard

from central.admin import init_db, new_enroll_code
from central.server import run_in_thread
from central.settings import CentralSettings
from client.store import Store
from client.syncing import enroll, sync_round

PASSPHRASE = "old passphrase 123"
VILLAGE = "150202101200"
TOWN = "150202101000"
ID_NUMBER = "11010519491231002X"


def main(out: Path) -> None:
    work = out / "work"
    work.mkdir(parents=True)
    db = work / "central.db"
    init_db(f"sqlite:///{db}")
    url, stop = run_in_thread(CentralSettings(db_url=f"sqlite:///{db}"))
    try:
        village = Store(work / "village", passphrase=PASSPHRASE)
        enroll(village, url, new_enroll_code(f"sqlite:///{db}", unit=VILLAGE, role="clerk"))
        project = village.add(
            "subsidy_project",
            {"org_code": VILLAGE, "category": "agriculture", "name": "耕地地力保护补贴"},
        )
        payment = village.add(
            "subsidy_payment",
            {
                "org_code": VILLAGE,
                "project_id": project,
                "recipient_name": "王小二",
                "id_number": ID_NUMBER,
                "amount_fen": 50000,
                "paid_on": "2026-04-01",
                "account": "6217000012345678",
            },
        )
        village.add(
            "disclosure",
            {
                "org_code": VILLAGE,
                "catalog_code": "FIN-01",
                "period": "2026-10",
                "title": "十月财务收支公开",
                "content": "旧版本写下的公开",
                "channels": ["board"],
                "disclosed_on": "2026-11-05",
                "responsible": "张三",
            },
        )
        sync_round(village)
        town = Store(work / "town", passphrase=PASSPHRASE)
        enroll(town, url, new_enroll_code(f"sqlite:///{db}", unit=TOWN, role="town"))
        sync_round(town)
        village.edit(payment, {"amount_fen": 60000})
        village.close()
        town.close()
    finally:
        stop()
    for path in (db, work / "village" / "sanwu.db", work / "town" / "sanwu.db"):
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn = sqlite3.connect(path)
        conn.execute("VACUUM")
        conn.close()
        name = "central.db" if path == db else f"{path.parent.name}.db"
        (out / f"{name}.zst").write_bytes(zstandard.compress(path.read_bytes(), 19))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
