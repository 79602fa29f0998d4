"""Every refusal the supervision rules declare (``models.rules.warnings``, ``clues`` and
``reminders``), refused by the device before it saves AND by central when the same change
reaches it from a device that skipped its own check, in the same Chinese sentence.

The rules are read from the rule modules themselves (every rule code they name), so a
rule added without a case here fails ``test_every_rule_has_a_case``. Real stores,
central in process (the app, SQLite files, httpx)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from client.errors import RuleRefused, ValidationFailed
from client.labels import refusal_text
from client.store import Store
from client.store.device import Device
from client.store.records import Records
from models.rules import clues, reminders, warnings
from models.rules.refusals import RULES
from models.rules.warnings import Step
from tests.client.test_supervision import DISTRICT, VILLAGE, Central

TODAY = date(2026, 12, 5)
OTHER_VILLAGE = "150202101201"
RULE_MODULES = (warnings, clues, reminders)


def declared_rules() -> set[str]:
    """Every rule code the three rule modules name (a refusal's first argument, or a
    code a table of theirs maps to)."""
    named: set[str] = set()
    for module in RULE_MODULES:
        source = inspect.getsource(module)
        named |= {code for code in re.findall(r'"([a-z_]+)"', source) if code in RULES}
    return named


Change = Callable[[Store], object]
"""The change a device makes (an add, an edit, a delete of a record)."""


@dataclass
class Loop:
    """Central, a district supervisor's device and the village's, on one warning."""

    central: Central
    supervisor: Store
    clerk: Store

    def sync(self) -> None:
        for _round in range(2):
            self.central.sync(self.supervisor, self.clerk)

    def issue(self) -> str:
        (warning_id,) = self.supervisor.supervision.issue(
            [VILLAGE],
            {
                "doc_type": "suggestion",
                "title": "关于规范三务公开的监督建议书",
                "problems": "财务公开逾期\n未上传公开栏照片",
                "reply_due": "2026-12-20",
            },
            today=TODAY,
        )
        self.sync()
        return warning_id

    def step(self, warning_id: str, step: Step, **report: Any) -> str | None:
        store = self.clerk if step in (Step.SIGN, Step.REPORT, Step.COMPLETE) else self.supervisor
        done = store.supervision.step(warning_id, step, today=TODAY, note="照片不清楚", **report)
        self.sync()
        return done.feedback_id

    def signed(self) -> str:
        warning_id = self.issue()
        self.step(warning_id, Step.SIGN)
        return warning_id

    def verifying(self) -> tuple[str, str]:
        """A warning waiting for its verdict, and the report it waits on."""
        warning_id = self.signed()
        feedback_id = self.step(warning_id, Step.COMPLETE, progress="已整改", rectified=["1"])
        assert feedback_id is not None
        return warning_id, feedback_id

    def clue(self) -> str:
        clue_id = self.supervisor.add(
            "clue",
            {
                "org_code": VILLAGE,
                "source": "letter",
                "problem": "not_disclosed",
                "description": "村务公开栏三个月未更新",
                "received_on": "2026-12-01",
            },
        )
        self.sync()
        return clue_id

    def reminder(self, proposal: str) -> str:
        reminder_id = self.supervisor.add(
            "reminder",
            {
                "org_code": VILLAGE,
                "subject": "catalog_item",
                "subject_code": "FIN-01",
                "period": "2026-10" if proposal else "2026-09",
                "title": "财务收支情况逾期未公开",
                "raised_on": "2026-11-11",
                "step": "proposed" if proposal else "online",
                "proposal": proposal,
            },
        )
        self.sync()
        return reminder_id


def _feedback(warning_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "warning_id": warning_id,
        "org_code": VILLAGE,
        "reported_on": TODAY.isoformat(),
        "progress": "进展",
        **fields,
    }


# Each case: the rule it shows, and the device and change that break it (set up on ``loop``).
Case = Callable[[Loop], tuple[Store, str, Change]]


def supervisor_only(loop: Loop) -> tuple[Store, str, Change]:
    fields = {"doc_type": "warning", "title": "自己下发", "reply_due": "2026-12-20"}
    return loop.clerk, "warning", lambda s: s.add("warning", fields)


def unit_only(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.issue()
    signing = {"status": "received", "received_on": TODAY.isoformat()}
    return loop.supervisor, "warning", lambda s: s.edit(warning_id, signing)


def bad_step(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.issue()  # reported on before it is signed for
    return loop.clerk, "warning", lambda s: s.edit(warning_id, {"status": "rectifying"})


def closed(loop: Loop) -> tuple[Store, str, Change]:
    warning_id, _report = loop.verifying()
    loop.step(warning_id, Step.ACCEPT)
    return loop.clerk, "warning", lambda s: s.edit(warning_id, {"received_on": "2026-12-04"})


def not_yours(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.issue()
    return loop.clerk, "warning", lambda s: s.edit(warning_id, {"title": "改过的标题"})


def fixed_after_issue(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.signed()
    return loop.supervisor, "warning", lambda s: s.edit(warning_id, {"problems": "只有一项"})


def verify_needs_report(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.signed()
    return loop.clerk, "warning", lambda s: s.edit(warning_id, {"status": "verifying"})


def close_needs_verdict(loop: Loop) -> tuple[Store, str, Change]:
    warning_id, _report = loop.verifying()
    closing = {"status": "closed", "closed_on": TODAY.isoformat()}
    return loop.supervisor, "warning", lambda s: s.edit(warning_id, closing)


def judged(loop: Loop) -> tuple[Store, str, Change]:
    warning_id, report = loop.verifying()
    loop.step(warning_id, Step.RETURN)
    return loop.clerk, "feedback", lambda s: s.edit(report, {"progress": "改口"})


def no_feedback_now(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.issue()  # not signed for yet
    return loop.clerk, "feedback", lambda s: s.add("feedback", _feedback(warning_id))


def verdict_when_verifying(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.signed()
    report = loop.step(warning_id, Step.REPORT, progress="进行中")
    assert report is not None
    return loop.supervisor, "feedback", lambda s: s.edit(report, {"verdict": "accepted"})


def verdict_once(loop: Loop) -> tuple[Store, str, Change]:
    warning_id, report = loop.verifying()
    loop.step(warning_id, Step.RETURN)
    return loop.supervisor, "feedback", lambda s: s.edit(report, {"verdict_note": "改判"})


def verdict_needs_completed(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.signed()
    progress = loop.step(warning_id, Step.REPORT, progress="进行中")
    loop.step(warning_id, Step.COMPLETE, progress="已整改", rectified=["1"])
    assert progress is not None  # the warning waits for a verdict, on another report
    return loop.supervisor, "feedback", lambda s: s.edit(progress, {"verdict": "accepted"})


def unknown_items(loop: Loop) -> tuple[Store, str, Change]:
    warning_id = loop.signed()
    report = _feedback(warning_id, rectified=["9"])
    return loop.clerk, "feedback", lambda s: s.add("feedback", report)


def clue_concluded(loop: Loop) -> tuple[Store, str, Change]:
    clue_id = loop.clue()
    loop.supervisor.supervision.conclude(clue_id, "unfounded", today=TODAY, finding="不属实")
    loop.sync()
    return loop.supervisor, "clue", lambda s: s.edit(clue_id, {"finding": "改写"})


def clue_step(loop: Loop) -> tuple[Store, str, Change]:
    clue_id = loop.clue()
    loop.supervisor.supervision.investigate(clue_id)
    loop.sync()
    return loop.supervisor, "clue", lambda s: s.edit(clue_id, {"status": "received"})


def clue_outcome_field(loop: Loop) -> tuple[Store, str, Change]:
    clue_id = loop.clue()
    wrong = {"outcome": "unfounded", "people_disciplined": 2}
    return loop.supervisor, "clue", lambda s: s.edit(clue_id, wrong)


def reminders_by_supervisors(loop: Loop) -> tuple[Store, str, Change]:
    reminder_id = loop.reminder("")
    return loop.clerk, "reminder", lambda s: s.edit(reminder_id, {"status": "closed"})


def proposal_once(loop: Loop) -> tuple[Store, str, Change]:
    reminder_id = loop.reminder("proposed")
    loop.supervisor.supervision.confirm_proposal(reminder_id, today=TODAY, issued_by="东河区")
    loop.sync()
    return loop.supervisor, "reminder", lambda s: s.edit(reminder_id, {"proposal": "dismissed"})


def proposal_needed(loop: Loop) -> tuple[Store, str, Change]:
    reminder_id = loop.reminder("")
    return loop.supervisor, "reminder", lambda s: s.edit(reminder_id, {"proposal": "dismissed"})


CASES: dict[str, Case] = {
    case.__name__: case
    for case in (
        supervisor_only,
        unit_only,
        bad_step,
        closed,
        not_yours,
        fixed_after_issue,
        verify_needs_report,
        close_needs_verdict,
        judged,
        no_feedback_now,
        verdict_when_verifying,
        verdict_once,
        verdict_needs_completed,
        unknown_items,
        clue_concluded,
        clue_step,
        clue_outcome_field,
        reminders_by_supervisors,
        proposal_once,
        proposal_needed,
    )
}


def unknown_warning(loop: Loop) -> tuple[Store, str, Change]:
    report = _feedback("01900000-0000-7000-8000-00000000abcd")
    return loop.clerk, "feedback", lambda s: s.add("feedback", report)


GUARDED: dict[str, tuple[str, Case]] = {
    "unknown_warning": ("unknown_reference", unknown_warning),
}
"""Rules another rule of ``check_change`` always answers first, at both ends: a feedback
names its warning by reference, so a warning nobody holds is an unknown reference."""

OUT_OF_SCOPE = frozenset({"no_side"})
"""Rules the scope check answers first, at both ends: a device takes no side only on a
unit outside its scope, which the device refuses as out of its scope before any rule and
central answers ``out_of_scope`` (``test_a_change_outside_the_scope_is_refused_at_both_ends``)."""


def test_every_rule_has_a_case() -> None:
    assert declared_rules() == set(CASES) | set(GUARDED) | OUT_OF_SCOPE
    assert "proposal_needed" in declared_rules() and "clue_step" in declared_rules()


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[Loop]:
    from client.i18n import set_language

    set_language("zh_CN")
    central = Central(tmp_path)
    running = Loop(
        central,
        central.device("district", DISTRICT, "supervisor"),
        central.device("village", VILLAGE, "clerk"),
    )
    yield running
    running.supervisor.close()
    running.clerk.close()
    central.close()


def _bypassed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The device skips its own check (an old or altered build): central must refuse."""
    monkeypatch.setattr(Records, "check_rules", lambda *_args, **_kwargs: None)


@pytest.mark.parametrize("rule", sorted(set(CASES) | set(GUARDED)))
def test_the_device_and_central_refuse_it_in_the_same_words(
    loop: Loop, rule: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected, case = GUARDED[rule] if rule in GUARDED else (rule, CASES[rule])
    store, kind, change = case(loop)
    before = len(store.queue())
    with pytest.raises(RuleRefused) as local:
        change(store)
    assert local.value.refusal.rule == expected
    assert len(store.queue()) == before  # nothing saved, nothing queued
    sentence = refusal_text(kind, local.value.refusal)
    assert re.search(r"[\u4e00-\u9fff]", sentence), sentence

    _bypassed(monkeypatch)
    change(store)
    loop.central.sync(store)
    refused = [op for op in store.queue() if op.state == "refused"]
    assert [op.kind for op in refused] == [kind]
    assert refused[0].last_error == f"forbidden_field: {sentence} ({expected})"


def test_a_change_outside_the_scope_is_refused_at_both_ends(
    loop: Loop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``no_side``: the village's device on another village's warning."""
    fields = {
        "org_code": OTHER_VILLAGE,
        "doc_type": "warning",
        "title": "越界",
        "reply_due": "2026-12-20",
    }
    with pytest.raises(ValidationFailed) as local:
        loop.clerk.add("warning", fields)
    assert [error.field for error in local.value.errors] == ["org_code"]
    _bypassed(monkeypatch)
    monkeypatch.setattr(Device, "scope_errors", lambda *_args: [])
    loop.clerk.add("warning", fields)
    loop.central.sync(loop.clerk)
    (queued,) = loop.clerk.queue()
    assert queued.state == "quarantined" and queued.last_error.startswith("out_of_scope")
