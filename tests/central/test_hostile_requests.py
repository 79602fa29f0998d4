"""Central under hostile requests (issue 15): never a 5xx, whatever a signed device sends.

The crafted cases of the report are named regression tests; then hypothesis drives the
in-process central with correctly signed, randomly malformed push, pull, attachment and
bundle bodies (bounded examples, a fixed seed so a failure replays) and asserts a 4xx or
a per-op refusal, never a 500. The bundle's path is ``import_bundle``, as ``sanwu central
import-bundle`` runs it: only CentralError (one line and an exit code) may come out.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlmodel import Session

from central.app import create_app
from central.bundles import import_bundle
from central.errors import CentralError
from central.settings import CentralSettings
from models.field_rules import Invalid, rule_for
from models.ids import new_id
from models.kinds import KINDS
from sync.bundle import MAGIC, OpsBundle
from sync.protocol import AuditLink, OpStatus, PullRequest, PushRequest
from sync.protocol_attachments import sha256_bytes

from .conftest import (
    VILLAGE,
    Device,
    TestClient,
    create_op,
    delete_op,
    gz,
    now_wire,
    update_op,
)

Enroll = Callable[..., Device]

FUZZ_SEED = 20260515
"""Fixed: the run is the same every time, and a failure names its example."""
FUZZ_EXAMPLES = 40


@pytest.fixture
def client(settings: CentralSettings) -> Iterator[TestClient]:
    """Central in-process answering 500 as a status (not raising): what a device sees."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _push(device: Device, body: dict[str, Any]) -> Any:
    return device.send("/v1/push", gz(body))


def _op(**overrides: Any) -> dict[str, Any]:
    """One op in its verbose JSON form (a plain list of ops is read too)."""
    return create_op().model_dump(mode="json") | overrides


def _project(total: str) -> bytes:
    """A subsidy project whose amount is spelled ``total`` in the JSON text itself."""
    op = create_op(
        "subsidy_project", org_code=VILLAGE, category="construction", name="路", total_fen=12345
    )
    return json.dumps({"ops": [op.model_dump(mode="json")]}).replace("12345", total).encode()


# ---- the crafted cases of the report ---------------------------------------------------


@pytest.mark.parametrize("after", [2**63, 2**64, 2**80, -1, -(2**70)])
def test_a_pull_cursor_beyond_64_bits_is_refused_naming_it(enroll: Enroll, after: int) -> None:
    response = enroll(VILLAGE).send("/v1/pull", gz({"after": after}))
    assert (response.status_code, response.json()["field"]) == (422, "after")


@pytest.mark.parametrize("base", [-(2**70), -1, 2**63, 2**70])
def test_a_base_version_beyond_64_bits_is_refused_naming_it(enroll: Enroll, base: int) -> None:
    response = _push(enroll(VILLAGE), {"ops": [_op(base_version=base)]})
    assert (response.status_code, response.json()["field"]) == (422, "ops.0.base_version")


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_utc_cannot_hold_is_one_ops_refusal(enroll: Enroll, stamp: str) -> None:
    response = _push(enroll(VILLAGE), {"ops": [_op(recorded_at=stamp), _op()]})
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]["rows"]
    assert first[0] == "rejected" and first[-1]["field"] == "recorded_at"
    assert second[0] == "applied"


@pytest.mark.parametrize(
    ("link", "field"),
    [
        ({"id": 2**80, "digest": "0" * 32, "hash": "0" * 64}, "audit.0.id"),
        ({"id": 1, "digest": "é" * 32, "hash": "0" * 64}, "audit.0.digest"),
        ({"id": 1, "digest": "0" * 32, "hash": "é" * 64}, "audit.0.hash"),
        ({"id": 1, "digest": "0" * 32, "hash": "\x00" * 64}, "audit.0.hash"),
    ],
)
def test_an_audit_link_with_a_huge_id_or_non_ascii_digest_is_refused(
    enroll: Enroll, link: dict[str, Any], field: str
) -> None:
    clerk = enroll(VILLAGE)
    response = _push(clerk, {"ops": [], "audit": [link]})
    assert (response.status_code, response.json()["field"]) == (422, field)
    # Nothing of it was kept: the next honest link is checked as before.
    assert _push(clerk, {"ops": [], "audit": []}).status_code == 200


@pytest.mark.parametrize("digits", [4000, 5000])
@pytest.mark.parametrize("form", ["{}", '"{}"', "{}.5", '"{}.5"'])
def test_thousands_of_digits_in_an_amount_are_refused(
    enroll: Enroll, digits: int, form: str
) -> None:
    response = enroll(VILLAGE).send("/v1/push", gzip.compress(_project(form.format("9" * digits))))
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        [row] = response.json()["results"]["rows"]
        assert row[0] == "rejected" and row[-1]["field"] == "total_fen"


def test_thousands_of_digits_in_a_quantity_are_refused() -> None:
    """A decimal field (its canonical form once took int() of the whole part: ValueError)."""
    rule = rule_for(KINDS["subsidy_payment"].specs["quantity"])
    assert rule("0" * 5000 + "12.5") == "12.5"  # leading zeros go, as before
    for value in ("9" * 5000 + ".5", "9" * 5000, 10**5000):
        with pytest.raises(Invalid):
            rule(value)


def test_json_nested_50000_deep_is_refused(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    deep = b'{"ops":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    past_the_limit = b'{"a":' * 65 + b"1" + b"}" * 65
    for body in (deep, past_the_limit):
        response = clerk.send("/v1/push", gzip.compress(body))
        assert (response.status_code, response.json()["code"]) == (400, "too_deep")
    shallow = {"ops": [_op(changes={"title": [None, [[[["x"]]]]]})]}
    assert _push(clerk, shallow).status_code == 200


# ---- memory before identity ------------------------------------------------------------


def test_an_unsigned_body_is_refused_from_its_headers(client: TestClient) -> None:
    response = client.post("/v1/push", content=b"x" * (3 * 1024 * 1024))
    assert (response.status_code, response.json()["code"]) == (401, "unsigned")


def test_an_enrollment_body_past_the_unsigned_limit_is_413(client: TestClient) -> None:
    response = client.post(
        "/v1/enroll", content=b"x" * (64 * 1024 + 1), headers={"Content-Encoding": "gzip"}
    )
    assert response.status_code == 413


def test_bodies_past_the_budget_are_503_with_retry_after(enroll: Enroll) -> None:
    clerk = enroll(VILLAGE)
    budget = clerk.client.app.state.body_budget  # type: ignore[attr-defined]
    budget.held = budget.limit - 10  # as if other requests held nearly all of it
    try:
        response = clerk.send("/v1/pull", gz(PullRequest()))
    finally:
        budget.held = 0
    assert (response.status_code, response.json()["code"]) == (503, "busy")
    assert response.headers["Retry-After"].isdigit()
    assert clerk.send("/v1/pull", gz(PullRequest())).status_code == 200
    assert budget.held == 0 and budget.peak > 0  # each body released when its request ended


# ---- randomly malformed, correctly signed ----------------------------------------------

hostile_scalars = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 10**300, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x00",
            "é" * 32,
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "9" * 400,
            "1e999",
            "ops",
        ]
    ),
    st.none(),
    st.booleans(),
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (the value itself first)."""
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*here, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += _paths(item, (*here, n))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return value | {head: _replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replaced(copy[head], rest, new)
    return copy


@st.composite
def mutated(draw: st.DrawFn, template: Any) -> bytes:
    """``template`` with a few places replaced by hostile values, as a gzip JSON body; now
    and then raw bytes instead."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    value = template
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(value)))
        value = _replaced(value, path, draw(hostile_values))
    return gzip.compress(json.dumps(value).encode("utf-8"))


def _push_template(record_id: str) -> dict[str, Any]:
    ops = [
        create_op(),
        update_op(record_id, {"title": ("财务计划公开", "改")}),
        delete_op(new_id()),
        create_op(
            "subsidy_project", org_code=VILLAGE, category="construction", name="桥", total_fen=9
        ),
    ]
    audit = [AuditLink(id=1, digest="a" * 32, hash="b" * 64), AuditLink(id=2, digest="c" * 32)]
    body: dict[str, Any] = PushRequest(ops=ops, audit=audit).model_dump(mode="json")
    return body


FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
statuses: dict[int, int] = {}


def _seen(status: int) -> None:
    statuses[status] = statuses.get(status, 0) + 1


@seed(FUZZ_SEED)
@FUZZ
@given(data=st.data())
def test_malformed_signed_bodies_are_never_a_500(enroll: Enroll, data: st.DataObject) -> None:
    clerk = enroll(VILLAGE)
    record = create_op()
    clerk.push(record)
    digest = sha256_bytes(b"hello")
    targets: list[tuple[str, Any]] = [
        ("/v1/push", _push_template(record.record_id)),
        ("/v1/pull", {"after": 0, "limit": 10, "after_check": None}),
        ("/v1/attachments/status", {"attachments": [{"digest": digest, "size": 5}]}),
        (f"/v1/attachments/{digest}/read", {"offset": 0, "length": 100}),
    ]
    for path, template in targets:
        body = data.draw(mutated(template), label=path)
        response = clerk.send(path, body)
        _seen(response.status_code)
        assert response.status_code < 500, (path, response.text)
        if response.status_code == 200 and path == "/v1/push":
            rows = response.json()["results"]["rows"]
            assert all(row[0] in {s.value for s in OpStatus} for row in rows)
    query = data.draw(st.sampled_from(["0", "-1", "9" * 30, "x", "", "1e3", "٣"]), label="q")
    odd = clerk.client.post(
        f"/v1/attachments/{digest}?offset={query}&size={query}",
        content=b"hello",
        headers=clerk_headers(clerk, f"/v1/attachments/{digest}", f"offset={query}&size={query}"),
    )
    _seen(odd.status_code)
    assert odd.status_code < 500, odd.text


def clerk_headers(device: Device, path: str, query: str) -> dict[str, str]:
    from sync.signing import sign_headers

    return sign_headers(device.key, device.device_id, "POST", path, query, b"hello")


def _signed_bundle(device: Device, payload: bytes) -> bytes:
    header = f"ops gzip {device.device_id}\n".encode("ascii")
    body = gzip.compress(payload)
    return MAGIC + header + device.key.sign(MAGIC + header + body) + body


@seed(FUZZ_SEED)
@FUZZ
@given(data=st.data())
def test_malformed_signed_bundles_are_refused_never_crash(
    enroll: Enroll, session: Session, data: st.DataObject
) -> None:
    clerk = enroll(VILLAGE)
    template = OpsBundle(
        device_id=clerk.device_id,
        created_at=now_wire(),
        cursor=0,
        ops=[create_op(), update_op(new_id(), {"title": ("a", "b")})],
        audit=[AuditLink(id=1, digest="a" * 32, hash="b" * 64)],
    ).model_dump(mode="json")
    body = data.draw(mutated(template))
    try:
        payload = gzip.decompress(body)
    except (OSError, EOFError):
        payload = body
    try:
        outcome = import_bundle(session, _signed_bundle(clerk, payload), now=_now())
    except CentralError as exc:
        _seen(exc.status_code)
        session.rollback()
        return
    _seen(200)
    assert outcome.device_id == clerk.device_id


def _now() -> Any:
    from central.clock import utcnow

    return utcnow()


def test_zz_fuzz_counts_are_printed(capsys: pytest.CaptureFixture[str]) -> None:
    """The counts of the in-process fuzz, on the terminal even when output is captured."""
    refused = sum(n for status, n in statuses.items() if 400 <= status < 500)
    line = (
        f"fuzz in-process: seed={FUZZ_SEED} examples={FUZZ_EXAMPLES} per test and database, "
        f"requests={sum(statuses.values())} 2xx={statuses.get(200, 0)} 4xx={refused} "
        f"5xx={sum(n for s, n in statuses.items() if s >= 500)}"
    )
    with capsys.disabled():
        sys.stderr.write(f"\n{line}\n")
    assert all(status < 500 for status in statuses)
