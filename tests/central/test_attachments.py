"""Attachments at central: status, chunked uploads that resume after a cut, digest check,
scope, ranged reads; through the real app in-process on a SQLite file."""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from central.attachments import append_chunk, referenced
from central.db import make_engine
from central.tables import Attachment, AttachmentChunk
from central.tables import Device as DeviceRow
from sync.protocol_attachments import (
    CHUNK_MAX_BYTES,
    HEADER_SIZE,
    AttachmentReadRequest,
    AttachmentRef,
    AttachmentState,
    AttachmentStatus,
    AttachmentStatusRequest,
    AttachmentStatusResponse,
)
from sync.signing import sign_headers

from .conftest import (
    OTHER_VILLAGE,
    TOWN,
    VILLAGE,
    Device,
    create_op,
    delete_op,
    disclosure_fields,
    gz,
)

Enroll = Callable[..., Device]

PHOTO = os.urandom(300_000)
DIGEST = hashlib.sha256(PHOTO).hexdigest()


def _name_in_record(device: Device, *digests: str, org_code: str = VILLAGE, **extra: Any) -> str:
    """Push a disclosure naming ``digests``; central takes only files a record names."""
    op = create_op(**disclosure_fields(org_code, attachments=sorted(digests), **extra))
    [result] = device.push(op).results
    assert result.status.value == "applied", result
    return op.record_id


def _status(device: Device, *refs: tuple[str, int]) -> list[AttachmentStatus]:
    request = AttachmentStatusRequest(
        attachments=[AttachmentRef(digest=digest, size=size) for digest, size in refs]
    )
    response = device.send("/v1/attachments/status", gz(request))
    assert response.status_code == 200, response.text
    return AttachmentStatusResponse.model_validate(response.json()).attachments


def _chunk_raw(
    device: Device,
    digest: str,
    query: str,
    data: bytes,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    path = f"/v1/attachments/{digest}"
    signed = sign_headers(device.key, device.device_id, "POST", path, query, data)
    all_headers = {"Content-Type": "application/octet-stream"} | signed | (headers or {})
    response: httpx.Response = device.client.post(
        f"{path}?{query}", content=data, headers=all_headers
    )
    return response


def _chunk(
    device: Device, offset: int, data: bytes, *, digest: str = DIGEST, size: int = len(PHOTO)
) -> AttachmentStatus:
    response = _chunk_raw(device, digest, f"offset={offset}&size={size}", data)
    assert response.status_code == 200, response.text
    return AttachmentStatus.model_validate(response.json())


def _read_raw(device: Device, offset: int, length: int, digest: str = DIGEST) -> httpx.Response:
    body = gz(AttachmentReadRequest(offset=offset, length=length))
    return device.send(f"/v1/attachments/{digest}/read", body)


def _upload(device: Device, data: bytes = PHOTO, step: int = 100_000) -> AttachmentStatus:
    digest = hashlib.sha256(data).hexdigest()
    answer = None
    for offset in range(0, len(data), step):
        answer = _chunk(device, offset, data[offset : offset + step], digest=digest, size=len(data))
    assert answer is not None
    return answer


def _stored(session: Session, digest: str = DIGEST) -> tuple[Attachment | None, list[int]]:
    session.expire_all()
    row = session.get(Attachment, digest)
    starts = session.exec(
        select(AttachmentChunk.start)
        .where(col(AttachmentChunk.digest) == digest)
        .order_by(col(AttachmentChunk.start))
    ).all()
    return row, list(starts)


def test_status_of_unknown_unreferenced_and_referenced(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    named = hashlib.sha256(b"named").hexdigest()
    other = hashlib.sha256(b"nobody names this").hexdigest()
    _name_in_record(clerk, named)
    answers = _status(clerk, (named, 5), (other, 17))
    assert [(a.digest, a.state, a.received) for a in answers] == [
        (named, AttachmentState.MISSING, 0),
        (other, AttachmentState.UNREFERENCED, 0),
    ]
    assert answers[0].size == 5
    assert answers[1].size == 0  # nothing said about a file outside the scope


def test_every_kind_with_attachments_counts_and_deleted_records_too(
    enroll: Enroll, session: Session
) -> None:
    clerk = enroll(VILLAGE)
    evidence = hashlib.sha256(b"minutes").hexdigest()
    op = create_op(
        "duty_evidence",
        org_code=VILLAGE,
        indicator_code="ZT-001",
        occurred_on=date.today().isoformat(),  # a closed year's evidence is locked
        description="会议记录",
        attachments=[evidence],
    )
    assert clerk.push(op).results[0].status.value == "applied"
    board = hashlib.sha256(b"board").hexdigest()
    record_id = _name_in_record(clerk, board)
    assert clerk.push(delete_op(record_id)).results[0].status.value == "applied"
    assert referenced(session, VILLAGE, [evidence, board, DIGEST]) == {evidence, board}
    # Many digests at once take the other way (one pass over the scope's lists).
    many = [hashlib.sha256(bytes([n])).hexdigest() for n in range(8)]
    assert referenced(session, VILLAGE, [*many, evidence, board]) == {evidence, board}
    assert referenced(session, "150202", [*many, board]) == {board}
    assert referenced(session, OTHER_VILLAGE, [evidence, board]) == set()
    assert referenced(session, "", [evidence]) == set()


def test_upload_in_three_chunks_survives_a_cut(enroll: Enroll, session: Session) -> None:
    clerk = enroll(VILLAGE)
    _name_in_record(clerk, DIGEST)
    first = _chunk(clerk, 0, PHOTO[:100_000])
    assert (first.state, first.received, first.size) == (AttachmentState.MISSING, 100_000, 300_000)
    # The answer was lost: the device sends the same chunk again; nothing is written twice.
    again = _chunk(clerk, 0, PHOTO[:100_000])
    assert (again.state, again.received) == (AttachmentState.MISSING, 100_000)
    # The device believes more went through than did: nothing written, told where to go on.
    ahead = _chunk(clerk, 200_000, PHOTO[200_000:])
    assert (ahead.state, ahead.received) == (AttachmentState.MISSING, 100_000)
    row, starts = _stored(session)
    assert row is not None and (row.received, row.complete, starts) == (100_000, False, [0])
    assert _status(clerk, (DIGEST, len(PHOTO)))[0].received == 100_000
    # Chunks of different sizes are fine.
    assert _chunk(clerk, 100_000, PHOTO[100_000:250_000]).received == 250_000
    last = _chunk(clerk, 250_000, PHOTO[250_000:])
    assert (last.state, last.received, last.size) == (AttachmentState.COMPLETE, 300_000, 300_000)
    row, starts = _stored(session)
    assert row is not None and row.complete and row.completed_at is not None
    assert starts == [0, 100_000, 250_000]
    assert row.first_device_id == clerk.device_id
    # The last chunk again (its answer lost): still complete, nothing written.
    assert _chunk(clerk, 250_000, PHOTO[250_000:]).state is AttachmentState.COMPLETE
    assert _status(clerk, (DIGEST, len(PHOTO)))[0].state is AttachmentState.COMPLETE


def test_a_corrupted_last_chunk_discards_the_partial_file(enroll: Enroll, session: Session) -> None:
    clerk = enroll(VILLAGE)
    _name_in_record(clerk, DIGEST)
    _chunk(clerk, 0, PHOTO[:200_000])
    bad = bytearray(PHOTO[200_000:])
    bad[-1] ^= 0xFF
    response = _chunk_raw(clerk, DIGEST, f"offset=200000&size={len(PHOTO)}", bytes(bad))
    assert response.status_code == 422
    assert response.json()["code"] == "digest_mismatch"
    row, starts = _stored(session)
    assert row is not None and (row.received, row.complete, starts) == (0, False, [])
    answer = _status(clerk, (DIGEST, len(PHOTO)))[0]
    assert (answer.state, answer.received) == (AttachmentState.MISSING, 0)
    town = enroll(TOWN, "town")
    assert _upload(town).state is AttachmentState.COMPLETE
    row, _starts = _stored(session)
    assert row is not None and row.first_device_id == town.device_id  # who began it again


def test_a_second_device_in_scope_is_never_asked_for_the_bytes(
    enroll: Enroll, session: Session
) -> None:
    clerk = enroll(VILLAGE)
    town = enroll(TOWN, "town")
    _name_in_record(clerk, DIGEST)
    assert _upload(clerk).state is AttachmentState.COMPLETE
    [answer] = _status(town, (DIGEST, len(PHOTO)))
    assert (answer.state, answer.received) == (AttachmentState.COMPLETE, len(PHOTO))
    # Even a chunk sent regardless is not written.
    assert _chunk(town, 0, PHOTO[:1000]).state is AttachmentState.COMPLETE
    assert _stored(session)[1] == [0, 100_000, 200_000]


def test_a_device_out_of_scope_learns_nothing_and_may_not_read(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    neighbour = enroll(OTHER_VILLAGE)
    _name_in_record(clerk, DIGEST)
    assert _upload(clerk).state is AttachmentState.COMPLETE
    [answer] = _status(neighbour, (DIGEST, len(PHOTO)))
    assert (answer.state, answer.received, answer.size) == (AttachmentState.UNREFERENCED, 0, 0)
    response = _read_raw(neighbour, 0, 1000)
    assert (response.status_code, response.json()["code"]) == (403, "unreferenced")
    response = _chunk_raw(neighbour, DIGEST, f"offset=0&size={len(PHOTO)}", PHOTO[:1000])
    assert (response.status_code, response.json()["code"]) == (403, "unreferenced")
    # Once a record of its own names the file, it is complete for it too.
    _name_in_record(neighbour, DIGEST, org_code=OTHER_VILLAGE)
    assert _status(neighbour, (DIGEST, len(PHOTO)))[0].state is AttachmentState.COMPLETE


def test_unreferenced_upload_is_refused_and_nothing_is_stored(
    enroll: Enroll, session: Session
) -> None:
    clerk = enroll(VILLAGE)
    response = _chunk_raw(clerk, DIGEST, f"offset=0&size={len(PHOTO)}", PHOTO[:1000])
    assert (response.status_code, response.json()["code"]) == (403, "unreferenced")
    assert _stored(session) == (None, [])


def test_support_may_read_but_not_upload(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    support = enroll(TOWN, "support")
    _name_in_record(clerk, DIGEST)
    response = _chunk_raw(support, DIGEST, f"offset=0&size={len(PHOTO)}", PHOTO[:1000])
    assert (response.status_code, response.json()["code"]) == (403, "read_only")
    _upload(clerk)
    response = _read_raw(support, 0, 10)
    assert response.status_code == 200 and response.content == PHOTO[:10]


def test_reads_in_ranges_across_chunk_boundaries(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    town = enroll(TOWN, "town")
    _name_in_record(clerk, DIGEST)
    _chunk(clerk, 0, PHOTO[:70_000])
    _chunk(clerk, 70_000, PHOTO[70_000:71_000])
    _chunk(clerk, 71_000, PHOTO[71_000:])
    cases = [(0, 10), (69_990, 20), (69_000, 3_000), (70_000, 1_000), (0, 300_000), (299_990, 50)]
    for offset, length in cases:
        response = _read_raw(town, offset, length)
        assert response.status_code == 200, response.text
        assert response.headers[HEADER_SIZE] == str(len(PHOTO))
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.content == PHOTO[offset : offset + length], (offset, length)
    # At the end: no bytes (a download that was cut after its last chunk finishes cleanly).
    response = _read_raw(town, len(PHOTO), 1000)
    assert (response.status_code, response.content) == (200, b"")
    response = _read_raw(town, len(PHOTO) + 1, 1000)
    assert (response.status_code, response.json()["field"]) == (422, "offset")
    # A whole download in default-sized pieces is the file.
    got = bytearray()
    for _ in range(10):
        if len(got) >= len(PHOTO):
            break
        got += _read_raw(town, len(got), 128 * 1024).content
    assert bytes(got) == PHOTO


def test_read_is_404_until_the_file_is_whole(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    _name_in_record(clerk, DIGEST)
    response = _read_raw(clerk, 0, 10)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    _chunk(clerk, 0, PHOTO[:100_000])
    response = _read_raw(clerk, 0, 10)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    _chunk(clerk, 100_000, PHOTO[100_000:])
    assert _read_raw(clerk, 0, 10).content == PHOTO[:10]


def test_another_declared_size_starts_a_partial_upload_again(
    enroll: Enroll, session: Session
) -> None:
    clerk = enroll(VILLAGE)
    _name_in_record(clerk, DIGEST)
    _chunk(clerk, 0, PHOTO[:1000], size=len(PHOTO) + 5)  # a wrong size, declared first
    answer = _status(clerk, (DIGEST, len(PHOTO)))[0]
    assert (answer.state, answer.received, answer.size) == (
        AttachmentState.MISSING,
        0,
        len(PHOTO),
    )
    answer = _chunk(clerk, 1000, PHOTO[1000:2000])
    assert (answer.state, answer.received, answer.size) == (AttachmentState.MISSING, 0, len(PHOTO))
    assert _stored(session)[1] == []
    assert _upload(clerk).state is AttachmentState.COMPLETE
    # Whole: central's size stands, whatever a later ref declares.
    answer = _status(clerk, (DIGEST, 12))[0]
    assert (answer.state, answer.size) == (AttachmentState.COMPLETE, len(PHOTO))


@pytest.mark.parametrize(
    ("query", "data", "status", "field"),
    [
        ("offset=0", b"x", 422, "size"),
        ("size=10", b"x", 422, "offset"),
        ("offset=-1&size=10", b"x", 422, "offset"),
        ("offset=0&size=ten", b"x", 422, "size"),
        ("offset=0&size=0", b"x", 422, "size"),
        ("offset=9&size=10", b"xy", 422, "offset"),
        ("offset=0&size=10", b"", 422, "body"),
        (f"offset=0&size={64 * 1024 * 1024 + 1}", b"x", 413, "size"),
        (f"offset=0&size={2 * CHUNK_MAX_BYTES}", b"x" * (CHUNK_MAX_BYTES + 1), 413, None),
    ],
)
def test_chunk_arguments_are_checked_by_name(
    enroll: Enroll, query: str, data: bytes, status: int, field: str | None
) -> None:
    clerk = enroll(VILLAGE)
    _name_in_record(clerk, DIGEST)
    response = _chunk_raw(clerk, DIGEST, query, data)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field


def test_chunk_route_checks_digest_type_signature_and_protocol(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    _name_in_record(clerk, DIGEST)
    response = _chunk_raw(clerk, DIGEST.upper(), "offset=0&size=10", b"x")
    assert (response.status_code, response.json()["field"]) == (422, "digest")
    response = _chunk_raw(clerk, DIGEST, "offset=0&size=10", b"x", {"Content-Type": "text/plain"})
    assert (response.status_code, response.json()["code"]) == (415, "bad_content_type")
    response = _chunk_raw(clerk, DIGEST, "offset=0&size=10", b"x", {"X-Sanwu-Protocol": "99"})
    assert (response.status_code, response.json()["code"]) == (426, "protocol")
    # The query is signed: another offset than the signed one is refused.
    path = f"/v1/attachments/{DIGEST}"
    headers = sign_headers(clerk.key, clerk.device_id, "POST", path, "offset=0&size=10", b"x")
    response = clerk.client.post(
        f"{path}?offset=5&size=10",
        content=b"x",
        headers=headers | {"Content-Type": "application/octet-stream"},
    )
    assert (response.status_code, response.json()["code"]) == (401, "bad_signature")
    # A gzip-encoded chunk is taken as the bytes it inflates to.
    data = PHOTO[:50_000]
    packed = gzip.compress(data, mtime=0)
    answer = _chunk_raw(
        clerk, DIGEST, f"offset=0&size={len(PHOTO)}", packed, {"Content-Encoding": "gzip"}
    )
    assert answer.json()["received"] == 50_000


def test_status_and_read_bodies_are_validated(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    body = gz({"attachments": [{"digest": "nothex", "size": 1}]})
    response = clerk.send("/v1/attachments/status", body)
    assert (response.status_code, response.json()["field"]) == (422, "attachments.0.digest")
    body = gz({"offset": 0, "length": CHUNK_MAX_BYTES + 1})
    response = clerk.send(f"/v1/attachments/{DIGEST}/read", body)
    assert (response.status_code, response.json()["field"]) == (422, "length")
    response = clerk.send("/v1/attachments/status", gz(AttachmentStatusRequest(attachments=[])))
    assert response.json() == {"attachments": []}


def test_concurrent_uploads_of_one_file_never_write_an_offset_twice(
    enroll: Enroll, db_url: str
) -> None:
    """Two devices upload the same file at once, each going on from where central says."""
    clerk = enroll(VILLAGE)
    town = enroll(TOWN, "town")
    _name_in_record(clerk, DIGEST)
    engine = make_engine(db_url)
    step = 10_000
    finals: list[AttachmentState] = []
    errors: list[BaseException] = []

    def run(device_id: str) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                device = session.get(DeviceRow, device_id)
                assert device is not None
                offset = 0
                for _ in range(4 * len(PHOTO) // step):
                    answer = append_chunk(
                        session,
                        device=device,
                        digest=DIGEST,
                        offset=offset,
                        size=len(PHOTO),
                        data=PHOTO[offset : offset + step],
                        now=device.enrolled_at,
                    )
                    if answer.state is AttachmentState.COMPLETE:
                        break
                    offset = answer.received
                finals.append(answer.state)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d.device_id,)) for d in (clerk, town)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert finals == [AttachmentState.COMPLETE, AttachmentState.COMPLETE]
        with Session(engine) as session:
            row, starts = _stored(session)
            assert row is not None and row.complete
            assert starts == list(range(0, len(PHOTO), step))
    finally:
        engine.dispose()
    assert _read_raw(clerk, 0, len(PHOTO) // 2).content == PHOTO[: len(PHOTO) // 2]


def test_a_whole_file_from_a_bundle_obeys_the_upload_rules(
    enroll: Enroll, session: Session
) -> None:
    """Sync by file: bytes that do not hash to the digest, or a file no record in scope
    names, are not kept; a good one replaces a partial upload and reads back whole."""
    from datetime import UTC, datetime

    from central.attachments import read_whole, store_whole

    now = datetime.now(UTC)
    clerk = enroll(VILLAGE)
    stranger = enroll(OTHER_VILLAGE)
    _name_in_record(clerk, DIGEST)
    _chunk(clerk, 0, PHOTO[:100_000])  # a partial upload was cut

    def device(d: Device) -> DeviceRow:
        row = session.get(DeviceRow, d.device_id)
        assert row is not None
        return row

    bad = PHOTO[:-1] + bytes([PHOTO[-1] ^ 0xFF])
    assert not store_whole(session, device=device(clerk), digest=DIGEST, data=bad, now=now)
    assert not store_whole(session, device=device(stranger), digest=DIGEST, data=PHOTO, now=now)
    row, starts = _stored(session)
    assert row is not None and (row.received, row.complete, starts) == (100_000, False, [0])
    assert read_whole(session, device=device(clerk), digest=DIGEST) is None

    assert store_whole(session, device=device(clerk), digest=DIGEST, data=PHOTO, now=now)
    row, starts = _stored(session)
    assert row is not None and row.complete and row.received == len(PHOTO)
    assert read_whole(session, device=device(clerk), digest=DIGEST) == PHOTO
    assert read_whole(session, device=device(stranger), digest=DIGEST) is None
    # Again: already whole, nothing rewritten.
    assert store_whole(session, device=device(clerk), digest=DIGEST, data=PHOTO, now=now)
    assert _stored(session)[1] == starts
