"""Alembic owns the schema: upgrade in place keeps data, and the result matches the models.

Each test runs on SQLite and on PostgreSQL (``empty_db_url``)."""

from __future__ import annotations

import importlib
import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from central.db import make_engine
from central.migrate import current_revision, head_revision, include_object, upgrade

BIG = 2**31 + 7
"""Past PostgreSQL's 32-bit INTEGER: a change number or an amount in fen (¥21.47 million)."""
HUGE = 2**62
WIDENED = importlib.import_module("central.migrations.versions.0005_bigint").COLUMNS
"""What revision 0005 made 64-bit: change numbers, versions, counter ids, sizes, money."""


def test_upgrade_from_0001_keeps_the_data(empty_db_url: str) -> None:
    url = empty_db_url
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
        assert current_revision(url) == head_revision() == "0011"
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT name, last_seen_at FROM device")).one()
            assert tuple(row) == ("old pc", None)
            assert conn.execute(sa.text("SELECT seq FROM counter")).scalar_one() == 41
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("record_version")}
            assert "ix_record_version_kind_record_id" in indexes
    finally:
        engine.dispose()


def _insert_0004_rows(conn: sa.Connection, seq: int, fen: int) -> None:
    """A project, a payment, their versions, a finding and an attachment, as 0004 held them."""
    conn.execute(sa.text("UPDATE counter SET seq = :seq"), {"seq": seq})
    conn.execute(
        sa.text(
            "INSERT INTO subsidy_project (id, org_code, version, deleted, updated_by,"
            " recorded_at, seq, category, name, policy_basis, fund_batch, total_fen, stage)"
            " VALUES ('p1', '150202101200', 3, false, 'd1', '2026-01-01 00:00:00+00', :seq,"
            " 'agriculture', '耕地地力保护补贴', '', '', :fen, 'planning')"
        ),
        {"seq": seq, "fen": fen},
    )
    conn.execute(
        sa.text(
            "INSERT INTO record_version (seq, kind, record_id, version, org_code, device_id,"
            " changes, at) VALUES (:seq, 'subsidy_project', 'p1', 3, '150202101200', 'd1',"
            " '{}', '2026-01-01 00:00:00+00')"
        ),
        {"seq": seq},
    )
    conn.execute(
        sa.text(
            "INSERT INTO audit_finding (device_id, org_code, at, kind, detail)"
            " VALUES ('d1', '150202101200', '2026-01-01 00:00:00+00', 'gap', 'old')"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO attachment (digest, size, received, complete, created_at,"
            " first_device_id) VALUES ('ab', 10, 10, true, '2026-01-01 00:00:00+00', 'd1')"
        )
    )


def test_upgrade_from_0004_widens_to_64_bits_and_keeps_the_data(empty_db_url: str) -> None:
    url = empty_db_url
    upgrade(url, revision="0004")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _insert_0004_rows(conn, seq=2**31 - 1, fen=2**31 - 1)
        upgrade(url, revision="0005")
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT seq FROM counter")).scalar_one() == 2**31 - 1
            kept = conn.execute(sa.text("SELECT total_fen, seq, version FROM subsidy_project"))
            assert tuple(kept.one()) == (2**31 - 1, 2**31 - 1, 3)
            assert conn.execute(sa.text("SELECT detail FROM audit_finding")).scalar_one() == "old"
            # Every widened column now takes a 64-bit value.
            conn.execute(sa.text("UPDATE counter SET seq = :v"), {"v": HUGE})
            conn.execute(
                sa.text("UPDATE subsidy_project SET total_fen = :v, seq = :v, version = :v"),
                {"v": HUGE},
            )
            conn.execute(sa.text("UPDATE record_version SET seq = :v, version = :v"), {"v": HUGE})
            conn.execute(sa.text("UPDATE attachment SET size = :v, received = :v"), {"v": HUGE})
            conn.execute(
                sa.text("INSERT INTO attachment_chunk (digest, start, data) VALUES ('ab', :v, :d)"),
                {"v": HUGE, "d": b"x"},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO device_audit (device_id, last_id, last_hash) VALUES ('d1', :v, '')"
                ),
                {"v": HUGE},
            )
            if conn.dialect.name == "postgresql":  # a serial id past 2^31 from its sequence
                conn.execute(sa.text("SELECT setval('audit_finding_id_seq', :v)"), {"v": BIG})
            conn.execute(
                sa.text(
                    "INSERT INTO audit_finding (device_id, org_code, at, kind, detail)"
                    " VALUES ('d1', '150202101200', '2026-01-02 00:00:00+00', 'gap', 'new')"
                )
            )
            ids = conn.execute(sa.text("SELECT id FROM audit_finding ORDER BY id")).scalars()
            newest = list(ids)[-1]
            assert newest == (BIG + 1 if conn.dialect.name == "postgresql" else 2)
        with engine.connect() as conn:
            for table, column in (
                ("subsidy_project", "total_fen"),
                ("record_version", "seq"),
                ("attachment_chunk", "start"),
                ("device_audit", "last_id"),
            ):
                stored = conn.execute(sa.text(f"SELECT max({column}) FROM {table}")).scalar_one()
                assert stored == HUGE, (table, column)
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(empty_db_url: str) -> None:
    url = empty_db_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": include_object, "compare_type": True}
            )
            with warnings.catch_warnings():
                # The payments' natural key is on an expression (revision 0011), which
                # SQLAlchemy does not reflect; include_object leaves natural keys out anyway.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
                assert compare_metadata(context, SQLModel.metadata) == []
            unique = {i["name"] for i in sa.inspect(conn).get_indexes("disclosure") if i["unique"]}
            assert "uq_natural_disclosure" in unique
            if conn.dialect.name == "postgresql":
                types = {
                    (table, column["name"]): str(column["type"])
                    for table in ("counter", *{t for t, _c in WIDENED})
                    for column in sa.inspect(conn).get_columns(table)
                }
                assert {key for key in WIDENED if types[key] != "BIGINT"} == set()
                assert types[("counter", "id")] == "INTEGER"
    finally:
        engine.dispose()
