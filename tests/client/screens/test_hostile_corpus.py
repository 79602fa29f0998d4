"""Every screen fed a hostile corpus as if another device had sent it: markup (``x[/]``,
``[link=…]``, an unclosed ``[bold``, ``[@click=…]``), ESC and OSC sequences, C1 and bidi
controls, zero-width characters, a 1 MB string. Each role visits every screen, the
detail of a disclosure and the duty scores; nothing crashes, the markup shows as typed,
and no control character reaches the terminal raw."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from client.identity import Identity
from client.screens.disclosure_detail import DisclosureDetail
from client.store import Store
from client.widgets.nav_bar import SCREENS
from models.kinds import KINDS
from sync.signing import new_private_key
from tests.client.conftest import VILLAGE, disclosure
from tests.client.screens.conftest import make_app, make_conflict, screen_text
from tests.stores import arrived, open_store

MARKUP = "x[/] [link=http://x]a[/link] [bold [@click=app.quit]q[/]"
"""Markup Textual would read: each piece must show as typed."""
CONTROLS = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202etxt.exe\u2066\x00\x7f"
HOSTILE = f"{MARKUP} zero\u200bwidth {CONTROLS}"
HUGE = "长" * 1_000_000
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\x00", "\x7f")

ROLES = {
    "clerk": (VILLAGE, VILLAGE),
    "town": ("150202101000", "150202101"),
    "supervisor": ("150202000000", "150202"),
}


def hostile_store(home: Path, role: str) -> Store:
    """A device of ``role`` holding a record of each kind with hostile text, as pulled."""
    org_code, scope = ROLES[role]
    store = open_store(home)
    store.save_identity(
        Identity(
            device_id=f"dev-{role}",
            private_key=new_private_key(),
            server_url="http://127.0.0.1:9",
            org_code=org_code,
            org_name=HOSTILE,
            role=role,
            scope=scope,
        )
    )
    unit = {"org_code": VILLAGE}
    hostile = {
        "title": HOSTILE,
        "content": HUGE,
        "responsible": HOSTILE,
        "review_opinion": HOSTILE,
        "return_reason": HOSTILE,
    }
    arrived(store, "disclosure", disclosure(**unit, **hostile, status="returned"))
    arrived(store, "disclosure", disclosure(**unit, period="2026-09", title=HUGE))
    project = arrived(
        store,
        "subsidy_project",
        {**unit, "category": "agriculture", "name": HOSTILE, "policy_basis": HOSTILE},
    )
    arrived(
        store,
        "subsidy_payment",
        {
            **unit,
            "project_id": project,
            "recipient_name": HOSTILE,
            "id_number": "11010519491231002X",
            "amount_fen": 100,
            "method": "one_card",
        },
    )
    arrived(
        store,
        "duty_evidence",
        {**unit, "indicator_code": "ZT-001", "occurred_on": "2026-10-01", "description": HOSTILE},
    )
    warning = arrived(
        store,
        "warning",
        {
            **unit,
            "doc_type": "suggestion",
            "title": HOSTILE,
            "problems": f"{HOSTILE}\n{HUGE}",
            "issued_on": "2026-10-20",
            "reply_due": "2026-11-20",
            "status": "returned",
            "return_reason": HOSTILE,
            "issued_by": HOSTILE,
            "doc_no": HOSTILE,
        },
    )
    arrived(
        store,
        "feedback",
        {**unit, "warning_id": warning, "progress": HOSTILE, "reported_on": "2026-10-25"},
    )
    arrived(
        store,
        "clue",
        {
            **unit,
            "source": "hotline",
            "problem": "fake",
            "received_on": "2026-10-02",
            "description": HOSTILE,
            "reporter_contact": HOSTILE,
            "finding": HOSTILE,
        },
    )
    arrived(
        store,
        "reminder",
        {
            **unit,
            "subject": "catalog_item",
            "subject_code": "FIN-01",
            "raised_on": "2026-11-01",
            "title": HOSTILE,
            "step": "proposed",
            "proposal": "proposed",
        },
    )
    if role == "clerk":
        # A conflict whose other side is hostile, and a queued op central refused with it.
        mine = store.add("disclosure", disclosure(**unit, period="2026-08", title="本地标题"))
        make_conflict(store, mine, "title", HOSTILE)
        queued = store.add("disclosure", disclosure(**unit, period="2026-07", title="待发送"))
        ops = [op for _seq, op in store.pending_ops(after_seq=0, limit=100)]
        store.note_error([op.op_id for op in ops if op.record_id == queued], HOSTILE)
    return store


def _assert_literal(app: Any, where: str) -> str:
    text = screen_text(app)
    leaked = [raw for raw in RAW if raw in text]
    assert not leaked, f"{where}: {leaked} shown raw"
    return text


@pytest.mark.parametrize("role", sorted(ROLES))
async def test_every_screen_shows_hostile_text_literally(
    tmp_path: Path, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with hostile_store(tmp_path / role, role) as store:
        records = sum(len(store.list_records(kind)) for kind in KINDS)
        app = make_app(store)
        seen: dict[str, str] = {}
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for key, mode, _label in SCREENS:
                if mode in app.hidden_modes():
                    continue
                await pilot.press(key)
                await pilot.pause()
                seen[mode] = _assert_literal(app, mode)
                if mode == "disclosures":
                    await pilot.press("enter")
                    await pilot.pause()
                    assert isinstance(app.screen, DisclosureDetail)
                    seen["detail"] = _assert_literal(app, "detail")
                    await pilot.press("escape")
                    await pilot.pause()
                if mode == "duty":
                    await pilot.press("t")
                    await pilot.pause()
                    seen["duty scores"] = _assert_literal(app, "duty scores")
                    await pilot.press("escape")
                    await pilot.pause()
            app.notify(HOSTILE)
            await pilot.pause()
            assert app.return_code is None  # no [@click=app.quit] ran
        for mode in ("disclosures", "detail", "subsidies", "warnings"):
            assert "x[/]" in seen[mode] and "[link=http://x]a[/link]" in seen[mode], mode
            assert "\\x1b]0;pwned\\x07" in seen[mode], mode
        assert "\\u202etxt.exe" in seen["detail"] and "[bold" in seen["detail"]
        if role == "clerk":
            assert "x[/]" in seen["conflicts"] and "x[/]" in seen["queue"]
            assert "x[/]" in seen["home"]  # the returned disclosure's reason
        else:
            assert "x[/]" in seen["clues"]
        with capsys.disabled():  # the run's figures, even when output is captured
            sys.stderr.write(
                f"\nhostile corpus ({role}): {len(seen)} screens, {records} hostile records, "
                f"{len(RAW)} raw controls checked, {len(HUGE):,}-character string\n"
            )
