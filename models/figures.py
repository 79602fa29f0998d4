"""The district's figures (三务公开 supervision statistics), each declared once.

A figure is a count over the records of a window of days (both ends included) and a
scope (org-code prefixes): its key, its labels, its definition in the words the report,
``docs/FIGURES.md`` and the analysis screen show, the fields it reads, and the pure
function that counts it (``models.figure_counts``). ``FIGURES`` holds them in the order
the report prints them; ``compute`` counts them all.

Rules every figure keeps: deleted records are not facts; a record counts by the day it
keeps of the action counted (a figure never guesses a day: a record without it is not
counted); a record is in scope by its unit (``org_code``: the unit a document, a
reminder, a clue or a disclosure is about), a bulletin by its issuing level or the units
it names. A document sent to several units is one record per unit, so one per unit.

The client reads the facts from its store (``client.analysis.figures``), only the
fields ``reads`` names; central could read the same from its tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from models import figure_counts as counts
from models.figure_counts import Count, Facts, Scope, Window

__all__ = ["FIGURES", "KEYS", "Figure", "compute", "figure", "markdown", "reads"]


@dataclass(frozen=True)
class Figure:
    key: str
    label_zh: str
    label_en: str
    definition: str
    """What it counts, in English (docs/FIGURES.md, ``--lang en``)."""
    definition_zh: str
    """The same, in Chinese (the report and the screen in Chinese)."""
    count: Count
    reads: Mapping[str, tuple[str, ...]]
    """The fields it reads, by kind (besides ``org_code``)."""

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh

    def text(self, lang: str) -> str:
        return self.definition if lang == "en" else self.definition_zh


# ---- the declarations ------------------------------------------------------------------------

_REVIEW = {"disclosure": ("reviewed_on",)}
_DOCS = {"warning": ("issued_on", "doc_type")}
_REPORTS = ("warning_id", "completed", "reported_on", "verdict", "judged_on")

FIGURES: tuple[Figure, ...] = (
    Figure(
        "online_supervisions",
        "线上监督",
        "Online supervisions",
        "Supervision actions recorded on the platform in the window, each on the day its "
        "record keeps: disclosures reviewed (the latest review step, published or returned: "
        "reviewed_on), duty items scored (adjusted_on), reminders raised (raised_on), "
        "documents issued (issued_on), verdicts given on reports (judged_on), bulletins "
        "issued (as counted by bulletins) and clues concluded (concluded_on). A disclosure "
        "returned and then published counts its latest review only.",
        "窗口期内在平台上留痕的监督动作，按记录所载日期计：审核公开事项（最近一次审核，"
        "通过或退回，reviewed_on）、逐项赋分（adjusted_on）、发出提醒（raised_on）、下发文书"
        "（issued_on）、验收反馈（judged_on）、印发通报（同“监督通报”口径）、办结问题线索"
        "（concluded_on）。公开事项退回后再通过的，只计最近一次审核。",
        counts.online_supervisions,
        {
            **_REVIEW,
            "duty_adjustment": ("adjusted_on",),
            "reminder": ("raised_on",),
            **_DOCS,
            "feedback": ("verdict", "judged_on"),
            "bulletin": ("status", "issued_on", "named_units"),
            "clue": ("status", "concluded_on"),
        },
    ),
    Figure(
        "suggestions_sent",
        "发出监督建议书",
        "Supervision suggestions sent",
        "Supervision suggestions (监督建议书: documents of type suggestion) issued in the "
        "window (issued_on), one per unit they were sent to.",
        "窗口期内下发的监督建议书（文书类型为监督建议书，issued_on），一个单位计一份。",
        counts.suggestions_sent,
        _DOCS,
    ),
    Figure(
        "feedback_completed",
        "完成反馈任务",
        "Feedback tasks completed",
        "Documents whose feedback task was completed in the window: the unit reported the "
        "work done and the supervising level accepted the report (verdict accepted, "
        "judged_on in the window); one per document.",
        "窗口期内完成反馈任务的文书：单位报告整改完成且监督方验收通过（验收结论为通过，"
        "judged_on 在窗口期内），每份文书计一次。",
        counts.feedback_completed,
        {"feedback": ("warning_id", "verdict", "judged_on")},
    ),
    Figure(
        "problems_rectified",
        "整改问题",
        "Problems rectified",
        "Problems accepted as rectified on documents closed (销号) in the window: the "
        "numbered problems in each closed document's rectified list (closed_on in the "
        "window), summed over the documents.",
        "窗口期内销号文书中经验收确认已整改的问题数（closed_on 在窗口期内），按文书逐份相加。",
        counts.problems_rectified,
        {"warning": ("status", "closed_on", "rectified")},
    ),
    Figure(
        "reminders_online",
        "线上提醒",
        "Online reminders",
        "Reminders raised in the window (raised_on), by central's daily pass or by a "
        "supervisor: each is an online reminder in the unit's workspace.",
        "窗口期内发出的提醒（raised_on），由平台每日巡查自动发出或监督人员发出，每条都是"
        "单位工作台上的线上提醒。",
        counts.reminders_raised,
        {"reminder": ("raised_on",)},
    ),
    Figure(
        "reminders_sms",
        "短信提醒",
        "SMS reminders",
        "Reminders that went on to an SMS to the unit's contact in the window: the day the "
        "daily pass took the SMS step (sms_on). It counts reminders, not messages: a pass "
        "sends a unit one message for all its reminders that day.",
        "窗口期内转为短信提醒单位联系人的提醒：以每日巡查转短信之日（sms_on）计。"
        "按提醒条数计，不按短信条数：同一天一个单位的各条提醒合为一条短信发出。",
        counts.reminders_sms,
        {"reminder": ("sms_on",)},
    ),
    Figure(
        "reminder_notices_offline",
        "线下提醒通知单",
        "Offline reminder notices",
        "Reminder letters and notices (documents of type reminder_letter or notice) issued "
        "in the window (issued_on) and delivered on paper (on_paper).",
        "窗口期内下发并线下纸质送达（on_paper）的提醒函和通知（issued_on）。",
        counts.notices_offline,
        {"warning": ("issued_on", "doc_type", "on_paper")},
    ),
    Figure(
        "bulletins",
        "监督通报",
        "Bulletins",
        "Supervision bulletins issued in the window (issued_on) and not withdrawn, issued by "
        "a level in scope or naming a unit in scope.",
        "窗口期内印发且未撤回的监督通报（issued_on），由范围内的层级印发或点名范围内的单位。",
        counts.bulletins,
        {"bulletin": ("status", "issued_on", "named_units")},
    ),
    Figure(
        "units_named",
        "通报点名单位",
        "Units named in bulletins",
        "Units in scope named by the bulletins counted above; a unit named twice counts once.",
        "上述通报点名的范围内单位数，同一单位多次点名计一个。",
        counts.units_named,
        {"bulletin": ("status", "issued_on", "named_units")},
    ),
    Figure(
        "clues_received",
        "受理问题线索",
        "Clues received",
        "Problem clues received in the window (received_on) about units in scope.",
        "窗口期内受理的反映范围内单位的问题线索（received_on）。",
        counts.clues_received,
        {"clue": ("received_on",)},
    ),
    Figure(
        "cases_filed",
        "立案",
        "Cases filed",
        "Clues concluded in the window (concluded_on) with the outcome case filed (立案).",
        "窗口期内办结且办理结果为立案的问题线索（concluded_on）。",
        counts.cases_filed,
        {"clue": ("outcome", "concluded_on")},
    ),
    Figure(
        "people_disciplined",
        "党纪政务处分人数",
        "People disciplined",
        "People disciplined in the cases filed counted above: the sum of their people_disciplined.",
        "上述立案线索的党纪政务处分人数之和（people_disciplined）。",
        counts.people_disciplined,
        {"clue": ("outcome", "concluded_on", "people_disciplined")},
    ),
    Figure(
        "disclosures_due",
        "应公开事项",
        "Disclosures due",
        "Catalogue items the units in scope owe with a deadline in the window: for each unit "
        "of the tree and each periodic item of the catalogue in force that applies to its "
        "level, every period whose deadline falls in the window. Items disclosed on an event "
        "are left out: nothing says an event happened until it is disclosed.",
        "范围内单位公开期限在窗口期内的应公开事项：按现行目录中适用于该单位层级的每个定期"
        "事项，期限落在窗口期内的每一期计一项。随时公开事项不计（事件是否发生，公开前无从得知）。",
        counts.disclosures_due,
        {},
    ),
    Figure(
        "disclosures_on_time",
        "按时公开事项",
        "Disclosed on time",
        "Of the disclosures due, those whose disclosure (the unit's, for that item and "
        "period) is published and was published (published_on) on or before the deadline.",
        "应公开事项中，该单位该事项该期的公开已公开且审核通过日期（published_on）不晚于期限的。",
        counts.disclosures_on_time,
        {"disclosure": ("catalog_code", "period", "status", "published_on")},
    ),
    Figure(
        "warnings_open",
        "未销号文书",
        "Documents open",
        "Documents (warnings, suggestions, reminder letters, notices) open on the window's "
        "last day: issued on or before it (issued_on) and not closed by then (closed_on).",
        "窗口期最后一天尚未销号的文书（预警、监督建议书、提醒函、通知）：当天或之前下发"
        "（issued_on），且当天仍未销号（closed_on）。",
        counts.documents_open,
        {"warning": ("issued_on", "closed_on")},
    ),
    Figure(
        "warnings_overdue",
        "逾期未反馈文书",
        "Documents overdue",
        "Of the documents open on the window's last day, those past their reply date "
        "(reply_due before that day) while the unit still owed its answer: it had not "
        "reported the work done, or each such report had been returned by then.",
        "窗口期最后一天未销号的文书中，已过反馈期限（reply_due 早于当天）且单位仍未作答的："
        "尚未报告整改完成，或所报完成均已被退回。",
        counts.documents_overdue,
        {"warning": ("id", "issued_on", "closed_on", "reply_due"), "feedback": _REPORTS},
    ),
)

KEYS: tuple[str, ...] = tuple(f.key for f in FIGURES)
_BY_KEY: Mapping[str, Figure] = MappingProxyType({f.key: f for f in FIGURES})


def figure(key: str) -> Figure:
    return _BY_KEY[key]


def reads() -> dict[str, tuple[str, ...]]:
    """The fields the figures read, by kind (``org_code`` and ``id`` too)."""
    out: dict[str, set[str]] = {}
    for fig in FIGURES:
        for kind, names in fig.reads.items():
            out.setdefault(kind, {"id", "org_code"}).update(names)
    return {kind: tuple(sorted(names)) for kind, names in sorted(out.items())}


def compute(facts: Facts, window: Window, scope: Scope) -> dict[str, int]:
    """Every figure, by key, in the declared order."""
    return {f.key: f.count(facts, window, scope) for f in FIGURES}


def markdown() -> str:
    """docs/FIGURES.md: every figure with its labels and its definition (both languages)."""
    lines = [
        "# The district's figures",
        "",
        "Generated from `models/figures.py` (`python -m models.figures > docs/FIGURES.md`);",
        "`tests/models/test_figures.py` fails when this page and the declarations differ.",
        "`sanwu report supervision` prints them, counted over a window of days (both ends",
        "included; default: this year to today) and a scope (the device's, or `--unit`).",
        "",
        "Every figure: deleted records are not counted; a record counts by the day it keeps",
        "of the action counted, and a record without that day is not counted; a record is in",
        "scope by its unit (the unit a document, reminder, clue or disclosure is about). A",
        "document sent to several units is one record per unit, so counted once per unit.",
        "",
    ]
    for fig in FIGURES:
        lines += [
            f"## `{fig.key}`: {fig.label_en} ({fig.label_zh})",
            "",
            fig.definition,
            "",
            fig.definition_zh,
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown())
