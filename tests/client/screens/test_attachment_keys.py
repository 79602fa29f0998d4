"""Attachments in the app: Ctrl+O in a form copies the file in and names it in the
record; the disclosure shows where each file is, f asks for the missing ones and o
writes plain copies."""

from __future__ import annotations

import hashlib
from pathlib import Path

from textual.widgets import Input, Select

from client.attachments import PENDING, WANTED, Attachments
from client.screens.disclosure_form import DisclosureForm
from client.store import Store
from client.widgets.file_picker import FilePicker
from tests.client.conftest import disclosure
from tests.client.screens.conftest import make_app, open_first_disclosure, screen_text


async def test_ctrl_o_copies_the_file_in_and_the_record_names_it(
    enrolled: Store, tmp_path: Path
) -> None:
    photo = tmp_path / "公开栏.jpg"
    photo.write_bytes(b"\xff\xd8 a photo of the board")
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "n")
        form = app.screen
        assert isinstance(form, DisclosureForm)
        form.query_one("#f-catalog_code", Select).value = "FIN-02"
        await pilot.pause()
        form.query_one("#f-responsible", Input).value = "李四"
        await pilot.press("ctrl+o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, FilePicker)
        picker.dismiss(photo)
        await pilot.pause()
        digest = hashlib.sha256(photo.read_bytes()).hexdigest()
        assert digest[:12] in screen_text(app), "the form lists the attached file"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, DisclosureForm)
    (record,) = enrolled.list_records("disclosure")
    assert record["attachments"] == [digest]
    photo.unlink()
    files = Attachments(enrolled)
    assert files.blob(digest) == b"\xff\xd8 a photo of the board"
    info = files.info(digest)
    assert info is not None and info.state == PENDING and info.name == "公开栏.jpg"


async def test_a_file_that_cannot_be_read_is_named_and_nothing_is_attached(
    enrolled: Store, tmp_path: Path
) -> None:
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "n")
        await pilot.press("ctrl+o")
        await pilot.pause()
        empty = tmp_path / "空.jpg"
        empty.write_bytes(b"")
        app.screen.dismiss(empty)
        await pilot.pause()
        shown = " ".join(str(n.message) for n in app._notifications)
        assert "无法添加该文件" in shown and "空.jpg" in shown and "文件是空的" in shown
    assert Attachments(enrolled).all() == []


async def test_detail_shows_where_files_are_and_f_and_o_act_on_them(
    enrolled: Store, tmp_path: Path
) -> None:
    (tmp_path / "minutes.txt").write_bytes("会议记录".encode())
    files = Attachments(enrolled)
    here = files.add_file(tmp_path / "minutes.txt")
    remote = hashlib.sha256(b"a photo only central has").hexdigest()
    enrolled.add("disclosure", disclosure(attachments=[here, remote]))
    app = make_app(enrolled)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_first_disclosure(pilot)
        text = screen_text(app)
        assert f"{here[:12]}  minutes.txt  在本机，待上传" in text
        assert f"{remote[:12]}  在中心（按 f 获取）" in text

        await pilot.press("o")
        await pilot.pause()
        copies = list((enrolled.home / "exports" / "attachments").iterdir())
        assert [p.read_bytes() for p in copies] == ["会议记录".encode()]
        notes = " ".join(str(n.message) for n in app._notifications)
        assert "1 个文件只在中心" in notes
        # The copy's whole path stays on screen until closed.
        assert "已另存为普通文件" in screen_text(app) and copies[0].name in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()

        await pilot.press("f")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"{remote[:12]}  下次同步时获取" in screen_text(app)
    info = files.info(remote)
    assert info is not None and info.state == WANTED
    assert files.wanted(limit=10) == [remote]
