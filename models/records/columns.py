"""The columns every synced record carries, and the header old tables use for status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlmodel import Field, SQLModel

from models.fields import (
    Aliases,
    Format,
    Label,
    MaxLength,
    Required,
)
from models.i18n import N_
from models.sqltypes import BIG_INT

STATUS = ("状态",)
"""The header every old table uses for a record's status."""


class RecordColumns(SQLModel):
    """Columns every synced record carries; set by the store and central, not by people
    (but for ``org_code``, the unit a record belongs to)."""

    id: str = Field(primary_key=True, max_length=36)
    org_code: Annotated[
        str,
        Label(N_("Unit")),
        Format.ORG_CODE,
        MaxLength(12),
        Required(),
        Aliases(
            "单位编码",
            "单位代码",
            "村代码",
            "村居代码",
            "区划代码",
            "单位",
            "单位名称",
            "村名",
            "村(居)名称",
            "所属村",
            "被监督单位",
            "被反映单位",
        ),
    ] = Field(index=True, max_length=12)
    version: int = Field(default=0, sa_type=BIG_INT)
    """Assigned by central; 0 until the first push is acknowledged."""
    deleted: bool = False
    updated_by: str = ""
    """The device that made the latest version."""
    recorded_at: datetime
    """Device clock at the latest local change; shown to people."""
    received_at: datetime | None = None
    """Central clock when the latest version was applied."""
    seq: int = Field(default=0, index=True, sa_type=BIG_INT)
    """Central's global change number of the latest version; pull serves by it."""
