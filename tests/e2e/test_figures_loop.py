"""The district's figures end to end: central as a process, a village clerk, the town's
staff and a district supervisor, each a ``sanwu`` home driven by the command line, and
the supervisor's ``sanwu report supervision --json`` over what they did.

The clerk submits this month's income disclosure (FIN-02); the town returns it with an
opinion; the clerk submits it again and the town approves it, before its deadline. The
supervisor issues a suggestion with two problems (the village signs, reports both
rectified and the work done; the supervisor accepts) and a notice delivered on paper
that nobody answers by its reply date, circulates a bulletin naming the village, and
takes in a clue about it that ends in a case filed with one person disciplined. The
report over the village, from today to the disclosure's deadline, counts each of these.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from models.catalog import deadline_for, packaged_catalog, period_for
from tests.e2e.conftest import (
    DISTRICT,
    PY,
    TOWN,
    Central,
    Client,
    enroll_all,
    run_cmd,
    run_many,
    village,
)
from tests.figures_scenario import periods_due

VILLAGE = village(222)


@pytest.fixture
def sides(tmp_path: Path) -> Iterator[tuple[Client, Client, Client]]:
    """Its own central (nothing else's records in the figures) and three enrolled homes."""
    central = Central(tmp_path / "central")
    run_cmd([PY, "-m", "central", "init", "--db", central.db_url], timeout=120)
    central.start()
    try:
        clients = (
            Client(tmp_path / "village", VILLAGE, "clerk"),
            Client(tmp_path / "town", TOWN, "town"),
            Client(tmp_path / "supervisor", DISTRICT, "supervisor"),
        )
        for client in clients:
            client.home.mkdir()
        enroll_all(central, list(clients))
        yield clients
    finally:
        central.stop()


def sync(*clients: Client) -> None:
    """One round each, at once."""
    for proc in run_many([c.cmd("sync") for c in clients], timeout=120):
        assert proc.returncode == 0, proc.stdout + proc.stderr


def relay(sender: Client, *receivers: Client) -> None:
    """What ``sender`` did reaches central, then ``receivers``."""
    sync(sender)
    sync(*receivers)


def test_the_figures_of_a_review_a_loop_a_bulletin_and_a_clue(
    sides: tuple[Client, Client, Client],
) -> None:
    clerk, town, supervisor = sides
    today = date.today()
    item = packaged_catalog()["FIN-02"]
    period = period_for(item.period, today)
    deadline = deadline_for(item, period)  # the 10th of next month: after today
    village_items = {c: i for c, i in packaged_catalog().items() if "village" in i.applies_to}

    # The disclosure: submitted, returned with an opinion, submitted again, approved.
    disclosure = clerk.add(
        "disclosure",
        {"catalog_code": "FIN-02", "period": period, "title": "本月各项收入公开",
         "content": "集体土地承包费收入 42,600.00 元。", "channels": ["board"]},
    )  # fmt: skip
    clerk.run("disclosure", "submit", disclosure)
    relay(clerk, town)
    town.run("disclosure", "return", disclosure, "--reason", "请补充公开栏照片")
    relay(town, clerk)
    clerk.run("disclosure", "submit", disclosure)
    relay(clerk, town)
    town.run("disclosure", "approve", disclosure)

    # A suggestion answered and accepted; a notice on paper left unanswered.
    tomorrow = (today + timedelta(days=1)).isoformat()
    issue = ["warning", "issue", "--unit", VILLAGE, "--reply-due", tomorrow]
    (suggestion,) = supervisor.run(
        *issue, "--type", "suggestion", "--title", "关于规范财务公开的监督建议书",
        "--problem", "未附公开栏照片", "--problem", "缺少监委会意见",
    ).stdout.split()  # fmt: skip
    supervisor.run(
        *issue, "--type", "notice", "--paper", "--title", "关于按时公开的通知",
        "--problem", "上月公开逾期",
    )  # fmt: skip
    bulletin: dict[str, Any] = {
        "org_code": DISTRICT, "title": "关于三务公开情况的通报", "body": "点名通报。",
        "period_from": today.replace(day=1).isoformat(), "period_to": today.isoformat(),
        "issued_on": today.isoformat(), "named_units": [VILLAGE],
    }  # fmt: skip
    supervisor.add("bulletin", bulletin)
    relay(supervisor, clerk)
    clerk.run("warning", "sign", suggestion)
    clerk.run(
        "warning", "feedback", suggestion, "--progress", "已补照片和监委会意见",
        "--rectified", "1", "2", "--completed",
    )  # fmt: skip
    relay(clerk, supervisor)
    supervisor.run("warning", "accept", suggestion, "--note", "整改到位")

    # A clue about the village: 立案, one person disciplined.
    (clue,) = supervisor.run(
        "clue", "add", "--unit", VILLAGE, "--source", "hotline", "--problem", "fake",
        "--description", "财务公开数字与账目不符",
    ).stdout.split()  # fmt: skip
    supervisor.run("clue", "outcome", clue, "--outcome", "case_filed", "--people", "1")
    sync(town, clerk, supervisor)  # every step is on central
    sync(town, clerk, supervisor)  # and on every device

    window = ["--from", today.isoformat(), "--to", deadline.isoformat(), "--unit", VILLAGE]
    figures = supervisor.json("report", "supervision", *window, "--json")
    assert figures == {
        # the review (its latest step: approved), two documents, a verdict, a bulletin,
        # a clue concluded
        "online_supervisions": 1 + 2 + 1 + 1 + 1,
        "suggestions_sent": 1,
        "feedback_completed": 1,
        "problems_rectified": 2,
        "reminders_online": 0,
        "reminders_sms": 0,
        "reminder_notices_offline": 1,
        "bulletins": 1,
        "units_named": 1,
        "clues_received": 1,
        "cases_filed": 1,
        "people_disciplined": 1,
        "disclosures_due": len(periods_due(village_items, today, deadline)),
        "disclosures_on_time": 1,
        "warnings_open": 1,
        "warnings_overdue": 1,
    }
    # The town holds the same documents, reviews and bulletin (clues are the district's).
    seen = town.json("report", "supervision", *window, "--json")
    same = {k for k in figures if not k.startswith(("clues", "cases", "people", "online"))}
    assert {k: seen[k] for k in same} == {k: figures[k] for k in same}
