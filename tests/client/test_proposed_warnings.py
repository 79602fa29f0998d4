"""A warning the daily pass proposes, confirmed by a supervisor: once, only a proposal,
and one warning everywhere when two supervisors' devices confirm it before syncing
(its id is derived from the reminder's). Central in process (the real app, SQLite
files, httpx), its reminders raised by its own pass."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from central.db import make_engine
from central.reminders import run_pass
from client.cli import main
from client.errors import RuleRefused
from client.labels import refusal_text
from client.store import Store
from models.records import Reminder, SupervisionWarning
from models.rules.refusals import Refusal
from sync.central_api import CentralAPI
from sync.failures import ExitCode
from sync.protocol import Action, Op
from sync.resolution import Choice
from tests.client.test_supervision import DISTRICT, VILLAGE, Central
from tests.stores import open_store

DAY = date(2026, 2, 11)  # January's monthly items were due on 10 February


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    from client.i18n import set_language

    set_language("zh_CN")
    running = Central(tmp_path)
    engine = make_engine(running.db_url)
    try:
        with Session(engine) as session:
            run_pass(session, today=DAY)
            run_pass(session, today=DAY + timedelta(days=10))  # January's proposed
            run_pass(session, today=DAY + timedelta(days=30))  # February's raised
    finally:
        engine.dispose()
    yield running
    running.close()


@pytest.fixture
def supervisors(central: Central) -> Iterator[tuple[Store, Store]]:
    first = central.device("district", DISTRICT, "supervisor")
    second = central.device("district-2", DISTRICT, "supervisor")
    central.sync(first, second)
    yield first, second
    first.close()
    second.close()


def reminders(store: Store, proposal: str) -> list[dict[str, Any]]:
    return [
        r for r in store.list_records("reminder")
        if r["org_code"] == VILLAGE and r["proposal"] == proposal
    ]  # fmt: skip


def central_rows(central: Central, reminder_id: str) -> tuple[list[Any], Any]:
    engine = make_engine(central.db_url)
    try:
        with Session(engine) as session:
            warnings = session.exec(
                select(SupervisionWarning).where(
                    col(SupervisionWarning.reminder_id) == reminder_id,
                    col(SupervisionWarning.deleted).is_(False),
                )
            ).all()
            return list(warnings), session.get(Reminder, reminder_id)
    finally:
        engine.dispose()


@pytest.mark.parametrize("days_apart", [0, 1])
def test_two_supervisors_confirming_one_proposal_offline_make_one_warning(
    central: Central, supervisors: tuple[Store, Store], days_apart: int
) -> None:
    """Confirmed the same day, the two creates are the same and central finds nothing to
    do with the second; a day apart, the issuing day differs and the second device keeps
    that conflict for a person (``Store.central_behind``'s rule: nothing diverges in
    silence), who takes central's: one warning either way."""
    first, second = supervisors
    proposal = reminders(first, "proposed")[0]
    made = first.supervision.confirm_proposal(proposal["id"], today=DAY, issued_by="东河区")
    later = DAY + timedelta(days=days_apart)
    again = second.supervision.confirm_proposal(proposal["id"], today=later, issued_by="东河区")
    assert again == made
    for _round in range(2):
        central.sync(first, second)
    warnings, reminder = central_rows(central, proposal["id"])
    assert [(w.id, w.issued_on) for w in warnings] == [(made, DAY)]
    assert (reminder.proposal, reminder.warning_id) == ("confirmed", made)
    open_conflicts = second.conflicts()
    if days_apart:
        assert {c.field for c in open_conflicts} == {"issued_on", "reply_due"}
        for conflict in open_conflicts:
            second.resolve(conflict.id, Choice.THEIRS)
        central.sync(second, first)
    else:
        assert open_conflicts == []
    assert not first.conflicts() and not second.conflicts()
    for store in (first, second):
        assert [w["id"] for w in store.list_records("warning") if w["reminder_id"]] == [made]
        assert store.get(made)[1]["issued_on"] == DAY.isoformat()
        assert store.get(proposal["id"])[1]["warning_id"] == made
        assert store.status().quarantined == 0, [(q.kind, q.last_error) for q in store.queue()]


def test_a_decided_proposal_and_a_plain_reminder_are_refused_in_the_same_words(
    central: Central, supervisors: tuple[Store, Store]
) -> None:
    first, second = supervisors
    proposal = reminders(first, "proposed")[0]
    plain = reminders(first, "")[0]
    first.supervision.confirm_proposal(proposal["id"], today=DAY, issued_by="东河区")
    cases = [(proposal["id"], "proposal_once"), (plain["id"], "proposal_needed")]
    for reminder_id, rule in cases:
        with pytest.raises(RuleRefused) as refused:
            first.supervision.confirm_proposal(reminder_id, today=DAY, issued_by="东河区")
        assert refused.value.refusal.rule == rule
        with pytest.raises(RuleRefused):
            first.supervision.dismiss_proposal(reminder_id)
    assert len([w for w in first.list_records("warning") if w["reminder_id"]]) == 1
    central.sync(first, second)
    # The second device, bypassing its own check, dismisses both (the confirmed one and the
    # one that proposes nothing).
    identity = second.require_identity()
    api = CentralAPI(
        central.transport, device_id=identity.device_id, private_key=identity.private_key
    )
    for reminder_id, rule in cases:
        held = second.get(reminder_id)[1]
        op = Op(
            op_id=f"op-{rule}",
            kind="reminder",
            record_id=reminder_id,
            action=Action.UPDATE,
            changes={"proposal": (held["proposal"], "dismissed")},
            base_version=held["version"],
            recorded_at="2026-02-11T08:00:00Z",
        )
        (result,) = api.push([op]).results
        assert result.error is not None and result.error.rule == rule
        theirs = Refusal(result.error.rule, result.error.field, result.error.params)
        mine = Refusal(rule, "proposal")
        assert refusal_text("reminder", theirs) == refusal_text("reminder", mine)
    assert len(central_rows(central, proposal["id"])[0]) == 1


def test_the_command_refuses_a_second_confirmation_with_exit_4(
    central: Central,
    supervisors: tuple[Store, Store],
    tmp_path: Path,
    cli_passphrase: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, _second = supervisors
    proposal = reminders(first, "proposed")[0]
    first.close()
    home = str(tmp_path / "district")
    assert main(["--home", home, "reminder", "confirm", proposal["id"]]) == ExitCode.OK
    capsys.readouterr()
    assert main(["--home", home, "reminder", "confirm", proposal["id"]]) == ExitCode.REFUSED
    assert "建议下发的预警一经确认下发或不下发，不能再改。" in capsys.readouterr().err
    with open_store(tmp_path / "district") as store:
        assert len([w for w in store.list_records("warning") if w["reminder_id"]]) == 1
