"""``q`` quits from the list screens, never takes a letter typed into a field, and on a
form with typing not saved asks first (so does Ctrl+Q); the demo's passphrase is shown
inside the app."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from client.screens.disclosure_form import DisclosureForm
from client.screens.help import HelpScreen
from client.screens.home import HomeScreen
from client.store import Store
from client.widgets.confirm import ConfirmScreen
from tests.client.conftest import disclosure
from tests.client.screens.conftest import make_app, screen_text


@pytest.mark.parametrize("keys", [(), ("2",), ("4",), ("7",)], ids=["home", "2", "4", "7"])
async def test_q_quits_from_a_list_screen(enrolled: Store, keys: tuple[str, ...]) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


async def test_q_typed_into_a_search_field_is_a_letter(enrolled: Store) -> None:
    enrolled.add("disclosure", disclosure())
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "slash", "q")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert app.screen.query_one("#filter-search", Input).value == "q"


async def test_q_on_a_dirty_form_asks_and_a_clean_form_quits(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "n")
        form = app.screen
        assert isinstance(form, DisclosureForm)
        title = form.query_one("#f-title", Input)
        title.focus()
        await pilot.press("q", "q")  # typing: two letters in the title
        await pilot.pause()
        assert title.value.endswith("qq") and app.is_running
        assert form.dirty

        await pilot.press("ctrl+q")  # Ctrl+Q asks too
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "不保存就退出" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form and app.is_running

        form.query_one("#f-catalog_code").focus()  # not a text field: q is the key
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.return_code == 0
    assert enrolled.list_records("disclosure") == []


async def test_q_on_a_clean_form_quits_at_once(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "n")
        assert isinstance(app.screen, DisclosureForm)
        app.screen.query_one("#f-catalog_code").focus()
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


async def test_the_help_lists_q(enrolled: Store) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help Static").render())
        assert "q          退出" in text


async def test_a_notice_is_shown_inside_the_app(enrolled: Store) -> None:
    app = make_app(enrolled, notice="演示数据；本地数据的口令是 sanwu-demo")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert any("sanwu-demo" in str(n.message) for n in app._notifications)


def test_the_demo_hands_its_passphrase_to_the_app(
    enrolled: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import client.app
    from client.demo import DemoSetup, passphrase_notice, run_demo_app

    monkeypatch.delenv("SANWU_PASSPHRASE", raising=False)
    assert passphrase_notice() == "演示数据；本地数据的口令是 sanwu-demo"
    shown: list[str] = []

    def fake_run_app(_store: Store, **kwargs: object) -> int:
        shown.append(str(kwargs["notice"]))
        assert capsys.readouterr().err == ""  # nothing printed behind the app
        return 0

    monkeypatch.setattr(client.app, "run_app", fake_run_app)
    stopped: list[bool] = []
    setup = DemoSetup(enrolled, "", lambda: stopped.append(True), passphrase_notice())
    assert run_demo_app(setup) == 0
    assert shown == [passphrase_notice()] and stopped == [True]
    assert "sanwu-demo" in capsys.readouterr().err  # and left in the terminal after it
