"""The home's attachment files: sealed at rest, named by digest, downscaled copies with
the original kept, only referenced files offered for upload, downloads kept chunk by
chunk and checked against their digest."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from client.attachments import ORIGINAL, PENDING, SYNCED, WANTED, AttachmentError, Attachments
from client.store import Store
from tests.client.conftest import disclosure


def _photo(path: Path, size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A noisy JPEG (noise keeps it big, as a real photo is)."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    path.write_bytes(out.getvalue())
    return out.getvalue()


def test_a_file_is_copied_in_sealed_and_named_by_its_digest(
    enrolled: Store, tmp_path: Path
) -> None:
    secret = "身份证 150202199001011234".encode() * 50
    source = tmp_path / "scan.pdf"
    source.write_bytes(secret)
    files = Attachments(enrolled)

    digest = files.add_file(source)

    assert digest == hashlib.sha256(secret).hexdigest()
    source.unlink()  # the USB stick is pulled out: the copy is ours
    assert files.blob(digest) == secret
    stored = (files.root / digest[:2] / digest).read_bytes()
    assert b"150202199001011234" not in stored and "身份证".encode() not in stored
    info = files.info(digest)
    assert info is not None and info.state == PENDING and info.size == len(secret)
    assert info.name == "scan.pdf" and info.here


def test_attaching_the_same_file_twice_keeps_one(enrolled: Store, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"minutes")
    (tmp_path / "b.txt").write_bytes(b"minutes")
    files = Attachments(enrolled)
    assert files.add_file(tmp_path / "a.txt") == files.add_file(tmp_path / "b.txt")
    assert len(files.all()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (None, "cannot be read")],
)
def test_a_bad_file_is_refused_with_its_name(
    enrolled: Store, tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "photo.jpg"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AttachmentError, match=f"photo.jpg.*{message}"):
        Attachments(enrolled).add_file(path)
    assert Attachments(enrolled).all() == []


def test_a_big_photo_goes_up_downscaled_and_the_original_stays(
    enrolled: Store, tmp_path: Path
) -> None:
    original = _photo(tmp_path / "board.jpg")
    files = Attachments(enrolled)
    files.set_max_side(800)

    digest = files.add_file(tmp_path / "board.jpg")

    copy = files.blob(digest)
    assert len(copy) < len(original)
    with Image.open(io.BytesIO(copy)) as image:
        assert max(image.size) == 800
    info = files.info(digest)
    assert info is not None and info.state == PENDING
    assert info.original_digest == hashlib.sha256(original).hexdigest()
    kept = files.info(info.original_digest)
    assert kept is not None and kept.state == ORIGINAL
    assert files.blob(info.original_digest) == original
    # Opening what the record names gives the full picture.
    opened = files.open_copy(digest, tmp_path / "out")
    assert opened.read_bytes() == original


def test_downscale_leaves_small_photos_and_other_files_alone(
    enrolled: Store, tmp_path: Path
) -> None:
    small = _photo(tmp_path / "small.jpg", (600, 400))
    (tmp_path / "minutes.txt").write_bytes(b"not a picture")
    files = Attachments(enrolled)
    files.set_max_side(800)
    assert files.add_file(tmp_path / "small.jpg") == hashlib.sha256(small).hexdigest()
    assert files.add_file(tmp_path / "minutes.txt") == hashlib.sha256(b"not a picture").hexdigest()
    assert {item.state for item in files.all()} == {PENDING}


def test_downscale_setting_is_checked(enrolled: Store) -> None:
    files = Attachments(enrolled)
    assert files.max_side() == 0
    with pytest.raises(AttachmentError, match="320"):
        files.set_max_side(100)
    files.set_max_side(1600)
    assert files.max_side() == 1600


def test_only_files_a_record_names_are_offered_for_upload(enrolled: Store, tmp_path: Path) -> None:
    (tmp_path / "kept.txt").write_bytes(b"kept")
    (tmp_path / "dropped.txt").write_bytes(b"dropped")
    files = Attachments(enrolled)
    kept = files.add_file(tmp_path / "kept.txt")
    files.add_file(tmp_path / "dropped.txt")  # attached, then the form was left
    assert files.uploads(limit=10) == []

    enrolled.add("disclosure", disclosure(attachments=[kept]))

    assert [ref.digest for ref in files.uploads(limit=10)] == [kept]
    files.mark_synced([kept])
    assert files.uploads(limit=10) == []
    info = files.info(kept)
    assert info is not None and info.state == SYNCED and info.synced_at is not None


def test_a_download_is_kept_chunk_by_chunk_and_checked(enrolled: Store) -> None:
    data = os.urandom(10_000)
    digest = hashlib.sha256(data).hexdigest()
    files = Attachments(enrolled)
    assert files.want([digest]) == 1
    assert files.wanted(limit=10) == [digest]

    files.save_partial(digest, 0, data[:4000])
    files.save_partial(digest, 4000, data[4000:8000])
    # A cut here: a new round goes on from what was kept.
    assert Attachments(enrolled).partial_offset(digest) == 8000
    files.save_partial(digest, 8000, data[8000:])

    assert files.finish_download(digest)
    assert files.blob(digest) == data
    info = files.info(digest)
    assert info is not None and info.state == SYNCED and info.size == len(data)
    assert files.wanted(limit=10) == []
    assert files.want([digest]) == 0  # here already


def test_a_download_that_does_not_match_its_digest_is_dropped(enrolled: Store) -> None:
    digest = hashlib.sha256(b"the real file").hexdigest()
    files = Attachments(enrolled)
    files.want([digest])
    files.save_partial(digest, 0, b"something else")
    assert not files.finish_download(digest)
    assert not files.here(digest)
    assert files.partial_offset(digest) == 0
    info = files.info(digest)
    assert info is not None and info.state == WANTED


def test_a_partial_chunk_moved_to_another_offset_does_not_open(enrolled: Store) -> None:
    data = os.urandom(3000)
    digest = hashlib.sha256(data).hexdigest()
    files = Attachments(enrolled)
    files.want([digest])
    files.save_partial(digest, 0, data[:1000])
    folder = files.root / "partial" / digest
    (folder / f"{0:012d}-1000").rename(folder / f"{1000:012d}-1000")
    files.save_partial(digest, 0, data[:1000])
    files.save_partial(digest, 2000, data[2000:])
    assert not files.finish_download(digest)
    assert files.partial_offset(digest) == 0 and not files.here(digest)


def test_diagnostics_list_files_by_state_without_names(enrolled: Store, tmp_path: Path) -> None:
    import json
    import zipfile

    from client.diagnostics import write_bundle

    (tmp_path / "张三丰身份证.jpg").write_bytes(b"a scan")
    files = Attachments(enrolled)
    digest = files.add_file(tmp_path / "张三丰身份证.jpg")
    files.want([hashlib.sha256(b"elsewhere").hexdigest()])
    assert files.counts() == {PENDING: 1, WANTED: 1}

    out = tmp_path / "bundle.zip"
    assert "attachments.json" in write_bundle(enrolled, out)
    with zipfile.ZipFile(out) as bundle:
        listed = json.loads(bundle.read("attachments.json"))
        everything = "".join(bundle.read(name).decode() for name in bundle.namelist())
    assert {(item["digest"], item["state"]) for item in listed} >= {(digest, PENDING)}
    assert "张三丰" not in everything and "a scan" not in everything
