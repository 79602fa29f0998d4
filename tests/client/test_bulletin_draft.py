"""``sanwu bulletin draft``: a discipline body's device reaching two villages and a
department drafts the findings of October and November 2026 from a store holding one
disclosure published late, three not published, a document unanswered past its date
(and others answered, not yet due or closed) and a department with no duty evidence;
the draft names exactly those three units with those findings, its ``--json`` goes back
through ``issue --draft``, and bad dates are refused naming the flag."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from client.analysis.findings import DRAFT_FIELDS, MAX_LISTED, Found, body_of, draft, gather
from client.cli import main
from client.i18n import set_language
from client.identity import Identity
from client.store import Store
from models.catalog import item_to_record
from models.figure_counts import Window
from models.rules.bulletin_findings import LateDisclosure, UnitFindings
from sync.failures import ExitCode
from sync.signing import new_private_key
from tests.figures_scenario import catalogue, rid
from tests.stores import arrived, open_store

pytestmark = pytest.mark.usefixtures("cli_passphrase")

V1, V2 = "150202101200", "150202101201"  # 黑麻板村, 杨圪塄村
DEPT = "150202900001"
OUTSIDE = "150202100200"  # a village of 河东镇, not reached
BODY = "150202950001"  # the discipline body issuing
SCOPE = f"{BODY},{V1},{V2},{DEPT}"  # its own office too: scored, never named
WINDOW = Window(date(2026, 10, 1), date(2026, 11, 30))
FROM_TO = ["--from", "2026-10-01", "--to", "2026-11-30"]


def published(org_code: str, code: str, period: str, day: str, title: str) -> dict[str, Any]:
    return {
        "org_code": org_code,
        "catalog_code": code,
        "period": period,
        "title": title,
        "content": "内容",
        "status": "published",
        "published_on": day,
    }


def document(org_code: str, title: str, **overrides: Any) -> dict[str, Any]:
    return {
        "org_code": org_code,
        "doc_type": "suggestion",
        "title": title,
        "problems": "财务公开逾期",
        "issued_on": "2026-10-08",
        "reply_due": "2026-11-08",
        "status": "received",
        "doc_no": "",
    } | overrides


def discipline_home(home: Path) -> Store:
    """The discipline body's store: a two-item catalogue (FIN-02 monthly due the 10th,
    VIL-04 quarterly due the 20th), so each village owed FIN-02 2026-09 and 2026-10 and
    VIL-04 2026-Q3 in the window."""
    store = open_store(home)
    store.save_identity(
        Identity(
            device_id="dev-body",
            private_key=new_private_key(),
            server_url="http://127.0.0.1:9",
            org_code=BODY,
            org_name="第一派驻纪检监察组",
            role="supervisor",
            scope=SCOPE,
        )
    )
    for code, item in catalogue().items():
        arrived(store, "catalog_item", {"id": rid(f"item-{code}"), **item_to_record(item, BODY)})
    store.close()
    store = open_store(home)  # opening puts the pulled catalogue in force
    # 黑麻板村: two on time, one late; 杨圪塄村 publishes nothing in time.
    arrived(store, "disclosure", published(V1, "FIN-02", "2026-09", "2026-10-09", "九月财务公开"))
    arrived(store, "disclosure", published(V1, "VIL-04", "2026-Q3", "2026-10-20", "三季度村务"))
    late = published(V1, "FIN-02", "2026-10", "2026-11-15", "十月财务收支公开")
    arrived(store, "disclosure", late)
    arrived(store, "disclosure", published(V2, "FIN-02", "2026-10", "2026-12-01", "十月财务迟发"))
    # Documents: one unanswered past its date; one answered; one due after the window;
    # one closed; one to a village outside.
    numbered = document(V1, "关于规范三务公开的监督建议书", doc_no="东纪建〔2026〕3号")
    arrived(store, "warning", numbered)
    answered = arrived(store, "warning", document(V2, "已报告整改的提醒函"))
    arrived(
        store,
        "feedback",
        {
            "org_code": V2,
            "warning_id": answered,
            "content": "已整改",
            "completed": True,
            "reported_on": "2026-11-05",
        },
    )
    arrived(store, "warning", document(V2, "尚未到期的通知", reply_due="2026-12-10"))
    closed = document(V1, "已销号的建议书", status="closed", closed_on="2026-11-01")
    arrived(store, "warning", closed)
    arrived(store, "warning", document(OUTSIDE, "外镇的建议书"))
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = discipline_home(tmp_path / "home")
    yield opened
    opened.close()
    set_language(None)


def test_the_findings_name_exactly_the_units_with_problems(store: Store) -> None:
    found = gather(store.engine, WINDOW, scope=SCOPE, issuer=BODY)
    assert [unit.org_code for unit in found.units] == [V1, V2, DEPT]
    v1, v2, dept = found.units
    assert [(f.item, f.period, f.published_on) for f in v1.late] == [
        ("FIN-02", "2026-10", "2026-11-15")
    ]
    assert [found.titles[f.record_id][0] for f in v1.unanswered] == ["关于规范三务公开的监督建议书"]
    assert v1.low_score is None
    assert sorted((f.item, f.period, f.published_on) for f in v2.late) == [
        ("FIN-02", "2026-09", ""),
        ("FIN-02", "2026-10", ""),  # published after the window: not by its last day
        ("VIL-04", "2026-Q3", ""),
    ]
    assert v2.unanswered == () and v2.low_score is None
    assert dept.late == () and dept.unanswered == ()
    assert dept.low_score is not None and dept.low_score.score == 0 < dept.low_score.due
    # Below 0% of the points due nothing is low: the department has no finding left.
    none_low = gather(store.engine, WINDOW, scope=SCOPE, issuer=BODY, share=Decimal(0))
    assert [unit.org_code for unit in none_low.units] == [V1, V2]
    # The issuing office is scored too (its own code is in its scope) but never named.
    unnamed = gather(store.engine, WINDOW, scope=SCOPE, issuer="")
    assert [unit.org_code for unit in unnamed.units] == [V1, V2, DEPT, BODY]


def test_the_text_cites_titles_per_unit(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(store.home), "bulletin", "draft", *FROM_TO]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "关于2026-10-01至2026-11-30三务公开监督检查情况的通报" in out
    one, two, three = out.index("一、黑麻板村"), out.index("二、杨圪塄村"), out.index("三、")
    assert one < two < three
    first = out[one:two]
    assert "逾期公开：十月财务收支公开（2026-10，应于2026-11-10前公开，2026-11-15公开）" in first
    assert "关于规范三务公开的监督建议书（东纪建〔2026〕3号，应于2026-11-08前回复）" in first
    assert "已报告整改" not in out and "尚未到期" not in out and "已销号" not in out
    assert "外镇" not in out and "河东镇" not in out
    assert "十月财务迟发（2026-10，应于2026-11-10前公开）" in out[two:three]  # its own title
    assert "履职得分偏低" in out[three:]


def test_the_json_draft_goes_back_through_issue(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = str(store.home)
    assert main(["--home", home, "bulletin", "draft", *FROM_TO, "--json"]) == ExitCode.OK
    written = json.loads(capsys.readouterr().out)
    assert tuple(written) == DRAFT_FIELDS
    assert written["named_units"] == [V1, V2, DEPT]
    assert written == draft(gather(store.engine, WINDOW, scope=SCOPE, issuer=BODY))
    written["title"] = "关于十、十一月三务公开情况的通报"  # edited
    written["doc_no"] = "纪通〔2026〕2号"
    path = tmp_path / "d.json"
    path.write_text(json.dumps(written, ensure_ascii=False), encoding="utf-8")
    assert main(["--home", home, "bulletin", "issue", "--draft", str(path)]) == ExitCode.OK
    record_id = capsys.readouterr().out.strip()
    issued = store.get(record_id)[1]
    assert issued["title"] == "关于十、十一月三务公开情况的通报"
    assert issued["doc_no"] == "纪通〔2026〕2号"
    assert issued["named_units"] == [V1, V2, DEPT] and issued["org_code"] == BODY
    assert issued["body"] == written["body"]
    assert str(issued["period_from"]) == "2026-10-01" and str(issued["period_to"]) == "2026-11-30"


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--to", "2026-11-30"], "--from："),
        (["--from", "2026-10-01", "--to", "2026-13-01"], "--to："),
        (["--from", "2026-12-01", "--to", "2026-11-30"], "--from 2026-12-01 晚于 --to 2026-11-30"),
        ([*FROM_TO, "--below", "120"], "--below："),
    ],
)
def test_bad_flags_are_named(
    store: Store, capsys: pytest.CaptureFixture[str], flags: list[str], words: str
) -> None:
    assert main(["--home", str(store.home), "bulletin", "draft", *flags]) == ExitCode.USAGE
    assert words in capsys.readouterr().err


def test_a_long_draft_lists_fewer_findings_but_names_every_unit() -> None:
    set_language("zh_CN")
    codes = [f"15029910{n:04d}" for n in range(400)]
    units = tuple(
        UnitFindings(
            code,
            tuple(
                LateDisclosure(code, "FIN-02", f"2025-{m:02d}", "2026-01-10") for m in range(1, 13)
            ),
        )
        for code in codes
    )
    body = body_of(Found(WINDOW, units, {}))
    assert len(body) <= 50000
    assert all(code in body for code in codes)  # unknown codes are named by their code
    assert "……另有" in body
    few = body_of(Found(WINDOW, units[:2], {}))
    assert few.count("逾期未公开") == 2 * MAX_LISTED and "……另有2项" in few
