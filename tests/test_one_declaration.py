"""One declaration per kind: a field added to a kind is one model change (plus the
migration that adds its column), and every part of Sanwu finds it there.

A throwaway kind, ``gadget`` (the village's loudspeakers and screens), gains a field
with its markers: the keeper's phone, personal, masked as a phone, required for
loudspeakers, held by the legacy header 保管人电话. Nothing else in the repository
names it; the tests show it validated, sealed, masked, shown in the default form,
imported by its alias and synced between two devices through central.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, create_engine
from sqlmodel import SQLModel
from textual.widgets import Input, Label, Select

from central.admin import init_db, new_enroll_code
from central.app import create_app
from central.settings import CentralSettings
from client.app import SanwuApp
from client.crypto import is_sealed
from client.i18n import set_language
from client.labels import field_name, shown
from client.legacy.importer import import_file
from client.legacy.mapping import builtin_mapping
from client.screens.form import RecordForm, form_fields
from client.store import DB_NAME, Store
from client.syncing import enroll, sync_round
from models import fields as f
from models.kinds import KINDS, declare_kind
from models.masking import mask_record
from models.records import RecordColumns
from models.validation import normalize, validate_record
from sync.transport import HttpxTransport
from tests.stores import TEST_PASSPHRASE

ROOT = Path(__file__).resolve().parents[1]
VILLAGE = "150202101200"
TOWN = "150202101000"
PHONE = "13812345678"
NEW = "keeper_phone"


class _Isolated(SQLModel):
    metadata: ClassVar[MetaData] = MetaData()
    """Its own metadata: the throwaway table never joins the product's schema."""


class GadgetFields(SQLModel):
    """The kind as it was."""

    name: Annotated[
        str, f.Label("Name"), f.Title(), f.MaxLength(50), f.Required(), f.Aliases("名称")
    ] = ""
    category: Annotated[
        str,
        f.Label("Category"),
        f.Choices({"speaker": "广播音箱", "screen": "电子屏"}),
        f.Required(),
        f.Aliases("类别"),
    ] = ""


class GadgetFieldsNow(GadgetFields):
    """The one model change: a field added, with its markers."""

    keeper_phone: Annotated[
        str,
        f.Label("Keeper's phone"),
        f.Personal(f.Mask.PHONE),
        f.MaxLength(20),
        f.Required(when=f.When("category", frozenset({"speaker"}))),
        f.Aliases("保管人电话"),
    ] = ""


class Gadget(_Isolated, RecordColumns, GadgetFieldsNow, table=True):
    __tablename__ = "gadget"


def _migrate(db_url: str) -> None:
    """The one migration: the kind's table with its new column (before the database is
    opened, as a migration runs)."""
    engine = create_engine(db_url)
    try:
        Gadget.__table__.create(engine)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def _home(path: Path) -> Store:
    path.mkdir(parents=True)
    _migrate(f"sqlite:///{path / DB_NAME}")
    return Store(path, passphrase=TEST_PASSPHRASE)


@pytest.fixture(autouse=True)
def gadget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        KINDS, "gadget", declare_kind("gadget", Gadget, GadgetFieldsNow, label="Gadget")
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with _home(tmp_path / "home") as opened:
        yield opened


def loudspeaker(**overrides: Any) -> dict[str, Any]:
    return {"org_code": VILLAGE, "name": "村部广播", "category": "speaker", NEW: PHONE} | overrides


def test_nothing_but_the_declaration_names_the_field() -> None:
    named = [
        path.relative_to(ROOT)
        for package in ("models", "sync", "client", "central")
        for path in (ROOT / package).rglob("*.py")
        if NEW in path.read_text(encoding="utf-8")
    ]
    assert named == []


def test_validated() -> None:
    assert normalize("gadget", {NEW: f" {PHONE} "}) == ({NEW: PHONE}, [])
    _value, errors = normalize("gadget", {NEW: "1" * 21})
    assert [(e.field, e.code) for e in errors] == [(NEW, "too_long")]
    missing = validate_record("gadget", loudspeaker(keeper_phone=""))
    assert [(e.field, e.code) for e in missing] == [(NEW, "required")]
    assert validate_record("gadget", loudspeaker(category="screen", keeper_phone="")) == []
    assert validate_record("gadget", loudspeaker()) == []


def test_sealed_at_rest_and_masked_when_shown(store: Store) -> None:
    record_id = store.add("gadget", loudspeaker())
    with sqlite3.connect(store.path) as raw:
        (stored,) = raw.execute(f"SELECT {NEW} FROM gadget").fetchone()
        outbox = " ".join(row[0] or "" for row in raw.execute("SELECT changes FROM outbox"))
        audit = " ".join(row[0] or "" for row in raw.execute("SELECT changes FROM audit"))
    assert is_sealed(stored) and PHONE not in stored
    assert PHONE not in outbox and PHONE not in audit
    _kind, record = store.get(record_id)
    assert record[NEW] == PHONE
    assert mask_record("gadget", record)[NEW] == "138****5678"
    assert shown("gadget", NEW, PHONE) == "138****5678"
    assert field_name("gadget", NEW) == "Keeper's phone"


async def test_shown_in_the_default_form(store: Store) -> None:
    set_language("zh_CN")
    assert [field.name for field in form_fields("gadget")] == ["name", "category", NEW]
    app = SanwuApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        form = RecordForm(
            "gadget", form_fields("gadget"), title="Gadget", fixed={"org_code": VILLAGE}
        )
        await app.push_screen(form)
        await pilot.pause()
        labels = [str(label.render()) for label in form.query(Label)]
        assert "Keeper's phone" in labels
        form.query_one("#f-name", Input).value = "村部广播"
        form.query_one("#f-category", Select).value = "speaker"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form, "a loudspeaker needs its keeper's phone"
        assert str(form.query_one(f"#e-{NEW}").render())
        form.query_one(f"#f-{NEW}", Input).value = PHONE
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not form
    (saved,) = store.list_records("gadget")
    assert saved[NEW] == PHONE


def test_imported_by_its_alias(store: Store, tmp_path: Path) -> None:
    assert builtin_mapping("gadget").rule_for("保管人电话").field == NEW  # type: ignore[union-attr]
    table = tmp_path / "广播设备.csv"
    table.write_text(
        "名称,类别,保管人电话\n村部广播,广播音箱,13812345678\n二组电子屏,电子屏,\n",
        encoding="utf-8",
    )
    report = import_file(store, table, "gadget", org_code=VILLAGE)
    assert (report.created, report.rejected) == (2, 0)
    by_name = {record["name"]: record for record in store.list_records("gadget")}
    assert by_name["村部广播"][NEW] == PHONE
    assert by_name["二组电子屏"][NEW] == ""


def test_synced_between_devices(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'central.db'}"
    init_db(db_url)
    _migrate(db_url)
    with TestClient(create_app(CentralSettings(db_url=db_url))) as client:
        transport = HttpxTransport("http://testserver", client=client)

        def device(name: str, unit: str, role: str) -> Store:
            store = _home(tmp_path / name)
            code = new_enroll_code(db_url, unit=unit, role=role)
            enroll(store, "http://testserver", code, transport=transport)
            return store

        with device("village", VILLAGE, "clerk") as village, device("town", TOWN, "town") as town:
            record_id = village.add("gadget", loudspeaker())
            sync_round(village, transport=transport)
            sync_round(town, transport=transport)
            assert town.get(record_id)[1][NEW] == PHONE
            town.edit(record_id, {NEW: "13900001111"})
            sync_round(town, transport=transport)
            sync_round(village, transport=transport)
            assert village.get(record_id)[1][NEW] == "13900001111"
            assert village.status().pending == town.status().pending == 0
