"""The catalogue in force on this home: the catalogue items pulled from central (the
city's, handed down, and the district's on top), put in force when the store opens and
after a pull brings items (``models.catalog.use_catalog``); the packaged catalogue
until the first pull brings any."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.catalog import CatalogItem, item_from_record, use_catalog
from models.kinds import kind_spec, row_to_wire

__all__ = ["refresh_catalogue"]


def refresh_catalogue(conn: Connection) -> list[CatalogItem]:
    """Put this home's catalogue items in force; returns them (none: the packaged one)."""
    spec = kind_spec("catalog_item")
    table = spec.table.__table__  # type: ignore[attr-defined]
    rows = conn.execute(sa.select(table).where(table.c.deleted.is_(False))).all()
    items = [item_from_record(row_to_wire(spec, row)) for row in rows]
    use_catalog(items)
    return items
