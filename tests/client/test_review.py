"""A disclosure's review at the devices' ends, against central in process (the real app,
real SQLite files, httpx): a village clerk submits, its town returns it with an
opinion the clerk reads, the clerk corrects and submits again, the town publishes; a
clerk's old ledger marked published waits for the town; what the device refuses,
central refuses in the same words; and the command line does the same (exit 4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from client import queries
from client.cli import main as cli_main
from client.errors import RuleRefused
from client.labels import refusal_text
from client.legacy.importer import import_file
from client.store import Store
from models.rules.disclosures import Step
from tests.client.conftest import disclosure
from tests.client.test_supervision import Central, central  # noqa: F401  (fixture)

VILLAGE = "150202101200"
TOWN = "150202101000"
TODAY = date(2026, 11, 5)


@pytest.fixture
def village_and_town(central: Central) -> Iterator[tuple[Store, Store]]:  # noqa: F811
    clerk = central.device("village", VILLAGE, "clerk")
    town = central.device("town", TOWN, "town")
    yield clerk, town
    clerk.close()
    town.close()


def test_submit_return_correct_and_publish(
    central: Central,  # noqa: F811
    village_and_town: tuple[Store, Store],
) -> None:
    clerk, town = village_and_town
    record_id = clerk.add("disclosure", disclosure())
    with pytest.raises(RuleRefused) as refused:
        clerk.review.step(record_id, Step.APPROVE, today=TODAY)
    assert refusal_text("disclosure", refused.value.refusal) == (
        "只有审核层级可以审核公开（村、社区的公开由镇审核）。"
    )
    clerk.review.step(record_id, Step.SUBMIT, today=TODAY)
    central.sync(clerk, town)

    waiting = queries.waiting_reviews(town.engine, "150202101")
    assert [row["id"] for row in waiting] == [record_id]
    assert town.review.reviews(VILLAGE) and not clerk.review.reviews(VILLAGE)
    town.review.step(record_id, Step.RETURN, today=TODAY, reason="收入合计与附表不符")
    central.sync(town, clerk)

    returned = clerk.get(record_id)[1]
    assert (returned["status"], returned["return_reason"]) == ("returned", "收入合计与附表不符")
    assert [row["id"] for row in queries.returned_disclosures(clerk.engine, VILLAGE)] == [record_id]
    clerk.edit(record_id, {"content": "本月收入合计1250元，明细见附表。"})
    clerk.review.step(record_id, Step.SUBMIT, today=TODAY)
    central.sync(clerk, town)
    town.review.step(record_id, Step.APPROVE, today=TODAY)
    central.sync(town, clerk)

    published = clerk.get(record_id)[1]
    assert published["status"] == "published"
    assert published["published_on"] == TODAY.isoformat()
    assert town.identity is not None
    assert published["reviewed_by"] == town.identity.org_name
    assert published["content"] == "本月收入合计1250元，明细见附表。"
    assert town.get(record_id)[1] == published | {"version": town.get(record_id)[1]["version"]}
    with pytest.raises(RuleRefused) as fixed:
        clerk.edit(record_id, {"title": "改个标题"})
    assert fixed.value.refusal.rule == "disclosure_fixed"


def test_a_clerks_old_ledger_waits_for_the_town(
    central: Central,  # noqa: F811
    village_and_town: tuple[Store, Store],
    tmp_path: Path,
) -> None:
    clerk, town = village_and_town
    ledger = tmp_path / "公开台账.csv"
    ledger.write_text(
        "事项,期间,标题,状态,公开时间\n"
        "FIN-01,2025-01,一月财务收支,已公开,2025-02-08\n"
        "FIN-01,2025-02,二月财务收支,已公开,2025-03-07\n"
        "FIN-01,2025-03,三月财务收支,草稿,\n",
        encoding="utf-8",
    )
    report = import_file(clerk, ledger, "disclosure")
    assert (report.created, report.rejected) == (3, 0)
    statuses = sorted(r["status"] for r in clerk.list_records("disclosure"))
    assert statuses == ["draft", "submitted", "submitted"]
    central.sync(clerk, town)
    waiting = [row["id"] for row in queries.waiting_reviews(town.engine, "150202101")]
    assert len(waiting) == 2
    town.review.steps(waiting, Step.APPROVE, today=TODAY)
    central.sync(town, clerk)
    assert sorted(r["status"] for r in clerk.list_records("disclosure")) == [
        "draft",
        "published",
        "published",
    ]
    # Nothing the clerk's device wrote was refused by central.
    assert clerk.status().quarantined == 0

    # The town imports a village's ledger as it is: it is the reviewing level.
    other = tmp_path / "杨圪塄村.csv"
    other.write_text(
        "单位编码,事项,期间,标题,状态\n150202101201,FIN-01,2025-01,一月财务收支,已公开\n",
        encoding="utf-8",
    )
    assert import_file(town, other, "disclosure").created == 1
    theirs = [r for r in town.list_records("disclosure") if r["org_code"] == "150202101201"]
    assert [r["status"] for r in theirs] == ["published"]


def test_the_command_line_refuses_in_the_same_words(
    village_and_town: tuple[Store, Store],
    cli_passphrase: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clerk, _town = village_and_town
    record_id = clerk.add("disclosure", disclosure())
    home = str(clerk.home)
    assert cli_main(["--home", home, "disclosure", "approve", record_id]) == 4
    assert "只有审核层级可以审核公开" in capsys.readouterr().err
    assert cli_main(["--home", home, "disclosure", "submit", record_id]) == 0
    assert capsys.readouterr().out == f"{record_id}: 待审核\n"
    assert cli_main(["--home", home, "disclosure", "waiting", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"  # a clerk reviews nothing


def test_a_note_on_submit_and_approve_is_kept_in_the_history(
    central: Central,  # noqa: F811
    village_and_town: tuple[Store, Store],
    cli_passphrase: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--reason`` on submit and approve is optional: a note each record's history keeps
    (the step's own entry, then the note's); on return it stays required."""
    clerk, town = village_and_town
    record_id = clerk.add("disclosure", disclosure())
    clerk_home, town_home = ["--home", str(clerk.home)], ["--home", str(town.home)]
    submit = [*clerk_home, "disclosure", "submit", record_id, "--reason", " 已补收支明细 "]
    assert cli_main(submit) == 0
    central.sync(clerk, town)
    capsys.readouterr()
    assert cli_main([*town_home, "disclosure", "return", record_id, "--reason", "  "]) != 0
    assert "--reason" in capsys.readouterr().err
    assert town.get(record_id)[1]["status"] == "submitted"  # nothing half-written
    assert cli_main([*town_home, "disclosure", "approve", record_id, "--reason", "同意公开"]) == 0
    assert capsys.readouterr().out == f"{record_id}: 已公开\n"
    assert cli_main([*town_home, "disclosure", "withdraw", record_id]) == 0  # no note: none kept

    def kept(store: Store) -> list[tuple[str, object]]:
        return [(e.action, e.changes) for e in queries.history(store.engine, record_id)]

    on_clerk, on_town = kept(clerk), kept(town)
    assert [a for a, _c in on_clerk] == ["create", "update", "note"]
    assert on_clerk[-1] == ("note", {"note": ["", "已补收支明细"]})
    assert [a for a, _c in on_town] == ["update", "note", "update"]
    assert on_town[1] == ("note", {"note": ["", "同意公开"]})
    assert on_town[0][1]["status"] == ["submitted", "published"]
