"""A central and two homes made by the code from before the structure change (commit
0209bed, tests/data/pre_structure/make.py) open and sync with today's code: central's
``init`` migrates the database and seals its personal values at rest, each home
migrates when it opens, the clerk's edit left unsent goes up, and edits travel both
ways. The promise of issue 11: no behaviour change, both schemas stay compatible."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import zstandard

import central.cli
from central.sealing import is_sealed
from central.server import run_in_thread
from central.settings import CentralSettings
from client.store import Store
from client.syncing import sync_round

DATA = Path(__file__).resolve().parent.parent / "data" / "pre_structure"
PASSPHRASE = "old passphrase 123"
"""The homes' passphrase when they were made (make.py)."""
ID_NUMBER = "11010519491231002X"


def _unpack(name: str, to: Path) -> Path:
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_bytes(zstandard.decompress((DATA / f"{name}.zst").read_bytes()))
    return to


def _served_by(home: Path, url: str) -> None:
    """The test's central listens elsewhere than the one the homes enrolled with."""
    with sqlite3.connect(home / "sanwu.db") as conn:
        conn.execute("UPDATE setting SET value = ? WHERE key = 'server_url'", (url,))


def test_a_central_and_homes_made_before_the_change_open_and_sync(tmp_path: Path) -> None:
    db = _unpack("central.db", tmp_path / "central.db")
    village_home = _unpack("village.db", tmp_path / "village" / "sanwu.db").parent
    town_home = _unpack("town.db", tmp_path / "town" / "sanwu.db").parent
    url_db = f"sqlite:///{db}"
    assert central.cli.main(["init", "--db", url_db]) == 0
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT id_number FROM subsidy_payment").fetchone()
    assert is_sealed(stored) and ID_NUMBER not in stored

    url, stop = run_in_thread(CentralSettings(db_url=url_db))
    try:
        for home in (village_home, town_home):
            _served_by(home, url)
        village = Store(village_home, passphrase=PASSPHRASE)
        town = Store(town_home, passphrase=PASSPHRASE)
        try:
            assert [op.action for op in village.queue()] == ["update"]
            assert sync_round(village).rejected == 0
            assert village.queue() == []
            sync_round(town)
            (payment,) = town.list_records("subsidy_payment")
            assert payment["amount_fen"] == 60000
            assert payment["recipient_name"] == "王小二"
            town.edit(payment["id"], {"method": "one_card"})
            assert sync_round(town).rejected == 0
            sync_round(village)
            (mine,) = village.list_records("subsidy_payment")
            assert (mine["method"], mine["amount_fen"], mine["id_number"]) == (
                "one_card",
                60000,
                ID_NUMBER,
            )
            (disclosure,) = town.list_records("disclosure")
            assert disclosure["title"] == "十月财务收支公开"
        finally:
            village.close()
            town.close()
    finally:
        stop()
