"""The bulletin's draft in the app: a discipline body's supervisor presses b on the home,
types the period, fills the draft from its findings (Ctrl+F), edits the title and
issues it (Ctrl+S); the bulletin is one record naming the units with findings, and the
home of a named village lists it once it arrives there."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, SelectionList, TextArea

from client.screens.bulletin_draft import BulletinDraftForm, last_quarter
from client.store import Store
from tests.client.screens.conftest import TODAY, make_app, screen_text
from tests.client.test_bulletin_draft import BODY, DEPT, V1, V2, discipline_home
from tests.stores import arrived


def test_the_last_full_quarter_is_the_default_period() -> None:
    assert (last_quarter(TODAY).first, last_quarter(TODAY).last) == ("2026-07-01", "2026-09-30")
    start = last_quarter(TODAY.replace(month=2))
    assert (start.first, start.last) == ("2025-10-01", "2025-12-31")


async def test_drafted_edited_issued_and_shown_to_a_named_village(
    tmp_path: Path, enrolled: Store
) -> None:
    store = discipline_home(tmp_path / "body")
    try:
        app = make_app(store)
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            assert "b" in {
                b.key for (_n, b, enabled, _t) in app.active_bindings.values() if enabled
            }
            await pilot.press("b")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, BulletinDraftForm)
            form.query_one("#f-period_from", Input).value = "2026-10-01"
            form.query_one("#f-period_to", Input).value = "2026-11-30"
            await pilot.press("ctrl+f")
            await pilot.pause()
            title = form.query_one("#f-title", Input)
            assert title.value == "关于2026-10-01至2026-11-30三务公开监督检查情况的通报"
            body = form.query_one("#f-body", TextArea).text
            assert "一、黑麻板村" in body and "十月财务收支公开" in body
            assert form.query_one("#f-named_units", SelectionList).selected == [V1, V2, DEPT]
            title.focus()
            title.value = "关于十、十一月三务公开情况的通报"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not isinstance(app.screen, BulletinDraftForm)
            assert "通报：关于十、十一月三务公开情况的通报" in screen_text(app)
        (issued,) = store.list_records("bulletin")
        assert issued["title"] == "关于十、十一月三务公开情况的通报"
        assert issued["org_code"] == BODY and sorted(issued["named_units"]) == [V1, V2, DEPT]
        assert str(issued["issued_on"]) == TODAY.isoformat()
        assert "十月财务收支公开" in issued["body"]
        _header, record = store.get(issued["id"])
    finally:
        store.close()

    arrived(enrolled, "bulletin", {k: v for k, v in record.items() if k != "seq"})
    village = make_app(enrolled)
    async with village.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert "通报：关于十、十一月三务公开情况的通报" in screen_text(village)
