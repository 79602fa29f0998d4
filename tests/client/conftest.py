from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from client.identity import Identity
from client.store import Store
from sync.signing import new_private_key
from tests.stores import open_store

VILLAGE = "150202101200"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "home") as opened:
        yield opened


@pytest.fixture
def enrolled(store: Store) -> Store:
    store.save_identity(
        Identity(
            device_id="dev-1",
            private_key=new_private_key(),
            server_url="http://127.0.0.1:9",
            org_code=VILLAGE,
            org_name="黑麻板村",
            role="clerk",
            scope=VILLAGE,
        )
    )
    return store


def disclosure(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "catalog_code": "FIN-01",
        "period": "2026-10",
        "title": "十月财务收支公开",
        "content": "本月收入合计1200元。",
        "channels": ["board", "wechat"],
        "disclosed_on": "2026-11-05",
        "responsible": "张三",
    }
    values.update(overrides)
    return values


def audited_changes(store: Store) -> int:
    """Changes the audit log accounts for: entries about one record, plus each new record
    of an import (a batch's new records share one entry, mapped in ``audit_import``)."""
    with store.engine.connect() as conn:
        own = conn.exec_driver_sql("SELECT count(*) FROM audit WHERE record_id != ''")
        imported = conn.exec_driver_sql("SELECT count(*) FROM audit_import").scalar_one()
        return int(own.scalar_one()) + int(imported)
