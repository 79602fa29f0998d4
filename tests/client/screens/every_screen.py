"""Every screen of client/screens (and the dialogs of client/widgets) with the role that
reaches it and the keys that get there from the home screen, over a store holding a
little of everything that role sees. The snapshot and untranslated-text tests walk it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select

from client.store import Store
from tests.client.conftest import VILLAGE, disclosure
from tests.client.screens.conftest import make_conflict
from tests.stores import arrived, enrolled_as, open_store

Step = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class Stop:
    """A screen to look at: who, which keys from home, then what else (``then``)."""

    name: str
    role: str
    keys: tuple[str, ...] = ()
    then: Step | None = None
    screen: str = ""
    """The class name of the screen shown at the end (checked, so a route that no longer
    reaches its screen fails instead of snapshotting the wrong one)."""
    snapshot: bool = True
    """False where what is shown is not the test's to fix (the file picker lists a real
    folder)."""


async def _open_first_select(pilot: Any) -> None:
    pilot.app.screen.query(Select).first().focus()
    await pilot.press("enter")


QUERY = "zzqq"
"""What the palette is asked for (matching nothing)."""


async def _palette_nothing(pilot: Any) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*QUERY)
    await pilot.pause(0.8)


async def _unsaved_form_left(pilot: Any) -> None:
    pilot.app.screen.query_one("#f-title", Input).value = "十一月财务收支公开"
    await pilot.pause()
    await pilot.press("escape")


async def _unlock(pilot: Any) -> None:
    from client.screens.unlock import UnlockScreen

    pilot.app.push_screen(UnlockScreen(pilot.app.store))


async def _revoked(pilot: Any) -> None:
    from client.screens.unlock import RevokedScreen

    pilot.app.push_screen(RevokedScreen())


async def _payments(pilot: Any) -> None:
    pilot.app.screen.query_one("#payments").focus()
    await pilot.pause()
    await pilot.press("d")


async def _unit_item(pilot: Any) -> None:
    items = pilot.app.screen.query_one("#unit-items")
    items.move_cursor(row=items.get_row_index("ZT-026"))


async def _figures(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()


STOPS = (
    Stop("home", "clerk", screen="HomeScreen"),
    Stop("help", "clerk", ("f1",), screen="HelpScreen"),
    Stop("palette_no_match", "clerk", (), _palette_nothing, screen="Palette"),
    Stop("disclosures", "clerk", ("2",), screen="DisclosuresScreen"),
    Stop("disclosures_dropdown", "clerk", ("2",), _open_first_select, "DisclosuresScreen"),
    Stop("disclosure_detail", "clerk", ("2", "enter"), screen="DisclosureDetail"),
    Stop("disclosure_form", "clerk", ("2", "n"), screen="DisclosureForm"),
    Stop("confirm_leave", "clerk", ("2", "n"), _unsaved_form_left, "ConfirmScreen"),
    Stop("import_file", "clerk", ("2", "i"), screen="ImportScreen"),
    Stop("file_picker", "clerk", ("2", "i", "ctrl+o"), screen="FilePicker", snapshot=False),
    Stop("subsidies", "clerk", ("3",), screen="SubsidiesScreen"),
    Stop("payment_form", "clerk", ("3", "p"), screen="PaymentForm"),
    Stop("payment_form_dropdown", "clerk", ("3", "p"), _open_first_select, "PaymentForm"),
    Stop("confirm_delete", "clerk", ("3",), _payments, "ConfirmScreen"),
    Stop("duty", "clerk", ("4",), screen="DutyScreen"),
    Stop("warnings", "clerk", ("5",), screen="WarningsScreen"),
    Stop("conflicts", "clerk", ("6",), screen="ConflictsScreen"),
    Stop("value_dialog", "clerk", ("6", "e"), screen="ValueDialog"),
    Stop("sync", "clerk", ("7",), screen="SyncScreen"),
    Stop("queue", "clerk", ("8",), screen="QueueScreen", snapshot=False),  # shows record ids
    Stop("unlock", "clerk", (), _unlock, "UnlockScreen"),
    Stop("revoked", "clerk", (), _revoked, "RevokedScreen"),
    Stop("town_home", "town", screen="HomeScreen"),
    Stop("town_home_dropdown", "town", (), _open_first_select, "HomeScreen"),
    Stop("disclosure_review", "town", ("2", "enter"), screen="DisclosureDetail"),
    Stop("bulletin_draft", "town", ("b",), screen="BulletinDraftForm"),
    Stop("issue_form", "town", ("5", "i"), screen="IssueForm"),
    Stop("warnings_town", "town", ("5",), screen="WarningsScreen"),
    Stop("duty_scores", "supervisor", ("4", "t"), screen="DutyScoresScreen"),
    Stop("duty_unit", "supervisor", ("4", "t", "enter"), _unit_item, "DutyUnitScreen"),
    Stop("adjust_form", "supervisor", ("4", "t", "enter", "a"), screen="AdjustForm"),
    Stop("clues", "supervisor", ("9",), screen="CluesScreen"),
    Stop("clue_form", "supervisor", ("9", "n"), screen="RecordForm"),
    Stop("analysis", "figures", ("0",), _figures, "AnalysisScreen"),
)

SIZES = ((80, 24), (120, 40))


@contextmanager
def role_store(role: str, home: Path) -> Iterator[Store]:
    """A store as ``role`` sees it: the clerk's with a disclosure, warnings, a subsidy
    payment in conflict; the town's with a village's submitted disclosure; the
    supervisor's with this year's duty evidence; ``figures``: the analysis scenario."""
    from tests.client.screens.test_duty_scores_screen import this_years_evidence
    from tests.client.test_app_snapshots import _supervision
    from tests.client.test_figures import supervisor_home

    if role == "figures":
        with open_store(supervisor_home(home)) as store:
            yield store
        return
    with open_store(home) as store:
        if role == "clerk":
            enrolled_as(store, "clerk")
            arrived(store, "disclosure", disclosure(org_code=VILLAGE, status="published"))
            _supervision(store)
            _payment_in_conflict(store)
        elif role == "town":
            enrolled_as(store, "town")
            arrived(
                store,
                "disclosure",
                disclosure(org_code="150202101201", status="submitted", submitted_on="2026-10-20"),
            )
            _supervision(store)
        else:
            enrolled_as(store, "supervisor")
            this_years_evidence(store)
            _supervision(store)
            arrived(store, "clue", CLUE)
        yield store


CLUE = {
    "id": "0190b7c4-0000-7000-8000-0000000000d1",
    "org_code": VILLAGE,
    "source": "hotline",
    "problem": "half_disclosed",
    "description": "低保名单只公开了姓名，未公开金额",
    "received_on": "2026-11-02",
    "status": "received",
}
"""A clue taken in by the hotline (no contact: a snapshot shows nothing personal)."""


def _payment_in_conflict(store: Store) -> None:
    project_id = store.add(
        "subsidy_project", {"category": "agriculture", "name": "耕地地力保护补贴"}
    )
    payment_id = store.add(
        "subsidy_payment",
        {
            "project_id": project_id,
            "recipient_name": "张三丰",
            "id_number": "11010519491231002X",
            "amount_fen": 20000,
            "account": "6228480012345678",
        },
    )
    make_conflict(store, payment_id, "account", "6228480099998888")


async def arrive(pilot: Any, stop: Stop) -> None:
    """Press the stop's keys (a pause after each), run its ``then``, and check the screen."""
    await pilot.pause()
    for key in stop.keys:
        await pilot.press(key)
        await pilot.pause()
    if stop.then is not None:
        await stop.then(pilot)
        await pilot.pause()
    shown = type(pilot.app.screen).__name__
    assert shown == stop.screen, f"{stop.name}: {shown} shown"


LATIN = re.compile(r"[A-Za-z][A-Za-z_]+")
"""Two or more Latin letters in a row (a key name of one letter is not a word)."""
TECHNICAL = {
    # key names as the footer and F1 write them
    *("esc", "tab", "enter", "ctrl", "shift", "up", "down", "left", "right", "space"),
    *("home", "end", "pageup", "pagedown", "delete", "backspace", "insert", "slash"),
    *("TAB", "CTRL", "SHIFT", "ESC", "ENTER", "SPACE", "Tab", "Ctrl", "Shift", "Esc"),
    # formats, units and codes people know by these letters
    *("ID", "CSV", "csv", "xlsx", "xls", "HTML", "html", "PDF", "KB", "MB", "URL", "zip"),
    *("http", "https", "FIN", "ZT", "sanwu", "enroll", "force", "wipe", "Excel", "LED"),
    "ods",
    "root",  # the file picker's folder: the tests' home folder's name
    "CS",  # CSV, cut where the file picker covers the import screen
}
"""Latin words that are not English: key names, file formats, the catalogue's and the duty
list's item codes (FIN-01, ZT-001), the platform's address, a command to type (sanwu
enroll --force), a channel's name (LED显示屏)."""
UUID = re.compile(r"\b[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?\b")
"""A record's id or its first eight digits (the queue names the record its op changes)."""


def _allowed() -> set[str]:
    from models.figures import FIGURES

    return TECHNICAL | {figure.key for figure in FIGURES}  # the figures' export keys


def english_words(lines: list[str]) -> list[str]:
    """Each visible line holding a Latin word that is not a technical token."""
    allowed = _allowed()
    return [
        line
        for line in lines
        if any(word not in allowed for word in LATIN.findall(UUID.sub("", line.replace(QUERY, ""))))
    ]


def visible(app: Any) -> list[str]:
    """The lines the current screen shows, as the terminal would."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
