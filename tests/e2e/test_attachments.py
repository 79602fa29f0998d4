"""Attachments end to end, against a real central process: a photo goes up with its
record and never twice (not by its sender, not by another device that has it), an
upload killed half way goes on from the offset central confirmed, a big photo goes
up downscaled while the original stays in the village, and town staff fetch a file
only when they ask for it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import signal
from pathlib import Path

from PIL import Image

from tests.e2e.conftest import (
    TOWN,
    Central,
    MakeClient,
    disclosure,
    stop_process,
    village,
    wait_until,
)

KB = 1024


def _central_file(central: Central, digest: str) -> tuple[int, int, int] | None:
    """(size, received, complete) of central's copy, or None."""
    rows = central.query(
        "SELECT size, received, complete FROM attachment WHERE digest = ?", (digest,)
    )
    return (int(rows[0][0]), int(rows[0][1]), int(rows[0][2])) if rows else None


def _write(path: Path, size: int, seed: int) -> bytes:
    data = random.Random(seed).randbytes(size)
    path.write_bytes(data)
    return data


def test_a_file_goes_up_once_and_is_fetched_only_on_demand(
    central: Central, make_client: MakeClient, tmp_path: Path
) -> None:
    unit = village(205)
    clerk = make_client(unit, "clerk")
    other = make_client(unit, "clerk")
    town = make_client(TOWN, "town")
    scan = tmp_path / "会议记录.pdf"
    data = _write(scan, 300 * KB, seed=1)
    digest = hashlib.sha256(data).hexdigest()

    record_id = clerk.run(
        "record",
        "add",
        "disclosure",
        "--json",
        json.dumps(disclosure(unit, period="2034-01"), ensure_ascii=False),
        "--attach",
        str(scan),
    ).stdout.strip()
    first = clerk.sync()
    assert first["files_sent"] == 1
    assert _central_file(central, digest) == (len(data), len(data), 1)

    again = clerk.sync()
    assert again["files_sent"] == 0 and again["bytes_sent"] < 10 * KB, "never sent twice"

    # Another device of the village attaches the same scan to its own record: central
    # has it already, so only the record travels.
    other.run(
        "record",
        "add",
        "disclosure",
        "--json",
        json.dumps(disclosure(unit, period="2034-02", attachments=[digest]), ensure_ascii=False),
    )
    other.run("attachments", "add", str(scan))
    figures = other.sync()
    assert figures["files_sent"] == 0
    assert figures["bytes_sent"] < 20 * KB, figures

    # Town staff pull the records, not the file...
    pulled = town.sync()
    assert pulled["files_received"] == 0
    assert pulled["bytes_received"] < len(data), "a pull does not carry attachments"
    assert town.json("attachments", "list", "--json") == []
    # ...until they ask for it.
    out = town.run("attachments", "fetch", "--record", record_id, "--now").stdout
    assert "已下载 1 个" in out
    copy_dir = tmp_path / "out"
    path = Path(town.run("attachments", "open", digest, "--out", str(copy_dir)).stdout.strip())
    assert path.read_bytes() == data
    (listed,) = town.json("attachments", "list", "--json")
    assert listed["digest"] == digest and listed["state"] == "synced" and listed["here"]


def test_an_upload_killed_half_way_goes_on_from_centrals_offset(
    central: Central, make_client: MakeClient, tmp_path: Path
) -> None:
    unit = village(206)
    clerk = make_client(unit, "clerk")
    photo = tmp_path / "board.jpg"
    data = _write(photo, 1200 * KB, seed=2)
    digest = hashlib.sha256(data).hexdigest()
    clerk.run(
        "record",
        "add",
        "disclosure",
        "--json",
        json.dumps(disclosure(unit, period="2034-03"), ensure_ascii=False),
        "--attach",
        str(photo),
    )
    # A slow line (the cap keeps the upload going for several seconds), cut half way.
    proc = clerk.popen("sync", "--json", "--max-kbps", "1600")
    try:
        assert wait_until(
            lambda: (_central_file(central, digest) or (0, 0, 0))[1] >= 300 * KB, timeout=60
        ), "the upload never started"
        proc.send_signal(signal.SIGKILL)
    finally:
        stop_process(proc)
    size, received, complete = _central_file(central, digest) or (0, 0, 0)
    assert size == len(data) and 0 < received < len(data) and not complete

    figures = clerk.sync()
    assert figures["files_sent"] == 1
    assert _central_file(central, digest) == (len(data), len(data), 1)
    # Only what central lacked went again (plus requests' overhead).
    assert figures["bytes_sent"] < len(data) - received + 64 * KB, (figures, received)


def test_a_big_photo_goes_up_downscaled_and_the_original_stays(
    central: Central, make_client: MakeClient, tmp_path: Path
) -> None:
    unit = village(207)
    clerk = make_client(unit, "clerk")
    image = Image.frombytes("RGB", (2000, 1500), os.urandom(2000 * 1500 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    photo = tmp_path / "公开栏.jpg"
    photo.write_bytes(buffer.getvalue())
    original = hashlib.sha256(buffer.getvalue()).hexdigest()

    assert "1024" in clerk.run("attachments", "downscale", "1024").stdout
    clerk.run(
        "record",
        "add",
        "disclosure",
        "--json",
        json.dumps(disclosure(unit, period="2034-04"), ensure_ascii=False),
        "--attach",
        str(photo),
    )
    (record,) = clerk.json("record", "list", "disclosure", "--json")
    (sent,) = record["attachments"]
    assert sent != original
    clerk.sync()
    size, received, complete = _central_file(central, sent) or (0, 0, 0)
    assert complete and size == received < len(buffer.getvalue()) // 2
    assert _central_file(central, original) is None, "the original never leaves the village"
    states = {item["digest"]: item for item in clerk.json("attachments", "list", "--json")}
    assert states[original]["state"] == "original" and states[original]["here"]
    assert states[sent]["state"] == "synced" and states[sent]["original"] == original
    # Opening what the record names gives the full-size original here.
    opened = Path(
        clerk.run("attachments", "open", sent, "--out", str(tmp_path / "o")).stdout.strip()
    )
    assert opened.read_bytes() == buffer.getvalue()


def test_a_file_no_record_names_is_not_sent(
    central: Central, make_client: MakeClient, tmp_path: Path
) -> None:
    clerk = make_client(village(208), "clerk")
    loose = tmp_path / "loose.txt"
    data = _write(loose, 40 * KB, seed=3)
    clerk.run("attachments", "add", str(loose))
    figures = clerk.sync()
    assert figures["files_sent"] == 0
    assert _central_file(central, hashlib.sha256(data).hexdigest()) is None
