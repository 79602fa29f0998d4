"""Kinds a supervising level hands down or keeps: catalogue items, bulletins, duty adjustments."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.fields import (
    Aliases,
    Choices,
    Format,
    Label,
    Managed,
    MaxLength,
    Multiline,
    Ref,
    Required,
    Title,
)
from models.i18n import N_
from models.records.columns import RecordColumns


class CatalogItemFields(SQLModel):
    """One item of the disclosure catalogue (指导目录) as the city hands it down, or as a
    district adds it on top (``org_code`` is the level that issued it). Devices pull the
    items of every level above them; the catalogue in force is theirs together."""

    code: Annotated[
        str, Label(N_("Code")), MaxLength(20), Required(), Aliases("编码", "事项编码")
    ] = ""
    domain: Annotated[
        str,
        Label(N_("Domain")),
        Choices({"party": "党务", "government": "政务", "village": "村务", "finance": "财务"}),
        Required(),
        Aliases("类别", "公开类别"),
    ] = ""
    name: Annotated[
        str, Label(N_("Name")), Title(), MaxLength(200), Required(), Aliases("事项", "名称")
    ] = ""
    name_en: Annotated[str, Label(N_("English name")), MaxLength(200)] = ""
    period: Annotated[
        str,
        Label(N_("Period")),
        Choices(
            {
                "monthly": "每月",
                "quarterly": "每季度",
                "half_year": "每半年",
                "yearly": "每年",
                "on_event": "随时",
            }
        ),
        Required(),
        Aliases("周期", "公开周期"),
    ] = ""
    deadline_day: Annotated[int, Label(N_("Due day of the next month")), Aliases("期限日")] = 0
    """Periodic items: due on this day of the month after the period ends."""
    event_days: Annotated[int, Label(N_("Days after the event")), Aliases("期限天数")] = 0
    """Items disclosed on an event: due this many days after it."""
    template: Annotated[
        str, Label(N_("Template")), Multiline(), MaxLength(5000), Aliases("模板", "公开模板")
    ] = ""
    applies_to: Annotated[
        list[str],
        Label(N_("Applies to")),
        Choices({"village": "村", "community": "社区", "department": "部门"}),
        Aliases("适用", "适用单位"),
    ] = Field(default_factory=list, sa_type=JSON)
    edition: Annotated[str, Label(N_("Edition")), MaxLength(100), Aliases("版本")] = ""


class CatalogItemRecord(RecordColumns, CatalogItemFields, table=True):
    __tablename__ = "catalog_item"


class BulletinFields(SQLModel):
    """A supervision bulletin (监督通报): issued by a supervising level over a period's
    findings, naming the units with problems. Every device below the issuing level
    receives it (a 通报 is circulated); the units it names see it on their home."""

    title: Annotated[
        str, Label(N_("Title")), Title(), MaxLength(200), Required(), Aliases("标题")
    ] = ""
    doc_no: Annotated[str, Label(N_("Document number")), MaxLength(100), Aliases("文号")] = ""
    period_from: Annotated[date | None, Label(N_("Findings from")), Required()] = None
    period_to: Annotated[date | None, Label(N_("Findings to")), Required()] = None
    body: Annotated[
        str, Label(N_("Text")), Multiline(), MaxLength(50000), Required(), Aliases("正文")
    ] = ""
    named_units: Annotated[
        list[str], Label(N_("Units named")), Format.ORG_CODES, Aliases("被通报单位")
    ] = Field(default_factory=list, sa_type=JSON)
    status: Annotated[
        str,
        Label(N_("Status")),
        Choices({"issued": "已印发", "withdrawn": "已撤回"}),
        Managed(),
    ] = "issued"
    issued_on: Annotated[date | None, Label(N_("Issued on")), Required()] = None


class Bulletin(RecordColumns, BulletinFields, table=True):
    __tablename__ = "bulletin"


class DutyAdjustmentFields(SQLModel):
    """A supervisor's score for one duty item of one unit and year (逐项赋分), in place
    of the score its evidence earns, with the reason; the record's versions are the
    history. Scored by ``models.rules.scoring``; locked once the year closes
    (``models.rules.duty``)."""

    year: Annotated[int, Label(N_("Year")), Required()] = 0
    indicator_code: Annotated[
        str, Label(N_("Duty indicator")), Format.DUTY_INDICATOR, MaxLength(20), Required()
    ] = ""
    points: Annotated[
        str,
        Label(N_("Points"), hint=N_("the item's score, e.g. 1.5")),
        Format.DECIMAL,
        MaxLength(8),
        Required(),
    ] = ""
    reason: Annotated[str, Label(N_("Reason")), MaxLength(2000), Required()] = ""
    evidence_id: Annotated[str, Label(N_("Evidence")), Ref("duty_evidence"), MaxLength(36)] = ""
    adjusted_on: Annotated[date | None, Label(N_("Adjusted on")), Managed()] = None


class DutyAdjustment(RecordColumns, DutyAdjustmentFields, table=True):
    __tablename__ = "duty_adjustment"
