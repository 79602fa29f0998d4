"""The record kinds as typed SQLModel tables: each field declared once, with its markers.

Each kind is a data model (``XFields``: the fields people enter, with DOMAIN.md's
names) and a table model ``X(RecordColumns, XFields, table=True)``. Tables never
inherit from tables. Both ends create the same tables (through their own
Alembic migrations), so a record travels between them column for column.

A field's markers (``models.fields``) say everything else about it: its label,
what it holds (money, a period, an ID number...), whether it is personal and how it
is masked, its choices, its limit, the legacy headers that hold it, and whether it
is required. The registry (``models.kinds``) reads them; so does everything else.
Adding a field to a kind is one change here plus one migration in each tree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.fields import (
    Aliases,
    Choices,
    Format,
    Label,
    Managed,
    Mask,
    Masked,
    MaxLength,
    Money,
    Multiline,
    Personal,
    Ref,
    Required,
    Title,
    VisibleTo,
    When,
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


class DisclosureFields(SQLModel):
    catalog_code: Annotated[
        str,
        Label(N_("Catalogue item")),
        Format.CATALOG_ITEM,
        MaxLength(20),
        Required(),
        Aliases("事项", "事项编码", "目录编码", "目录事项", "公开事项", "公开类别"),
    ] = ""
    period: Annotated[
        str,
        Label(N_("Period"), hint=N_("2026-10, 2026-Q3, 2026-H2, 2026 or 2026-10-14")),
        Format.PERIOD,
        MaxLength(10),
        Required(),
        Aliases("期间", "公开期间", "所属期间", "公开期"),
    ] = ""
    title: Annotated[
        str,
        Label(N_("Title")),
        Title(),
        MaxLength(200),
        Required(),
        Aliases("标题", "公开标题"),
    ] = ""
    content: Annotated[
        str,
        Label(N_("Content")),
        Multiline(),
        MaxLength(20000),
        Aliases("公开内容", "内容", "正文"),
    ] = ""
    channels: Annotated[
        list[str],
        Label(N_("Channels")),
        Choices(
            {
                "touchscreen": "电子触摸屏",
                "board": "固定公开栏",
                "wechat": "微信公众号",
                "led": "LED显示屏",
                "broadcast": "广播",
            }
        ),
        Aliases("公开形式", "公开渠道", "公开方式"),
    ] = Field(default_factory=list, sa_type=JSON)
    disclosed_on: Annotated[
        date | None,
        Label(N_("Disclosed on")),
        Aliases("公开时间", "公开日期", "发布时间", "发布日期"),
    ] = None
    responsible: Annotated[
        str,
        Label(N_("Responsible person")),
        MaxLength(100),
        Aliases("责任人", "公开责任人", "经办人"),
    ] = ""
    reviewer: Annotated[
        str,
        Label(N_("Reviewer (supervision committee)")),
        MaxLength(100),
        Aliases("审核人", "监督人"),
    ] = ""
    review_opinion: Annotated[
        str,
        Label(N_("Review opinion")),
        MaxLength(5000),
        Aliases("审核意见", "监委会意见", "村务监督委员会意见", "民主理财小组意见"),
    ] = ""
    status: Annotated[
        str,
        Label(N_("Status")),
        Choices(
            {
                "draft": "草稿",
                "submitted": "待审核",
                "returned": "已退回",
                "published": "已公开",
                "withdrawn": "已撤回",
            }
        ),
        Managed(),
        Aliases(*STATUS, "公开状态"),
    ] = "draft"
    attachments: Annotated[
        list[str], Label(N_("Attachments (photo of the board)")), Format.FILES
    ] = Field(default_factory=list, sa_type=JSON)
    submitted_on: Annotated[date | None, Label(N_("Submitted on")), Managed()] = None
    published_on: Annotated[
        date | None, Label(N_("Published on")), Managed(), Aliases("审核通过日期")
    ] = None
    """The day the reviewing level approved it: the on-time rule counts this day."""
    reviewed_by: Annotated[str, Label(N_("Reviewed by")), Managed(), MaxLength(200)] = ""
    reviewed_on: Annotated[date | None, Label(N_("Reviewed on")), Managed()] = None
    """The day of the latest review step (published or returned)."""
    return_reason: Annotated[
        str,
        Label(N_("Reviewer's opinion")),
        Managed(),
        MaxLength(2000),
        Required(when=When("status", frozenset({"returned"}))),
        Aliases("退回意见", "审核退回意见"),
    ] = ""
    """Why the reviewing level returned it; the unit reads it and submits again."""


class Disclosure(RecordColumns, DisclosureFields, table=True):
    __tablename__ = "disclosure"


STAGE_DATES = {
    "planning": "planned_on",
    "allocation": "allocated_on",
    "review": "reviewed_on",
    "disbursement": "disbursed_on",
    "closed": "closed_on",
}
"""A subsidy project's stages in the order they happen, each with the field of its date."""


class SubsidyProjectFields(SQLModel):
    category: Annotated[
        str,
        Label(N_("Category")),
        Choices(
            {
                "agriculture": "农业类补贴",
                "health": "卫生类补贴",
                "family_planning": "计划生育补助",
                "construction": "建设类补贴",
                "social_security": "社会保障类补贴",
                "one_card": "一卡通信息",
                "education": "教育类补贴",
            }
        ),
        Required(),
        Aliases("补贴类别", "类别", "资金类别"),
    ] = ""
    name: Annotated[
        str, Label(N_("Name")), Title(), MaxLength(200), Required(), Aliases("项目名称", "名称")
    ] = ""
    policy_basis: Annotated[
        str, Label(N_("Policy basis")), Multiline(), MaxLength(5000), Aliases("政策依据")
    ] = ""
    fund_batch: Annotated[
        str, Label(N_("Fund document number")), MaxLength(200), Aliases("拨付文号", "资金批次")
    ] = ""
    total_fen: Annotated[int, Label(N_("Total (yuan)")), Money(), Aliases("总金额", "资金总额")] = (
        Field(default=0, sa_type=BIG_INT)
    )
    stage: Annotated[
        str,
        Label(N_("Stage")),
        Choices(
            {
                "planning": "规划立项",
                "allocation": "资金拨付",
                "review": "申报审核",
                "disbursement": "执行发放",
                "closed": "已结束",
            }
        ),
        Managed(),
        Aliases("阶段", "项目阶段"),
    ] = "planning"
    planned_on: Annotated[
        date | None, Label(N_("Planned on")), Aliases("立项日期", "规划立项日期")
    ] = None
    allocated_on: Annotated[
        date | None, Label(N_("Allocated on")), Managed(), Aliases("拨付日期", "资金拨付日期")
    ] = None
    reviewed_on: Annotated[
        date | None, Label(N_("Reviewed on")), Managed(), Aliases("审核日期", "申报审核日期")
    ] = None
    disbursed_on: Annotated[
        date | None, Label(N_("Disbursed on")), Managed(), Aliases("发放日期", "执行发放日期")
    ] = None
    closed_on: Annotated[date | None, Label(N_("Closed on")), Managed(), Aliases("结束日期")] = None


class SubsidyProject(RecordColumns, SubsidyProjectFields, table=True):
    __tablename__ = "subsidy_project"


class SubsidyPaymentFields(SQLModel):
    project_id: Annotated[
        str,
        Label(N_("Project")),
        Ref("subsidy_project"),
        MaxLength(36),
        Required(),
        Aliases("项目编号", "项目ID"),
    ] = Field(default="", index=True)
    recipient_name: Annotated[
        str,
        Label(N_("Recipient")),
        Title(),
        Masked(Mask.NAME),
        MaxLength(100),
        Required(),
        Aliases("姓名", "户主姓名", "领取人", "领取人姓名", "补贴对象"),
    ] = ""
    id_number: Annotated[
        str,
        Label(N_("ID number"), hint=N_("18 characters; x allowed at the end")),
        Format.ID_NUMBER,
        Personal(Mask.ID_NUMBER),
        Required(),
        Aliases("身份证号", "身份证号码", "公民身份号码", "户主身份证号", "证件号码"),
    ] = ""
    standard: Annotated[
        int, Label(N_("Standard (yuan per unit)")), Money(), Aliases("补贴标准", "标准")
    ] = Field(default=0, sa_type=BIG_INT)
    """Fen per unit of ``quantity``."""
    quantity: Annotated[
        str,
        Label(N_("Quantity"), hint=N_("a number such as 12.5")),
        Format.DECIMAL,
        MaxLength(30),
        Aliases("数量", "面积", "面积(亩)", "补贴面积(亩)", "人数"),
    ] = ""
    """A decimal number as text (mu, persons or households): never a float."""
    unit: Annotated[
        str,
        Label(N_("Unit of quantity")),
        Choices({"mu": "亩", "person": "人", "household": "户"}),
        Aliases("单位", "计量单位"),
    ] = ""
    amount_fen: Annotated[
        int,
        Label(N_("Amount (yuan)")),
        Money(),
        Required(),
        Aliases("金额", "发放金额", "补贴金额"),
    ] = Field(default=0, sa_type=BIG_INT)
    paid_on: Annotated[
        date | None, Label(N_("Paid on")), Aliases("发放日期", "发放时间", "兑付日期")
    ] = None
    method: Annotated[
        str,
        Label(N_("Payment method")),
        Choices(
            {
                "one_card": "一卡通",
                "social_security_card": "社保卡",
                "cash": "现金",
                "other": "其他",
            }
        ),
        Aliases("发放方式", "兑付方式"),
    ] = ""
    account: Annotated[
        str,
        Label(N_("Account")),
        Format.ACCOUNT,
        Personal(Mask.ACCOUNT),
        MaxLength(40),
        Aliases("账号", "银行账号", "一卡通账号", "社保卡号", "卡号"),
    ] = ""


class SubsidyPayment(RecordColumns, SubsidyPaymentFields, table=True):
    __tablename__ = "subsidy_payment"


class DutyEvidenceFields(SQLModel):
    indicator_code: Annotated[
        str,
        Label(N_("Duty indicator")),
        Format.DUTY_INDICATOR,
        MaxLength(20),
        Required(),
        Aliases("指标编码", "指标", "考核指标"),
    ] = ""
    occurred_on: Annotated[
        date | None,
        Label(N_("Date")),
        Required(),
        Aliases("日期", "发生日期", "时间", "履职日期"),
    ] = None
    description: Annotated[
        str,
        Label(N_("What was done")),
        Title(),
        Multiline(),
        MaxLength(20000),
        Required(),
        Aliases("内容", "履职内容", "记实内容", "工作内容"),
    ] = ""
    attachments: Annotated[list[str], Label(N_("Attachments (minutes, photos)")), Format.FILES] = (
        Field(default_factory=list, sa_type=JSON)
    )


class DutyEvidence(RecordColumns, DutyEvidenceFields, table=True):
    __tablename__ = "duty_evidence"


class WarningFields(SQLModel):
    """A warning or supervision document sent to one unit (one record per unit, so each
    unit's progress is its own). ``status`` moves by the steps of
    ``models.rules.warnings``, which also write the managed fields below."""

    issued_by: Annotated[
        str, Label(N_("Issued by")), Managed(), MaxLength(200), Aliases("下发单位", "发文单位")
    ] = ""
    doc_type: Annotated[
        str,
        Label(N_("Document type")),
        Choices(
            {
                "warning": "预警",
                "suggestion": "监督建议书",
                "reminder_letter": "提醒函",
                "notice": "通知",
            }
        ),
        Required(),
        Aliases("文书类型", "类型"),
    ] = "warning"
    title: Annotated[
        str, Label(N_("Title")), Title(), MaxLength(200), Required(), Aliases("标题", "文书标题")
    ] = ""
    problems: Annotated[
        str,
        Label(N_("Problems")),
        Multiline(),
        MaxLength(20000),
        Aliases("问题", "存在问题", "主要问题"),
    ] = ""
    issued_on: Annotated[date | None, Label(N_("Issued on")), Aliases("下发日期", "发文日期")] = (
        None
    )
    reply_due: Annotated[
        date | None,
        Label(N_("Reply due")),
        Required(),
        Aliases("回复期限", "反馈期限", "整改期限"),
    ] = None
    status: Annotated[
        str,
        Label(N_("Status")),
        Choices(
            {
                "issued": "已下发",
                "received": "已签收",
                "rectifying": "整改中",
                "verifying": "待验收",
                "closed": "已销号",
                "returned": "已退回",
            }
        ),
        Managed(),
        Aliases(*STATUS),
    ] = "issued"
    doc_no: Annotated[
        str, Label(N_("Document number")), MaxLength(100), Aliases("文号", "文书编号")
    ] = ""
    sms: Annotated[bool, Label(N_("Remind by SMS too"))] = False
    """Asks central to send the unit's contact an SMS when the warning arrives."""
    on_paper: Annotated[
        bool, Label(N_("Delivered on paper too")), Aliases("线下送达", "纸质送达")
    ] = False
    """Printed and handed to the unit as well (线下提醒通知单, when it is a reminder
    letter or a notice): the district's figures count those."""
    received_on: Annotated[date | None, Label(N_("Signed on")), Managed(), Aliases("签收日期")] = (
        None
    )
    return_reason: Annotated[
        str,
        Label(N_("Reason for return")),
        Managed(),
        Multiline(),
        MaxLength(5000),
        Required(when=When("status", frozenset({"returned"}))),
        Aliases("退回理由"),
    ] = ""
    rectified: Annotated[list[str], Label(N_("Problems rectified")), Managed(), Format.ITEMS] = (
        Field(default_factory=list, sa_type=JSON)
    )
    """Numbers of the problems (one per line of ``problems``) accepted as rectified."""
    closed_on: Annotated[date | None, Label(N_("Closed on")), Managed(), Aliases("销号日期")] = None
    reminder_id: Annotated[str, Label(N_("Reminder")), Ref("reminder"), MaxLength(36)] = ""
    """The reminder whose proposed warning a supervisor confirmed as this one."""


class SupervisionWarning(RecordColumns, WarningFields, table=True):
    __tablename__ = "warning"


class FeedbackFields(SQLModel):
    warning_id: Annotated[
        str,
        Label(N_("Warning")),
        Ref("warning"),
        MaxLength(36),
        Required(),
        Aliases("预警编号", "文书编号"),
    ] = Field(default="", index=True)
    reported_on: Annotated[
        date | None, Label(N_("Reported on")), Required(), Aliases("反馈日期", "报告日期")
    ] = None
    progress: Annotated[
        str,
        Label(N_("Progress")),
        Title(),
        Multiline(),
        MaxLength(20000),
        Required(),
        Aliases("整改进展", "进展", "反馈内容"),
    ] = ""
    completed: Annotated[bool, Label(N_("Completed")), Aliases("是否完成", "已完成")] = False
    attachments: Annotated[list[str], Label(N_("Evidence files")), Format.FILES] = Field(
        default_factory=list, sa_type=JSON
    )
    rectified: Annotated[
        list[str], Label(N_("Problems rectified")), Format.ITEMS, Aliases("已整改问题")
    ] = Field(default_factory=list, sa_type=JSON)
    """Numbers of the warning's problems this report says are rectified."""
    verdict: Annotated[
        str,
        Label(N_("Verdict")),
        Choices({"accepted": "通过", "returned": "退回"}),
        Managed(),
        Aliases("验收结论", "结论"),
    ] = ""
    verdict_note: Annotated[
        str, Label(N_("Verdict note")), Managed(), MaxLength(5000), Aliases("验收意见")
    ] = ""
    judged_on: Annotated[date | None, Label(N_("Judged on")), Managed(), Aliases("验收日期")] = None


class Feedback(RecordColumns, FeedbackFields, table=True):
    __tablename__ = "feedback"


class ClueFields(SQLModel):
    """A problem reported by a citizen or found online (问题线索), about one unit; handled
    by the supervising side only (``models.rules.clues``): intake, 核查, one outcome."""

    source: Annotated[
        str,
        Label(N_("Source")),
        Choices(
            {
                "hotline": "热线电话",
                "letter": "来信",
                "wechat": "微信",
                "visit": "来访",
                "online_check": "线上巡查",
            }
        ),
        Required(),
        Aliases("来源", "线索来源"),
    ] = ""
    problem: Annotated[
        str,
        Label(N_("Problem")),
        Choices(
            {
                "not_disclosed": "不公开",
                "fake": "假公开",
                "half_disclosed": "半公开",
                "other": "其他",
            }
        ),
        Required(),
        Aliases("问题类型", "反映问题"),
    ] = ""
    description: Annotated[
        str,
        Label(N_("Description of the problem")),
        Title(),
        Multiline(),
        MaxLength(20000),
        Required(),
        Aliases("内容", "问题描述", "反映内容"),
    ] = ""
    received_on: Annotated[
        date | None, Label(N_("Received on")), Required(), Aliases("受理日期", "收到日期")
    ] = None
    status: Annotated[
        str,
        Label(N_("Status")),
        Choices({"received": "已受理", "investigating": "核查中", "concluded": "已办结"}),
        Managed(),
        Aliases(*STATUS, "办理状态"),
    ] = "received"
    reporter_contact: Annotated[
        str,
        Label(N_("Reporter's contact")),
        Personal(Mask.CONTACT),
        VisibleTo("supervisor"),
        MaxLength(200),
        Aliases("联系方式", "反映人联系方式", "联系电话"),
    ] = ""
    finding: Annotated[
        str,
        Label(N_("What the check found")),
        Managed(),
        Multiline(),
        MaxLength(20000),
        Aliases("核查情况"),
    ] = ""
    outcome: Annotated[
        str,
        Label(N_("Outcome")),
        Choices({"unfounded": "不属实了结", "rectification": "责令整改", "case_filed": "立案"}),
        Managed(),
        Required(when=When("status", frozenset({"concluded"}))),
        Aliases("办理结果"),
    ] = ""
    warning_id: Annotated[str, Label(N_("Warning")), Ref("warning"), MaxLength(36)] = ""
    """The warning raised for the rectification this clue led to."""
    people_disciplined: Annotated[
        int, Label(N_("People disciplined")), Managed(), Aliases("处分人数")
    ] = 0
    """党纪政务处分 given in the case this clue led to."""
    concluded_on: Annotated[
        date | None, Label(N_("Concluded on")), Managed(), Aliases("办结日期")
    ] = None


class Clue(RecordColumns, ClueFields, table=True):
    __tablename__ = "clue"


class ReminderFields(SQLModel):
    """An online reminder (提醒) raised by central's daily pass for work not done on time:
    a catalogue item not disclosed by its deadline, a duty indicator without evidence, a
    warning unanswered past its reply date. It escalates by itself (an SMS to the unit's
    contact, then a proposed warning a supervisor confirms) and closes by itself when
    the work is done (``models.rules.reminders``)."""

    subject: Annotated[
        str,
        Label(N_("About")),
        Choices({"catalog_item": "公开事项", "duty_indicator": "履职指标", "warning": "预警文书"}),
        Required(),
    ] = ""
    subject_code: Annotated[str, Label(N_("Item")), MaxLength(40), Required()] = ""
    """The catalogue item's or indicator's code, or the warning's id."""
    period: Annotated[str, Label(N_("Period")), MaxLength(20)] = ""
    """The period not disclosed, or the deadline's year (the pass's key, with the item)."""
    title: Annotated[str, Label(N_("Title")), Title(), MaxLength(200), Required()] = ""
    due_on: Annotated[date | None, Label(N_("Due on"))] = None
    raised_on: Annotated[date | None, Label(N_("Raised on")), Required()] = None
    step: Annotated[
        str,
        Label(N_("Step")),
        Choices({"online": "在线提醒", "sms": "短信提醒", "proposed": "建议下发预警"}),
        Managed(),
    ] = "online"
    automatic: Annotated[bool, Label(N_("Raised automatically"))] = True
    status: Annotated[
        str, Label(N_("Status")), Choices({"open": "未办结", "closed": "已办结"}), Managed()
    ] = "open"
    closed_on: Annotated[date | None, Label(N_("Closed on")), Managed()] = None
    sms_on: Annotated[date | None, Label(N_("SMS sent on")), Managed()] = None
    """The day the daily pass moved it to an SMS to the unit's contact (none: it never
    went to SMS)."""
    proposal: Annotated[
        str,
        Label(N_("Proposed warning")),
        Choices({"proposed": "待确认", "confirmed": "已下发", "dismissed": "不下发"}),
        Managed(),
    ] = ""
    warning_id: Annotated[str, Label(N_("Warning")), Ref("warning"), MaxLength(36)] = ""


class Reminder(RecordColumns, ReminderFields, table=True):
    __tablename__ = "reminder"


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
