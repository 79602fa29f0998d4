"""The kinds people enter every day: disclosures, subsidy projects and payments, duty evidence."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.fields import (
    Aliases,
    Choices,
    DomainAliases,
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
    When,
)
from models.i18n import N_
from models.records.columns import STATUS, RecordColumns
from models.sqltypes import BIG_INT


class DisclosureFields(SQLModel):
    catalog_code: Annotated[
        str,
        Label(N_("Catalogue item")),
        Format.CATALOG_ITEM,
        MaxLength(20),
        Required(),
        Aliases("事项", "事项编码", "目录编码", "目录事项", "公开事项", "事项名称", "公开事项名称"),
        DomainAliases("公开类别", "公开类型", "类别"),
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
            },
            words={
                "触摸屏": "touchscreen",
                "公开栏": "board",
                "村务公开栏": "board",
                "公示栏": "board",
                "宣传栏": "board",
                "公开墙": "board",
                "微信": "wechat",
                "微信群": "wechat",
                "公众号": "wechat",
                "电子屏": "led",
                "显示屏": "led",
                "LED屏": "led",
                "大喇叭": "broadcast",
                "广播站": "broadcast",
            },
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
        Format.PERSON_NAME,
        MaxLength(100),
        Aliases("责任人", "公开责任人", "经办人"),
    ] = ""
    reviewer: Annotated[
        str,
        Label(N_("Reviewer (supervision committee)")),
        Format.PERSON_NAME,
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
        Format.PERSON_NAME,
        Masked(Mask.NAME),
        MaxLength(100),
        Required(),
        Aliases(
            "姓名", "户主姓名", "领取人", "领取人姓名", "补贴对象", "农户姓名", "户名", "收款人"
        ),
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
        Aliases(
            "账号",
            "银行账号",
            "银行卡号",
            "银行卡账号",
            "一卡通账号",
            "一卡通卡号",
            "社保卡号",
            "卡号",
            "存折号",
            "存折账号",
        ),
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
