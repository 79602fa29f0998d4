"""The supervision loop's kinds: warnings, feedback, clues and reminders."""

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
    Mask,
    MaxLength,
    Multiline,
    Personal,
    Ref,
    Required,
    Title,
    VisibleTo,
    When,
)
from models.i18n import N_
from models.records.columns import STATUS, RecordColumns


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
        int,
        Label(N_("People disciplined"), hint=N_("a case filed: how many were disciplined")),
        Managed(),
        Aliases("处分人数"),
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
