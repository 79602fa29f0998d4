"""The local schema: Alembic makes it, upgrades old files in place, and matches the models."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from client.migrate import current_revision, upgrade
from client.store import DB_NAME, open_engine
from client.tables import LOCAL_TABLES, UNKEPT_MODEL_INDEXES
from models.kinds import KINDS
from tests.stores import open_store


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    from client.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_new_database_is_at_head(tmp_path: Path) -> None:
    from client.migrate import HEAD_REVISION

    assert _head() == HEAD_REVISION, "client.migrate.HEAD_REVISION must name the newest revision"
    with open_store(tmp_path) as store:
        assert current_revision(store.engine) == _head()


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    with open_store(tmp_path) as store, store.engine.connect() as conn:
        wanted = set(LOCAL_TABLES) | set(KINDS)
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, _reflected, _other: (
                    name in wanted
                    if type_ == "table"
                    # Expression indexes (ix_local_expr_*) are beyond alembic's comparison.
                    else obj.table.name in wanted
                    and not str(name).startswith(("uq_natural_", "ix_local_expr_"))
                    and name not in UNKEPT_MODEL_INDEXES
                    if type_ == "index"
                    else True
                ),
            },
        )
        with warnings.catch_warnings():  # SQLAlchemy cannot reflect expression indexes
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            assert compare_metadata(context, SQLModel.metadata) == []


def test_an_older_database_is_upgraded_in_place_with_its_data(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / DB_NAME)
    upgrade(engine, "l0001")
    assert current_revision(engine) == "l0001"
    engine.dispose()
    with sqlite3.connect(tmp_path / DB_NAME) as raw:
        raw.execute(
            "INSERT INTO disclosure (id, org_code, version, deleted, updated_by, recorded_at, seq,"
            " catalog_code, period, title, content, channels, responsible, reviewer,"
            " review_opinion, status, attachments)"
            " VALUES ('old-1', '150202101200', 3, 0, 'dev', '2025-01-02 03:04:05.000000+00:00',"
            " 9, 'FIN-01', '2025-01', '旧的记录', '', '[]', '', '', '', 'published', '[]')"
        )
        raw.execute("INSERT INTO setting (key, value) VALUES ('cursor', '9')")
    with open_store(tmp_path) as store:
        assert current_revision(store.engine) == _head()
        assert store.cursor() == 9
        kind, record = store.get("old-1")
        assert (kind, record["title"], record["version"]) == ("disclosure", "旧的记录", 3)
        assert store.rounds() == []  # the table the second revision added


def test_the_list_order_is_read_from_its_index(tmp_path: Path) -> None:
    """The disclosure list's ORDER BY must stay the expression migration l0007 indexed."""
    from sqlalchemy.dialects import sqlite

    from client.queries import _PERIOD_END, DisclosureFilter, _disclosure, _where

    with open_store(tmp_path) as store, store.engine.connect() as conn:
        query = (
            sa.select(_disclosure.c.id)
            .where(*_where(DisclosureFilter(), None))
            .order_by(_PERIOD_END)
            .limit(50)
        )
        sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).fetchall()
    assert any("USING INDEX ix_local_expr_period_end" in str(row) for row in plan), plan


def test_the_indexes_no_local_query_uses_are_not_kept(tmp_path: Path) -> None:
    """Migration l0010 drops them; the look-ups they served still find an index."""
    with open_store(tmp_path) as store, store.engine.connect() as conn:
        indexes = {
            name
            for (name,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
            )
        }
        assert {
            *(f"ix_{name}_seq" for name in KINDS),
            *(
                f"ix_{name}_org_code"
                for name in ("disclosure", "reminder", "catalog_item", "duty_adjustment")
            ),
        } == UNKEPT_MODEL_INDEXES
        assert not indexes & UNKEPT_MODEL_INDEXES
        assert {"ix_subsidy_payment_org_code", "ix_local_natural_disclosure"} <= indexes
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM disclosure WHERE org_code = ?", ("x",)
            )
        )
        assert "ix_local_natural_disclosure" in plan
