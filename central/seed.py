"""Reference data and demo records, both idempotent.

Demo records go through ``central.push.push`` like any device's ops, made by
the pseudo device ``central-demo`` with fixed op and record ids: a second
run is answered from the stored op results and changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from central.clock import utcnow
from central.errors import CentralError
from central.push import push
from central.tables import Device, OrgUnitRow
from models import orgs
from models.catalog import deadline_for, load_catalog, period_for
from models.kinds import timestamp_to_wire
from sync.protocol import Action, Op, OpStatus, Role

DEMO_DEVICE_ID = "central-demo"
DEMO_VILLAGE = "150202101200"  # 黑麻板村
DEMO_TOWN = "150202101000"  # 沙尔沁镇
DEMO_DISCIPLINE_BODY = "150202950001"
DEMO_DISTRICT = "150202000000"
DEMO_BODY_UNITS = ("150202900001", "150202900002", "150202900003")
"""The departments the demo's discipline body supervises (一体化监督)."""
_NAMESPACE = uuid.UUID("6f1c1f0e-3d4b-4c1e-9a59-5a4e77d0a001")


def load_org_units(session: Session) -> int:
    """Upsert the Donghe tree from ``models.orgs``; returns how many units it holds. Commits."""
    units = orgs.load_org_units()
    for unit in units:
        row = session.get(OrgUnitRow, unit.code)
        if row is None:
            session.add(
                OrgUnitRow(
                    code=unit.code,
                    name=unit.name,
                    level=unit.level,
                    parent=unit.parent,
                    demo=unit.demo,
                )
            )
        else:
            row.name, row.level, row.parent, row.demo = (
                unit.name,
                unit.level,
                unit.parent,
                unit.demo,
            )
    session.commit()
    return len(units)


def _id(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, name))


def gb11643(first17: str) -> str:
    """A resident ID number with its check character (GB 11643, ISO 7064 MOD 11-2)."""
    checksum = (1 - 2 * int(first17, 13)) % 11
    return first17 + ("X" if checksum == 10 else str(checksum))


def _demo_device() -> Device:
    return Device(
        id=DEMO_DEVICE_ID,
        public_key="",
        org_code="150202000000",
        role=Role.SUPERVISOR.value,
        scope="150202",
        name="demo data (not a real device)",
        enrolled_at=utcnow(),
    )


def _create(name: str, kind: str, fields: dict[str, Any], recorded_at: str) -> Op:
    return Op(
        op_id=_id(f"op:{name}"),
        kind=kind,
        record_id=_id(f"record:{name}"),
        action=Action.CREATE,
        changes={field: (None, value) for field, value in fields.items()},
        recorded_at=recorded_at,
    )


def demo_ops(today: date, recorded_at: str) -> list[Op]:
    """The demo records for 黑麻板村 and 沙尔沁镇, dated relative to ``today``."""
    catalog = load_catalog()
    last_month = today.replace(day=1) - timedelta(days=1)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter = quarter_start - timedelta(days=1)
    last_year = date(today.year - 1, 6, 30)

    def period(code: str, when: date) -> str:
        return period_for(catalog[code].period, when)

    def published_on(code: str, when: date, *, late: bool) -> date:
        """A plausible publishing day: two days before the deadline (on time), or six
        days after it when ``late`` and the deadline has passed; never after yesterday."""
        deadline = deadline_for(catalog[code], period(code, when))
        yesterday = today - timedelta(days=1)
        if late and deadline < yesterday:
            return min(deadline + timedelta(days=6), yesterday)
        return min(deadline - timedelta(days=2), yesterday)

    def disclosure(
        code: str,
        when: date,
        title: str,
        content: str,
        *,
        status: str = "published",
        late: bool = False,
    ) -> dict[str, Any]:
        published = status == "published"
        day = published_on(code, when, late=late).isoformat() if published else None
        return {
            "org_code": DEMO_VILLAGE,
            "catalog_code": code,
            "period": period(code, when),
            "title": title,
            "content": content,
            "channels": ["board", "wechat"] if published else [],
            "disclosed_on": day,
            "published_on": day,
            "responsible": "王建国",
            "reviewer": "李秀英" if published else "",
            "review_opinion": "经村务监督委员会审核，同意公开。" if published else "",
            "status": status,
        }

    demo_disclosures = [  # (name, catalogue item, a day in the period, title, content, status)
        (
            "disclosure:fin-01",
            "FIN-01",
            last_month,
            "财务计划公开",
            "本月财务收支计划见公开栏附表。",
            "published",
        ),
        (
            "disclosure:fin-02",
            "FIN-02",
            last_month,
            "各项收入公开",
            "集体土地承包费收入 42,600.00 元。",
            "published",
        ),
        (
            "disclosure:fin-03",
            "FIN-03",
            last_month,
            "各项支出公开",
            "村部取暖费、办公费支出明细。",
            "published",
        ),
        (
            "disclosure:fin-02-draft",
            "FIN-02",
            today,
            "各项收入公开（本月）",
            "待民主理财小组审核。",
            "draft",
        ),
        (
            "disclosure:pty-02",
            "PTY-02",
            last_quarter,
            "党费收缴情况",
            "本季度应缴党员 36 名，均已足额缴纳。",
            "published",
        ),
        (
            "disclosure:pty-04",
            "PTY-04",
            last_quarter,
            "“三会一课”开展情况",
            "召开支部党员大会 1 次、支委会 3 次。",
            "published",
        ),
        (
            "disclosure:gov-01",
            "GOV-01",
            last_quarter,
            "低保评定结果公示",
            "新纳入低保 2 户，退出 1 户。",
            "published",
        ),
        (
            "disclosure:gov-03",
            "GOV-03",
            last_quarter,
            "耕地地力保护补贴发放公示",
            "发放明细见附表。",
            "published",
        ),
        (
            "disclosure:vil-04",
            "VIL-04",
            last_quarter,
            "集体土地流转情况",
            "流转耕地 320 亩，合同期五年。",
            "published",
        ),
        (
            "disclosure:vil-07",
            "VIL-07",
            last_year,
            "村干部报酬公开",
            "村“两委”成员年度报酬标准。",
            "published",
        ),
    ]
    published_late = {"disclosure:pty-04", "disclosure:vil-07"}
    """Most went up by their deadline (the figures' on-time count); these a few days late."""
    ops = [
        _create(
            name,
            "disclosure",
            disclosure(code, when, title, content, status=status, late=name in published_late),
            recorded_at,
        )
        for name, code, when, title, content, status in demo_disclosures
    ]
    warnings = [
        (
            "warning:overdue",
            "reminder_letter",
            "关于财务公开逾期的提醒函",
            "上月“各项收入”公开未按期完成\n公开栏照片缺失",
            today - timedelta(days=20),
            today - timedelta(days=3),
            "verifying",
        ),
        (
            "warning:suggestion",
            "suggestion",
            "关于规范惠农补贴公示的监督建议书",
            "补贴发放公示未列明补贴标准\n补贴发放公示未列明补贴面积，存在“半公开”问题",
            today - timedelta(days=5),
            today + timedelta(days=10),
            "issued",
        ),
        (
            "warning:photo",
            "warning",
            "公开栏照片缺失预警",
            "“三会一课”开展情况公开未上传公开栏照片。",
            today - timedelta(days=1),
            today + timedelta(days=7),
            "issued",
        ),
    ]
    for name, doc_type, title, problems, issued, due, status in warnings:
        ops.append(
            _create(
                name,
                "warning",
                {
                    "org_code": DEMO_VILLAGE,
                    "issued_by": DEMO_DISCIPLINE_BODY,
                    "doc_type": doc_type,
                    "title": title,
                    "problems": problems,
                    "issued_on": issued.isoformat(),
                    "reply_due": due.isoformat(),
                    "status": status,
                    "received_on": None
                    if status == "issued"
                    else (issued + timedelta(days=1)).isoformat(),
                },
                recorded_at,
            )
        )
    ops.append(
        _create(
            "feedback:overdue",
            "feedback",
            {
                "org_code": DEMO_VILLAGE,
                "warning_id": _id("record:warning:overdue"),
                "reported_on": (today - timedelta(days=2)).isoformat(),
                "progress": "已补充公开上月各项收入，公开栏照片已上传。",
                "completed": True,
                "rectified": ["1", "2"],
            },
            recorded_at,
        )
    )
    project_id = _id("record:subsidy:project")
    ops.append(
        _create(
            "subsidy:project",
            "subsidy_project",
            {
                "org_code": DEMO_VILLAGE,
                "category": "agriculture",
                "name": f"{today.year}年耕地地力保护补贴",
                "policy_basis": "内蒙古自治区耕地地力保护补贴实施方案",
                "fund_batch": f"东财农〔{today.year}〕12号",
                "total_fen": 45_838_00,
                "stage": "disbursement",
                "planned_on": (today - timedelta(days=60)).isoformat(),
                "allocated_on": (today - timedelta(days=40)).isoformat(),
                "reviewed_on": (today - timedelta(days=25)).isoformat(),
                "disbursed_on": (today - timedelta(days=10)).isoformat(),
            },
            recorded_at,
        )
    )
    standard = 95_30  # fen per mu
    lines = [
        # Birth date + sequence; the area is Donghe (150202), the check character computed.
        ("张桂兰", "19560312031", "120"),
        ("刘志强", "19680725101", "85.5"),
        ("赵春梅", "19720108222", "132"),
        ("孙福海", "19491123031", "143.5"),
    ]
    for index, (name, tail, quantity) in enumerate(lines, start=1):
        amount = (standard * int(float(quantity) * 10)) // 10
        ops.append(
            _create(
                f"subsidy:payment:{index}",
                "subsidy_payment",
                {
                    "org_code": DEMO_VILLAGE,
                    "project_id": project_id,
                    "recipient_name": name,
                    "id_number": gb11643("150202" + tail),
                    "standard": standard,
                    "quantity": quantity,
                    "unit": "mu",
                    "amount_fen": amount,
                    "paid_on": (today - timedelta(days=10)).isoformat(),
                    "method": "one_card",
                    "account": f"62170000{index:04d}5678",
                },
                recorded_at,
            )
        )
    evidence = [
        ("duty:zt-001", "ZT-001", 40, "村党支部制定年度党风廉政建设工作计划，经支委会讨论通过。"),
        ("duty:zt-002", "ZT-002", 35, "召开全体党员大会部署年度党风廉政建设工作，会议纪要存档。"),
    ]
    for name, indicator, days_ago, description in evidence:
        ops.append(
            _create(
                name,
                "duty_evidence",
                {
                    "org_code": DEMO_VILLAGE,
                    "indicator_code": indicator,
                    "occurred_on": (today - timedelta(days=days_ago)).isoformat(),
                    "description": description,
                },
                recorded_at,
            )
        )
    ops.append(
        _create(
            "disclosure:town-gov-07",
            "disclosure",
            disclosure("GOV-07", last_year, "惠民惠农政策汇编", "沙尔沁镇惠民惠农政策清单。")
            | {"org_code": DEMO_TOWN},
            recorded_at,
        )
    )
    return ops


def load_demo(session: Session, *, now: datetime | None = None) -> int:
    """Create the demo records (idempotent); returns how many were new. Commits."""
    now = now or utcnow()
    ops = demo_ops(now.date(), timestamp_to_wire(now) or "")
    # The demo shows warnings mid-way through their steps: written as they stand.
    results = push(session, device=_demo_device(), ops=ops, now=now, rules=False)
    refused = [result for result in results if result.status is OpStatus.REJECTED]
    if refused:
        error = refused[0].error
        detail = f"{error.field}: {error.message}" if error else "rejected"
        raise CentralError("demo_invalid", f"demo record {refused[0].op_id} refused: {detail}")
    return sum(1 for result in results if result.seq and result.version == 1)
