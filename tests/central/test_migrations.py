"""Alembic owns the schema: upgrade in place keeps data, and the result matches the models."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from central.db import make_engine
from central.migrate import current_revision, head_revision, include_object, upgrade


def test_upgrade_from_0001_keeps_the_data(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, revision="0001")
    assert current_revision(url) == "0001"
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("device")}
            assert "last_seen_at" not in columns
            conn.execute(
                sa.text(
                    "INSERT INTO device (id, public_key, org_code, role, scope, name, enrolled_at)"
                    " VALUES ('d1', 'k', '150202101200', 'clerk', '150202101200', 'old pc',"
                    " '2026-01-01 00:00:00.000000')"
                )
            )
            conn.execute(sa.text("UPDATE counter SET seq = 41"))
        upgrade(url)
        upgrade(url)  # idempotent
        assert current_revision(url) == head_revision() == "0008"
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT name, last_seen_at FROM device")).one()
            assert tuple(row) == ("old pc", None)
            assert conn.execute(sa.text("SELECT seq FROM counter")).scalar_one() == 41
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("record_version")}
            assert "ix_record_version_kind_record_id" in indexes
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": True}
            )
            assert compare_metadata(context, SQLModel.metadata) == []
            unique = {i["name"] for i in sa.inspect(conn).get_indexes("disclosure") if i["unique"]}
            assert "uq_natural_disclosure" in unique
    finally:
        engine.dispose()
