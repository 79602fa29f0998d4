"""The SMS queue: idempotent by key, nothing for a unit without a contact, retries with
back-off against loopback stubs that fail and recover, permanent failures at once, the
rate limit, one send per message, and no phone number in clear anywhere."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from central import sealing
from central.db import make_engine
from central.sms import queue
from central.sms.aliyun import AliyunSender
from central.sms.listing import list_messages
from central.sms.queue import MAX_ATTEMPTS, backoff_s, deliver_due, enqueue
from central.sms.sender import OutgoingSms, SendResult
from central.sms.table import SmsMessage, SmsStatus
from central.sms.webhook import WebhookSender
from tests.central.sms_stubs import (
    AliyunStub,
    WebhookStub,
    add_contact,
    aliyun_answer,
    json_answer,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
VILLAGE = "150202101200"
OTHER = "150202101201"
PHONE = "13812345678"
SECRET = "gateway-shared-secret"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def key_beside_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sealing.ENV_KEY, raising=False)
    monkeypatch.delenv(sealing.ENV_KEY_FILE, raising=False)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        add_contact(session, VILLAGE, PHONE)
        yield session
    engine.dispose()


def queued(session: Session, key: str = "reminder:r1:sms", org_code: str = VILLAGE) -> str:
    message = enqueue(session, key=key, org_code=org_code, text="【东河区】请按时公开三务", now=T0)
    assert message is not None
    session.commit()
    return message.id


def row(session: Session, message_id: str) -> SmsMessage:
    session.expire_all()
    message = session.get(SmsMessage, message_id)
    assert message is not None
    return message


# ---- queueing ------------------------------------------------------------------------


def test_the_same_key_queues_once(session: Session) -> None:
    first = enqueue(session, key="reminder:r1:sms", org_code=VILLAGE, text="提醒", now=T0)
    again = enqueue(session, key="reminder:r1:sms", org_code=VILLAGE, text="提醒", now=at(5))
    assert first is not None and again is not None and again.id == first.id
    session.commit()
    assert len(session.exec(select(SmsMessage)).all()) == 1
    assert first.status == SmsStatus.QUEUED and first.next_try_at == T0 and first.attempts == 0


def test_a_unit_without_a_contact_is_listed_unsent_until_it_has_one(
    session: Session, db_url: str
) -> None:
    unsent = enqueue(session, key="reminder:r2:sms", org_code=OTHER, text="提醒", now=T0)
    session.commit()
    assert (unsent.status, unsent.phone, unsent.next_try_at) == (SmsStatus.NO_CONTACT, "", None)
    assert [(v.org_code, v.status, v.phone) for v in list_messages(session)] == [
        (OTHER, "no_contact", "")
    ]
    with WebhookStub(SECRET, json_answer(200, {"id": "gw-1"})) as stub:
        sender = WebhookSender(stub.url, SECRET)
        assert deliver_due(session, sender, now=at(60), per_minute=10).attempts == []
        sender.close()
    assert stub.received == []  # never handed to the gateway
    # Once the unit has a contact, the same key queues the very message after all.
    add_contact(session, OTHER, "13900139000")
    again = enqueue(session, key="reminder:r2:sms", org_code=OTHER, text="提醒", now=at(5))
    session.commit()
    assert again.id == unsent.id and again.status == SmsStatus.QUEUED
    key = sealing.load_key(db_url)
    assert key.open("sms_message", "phone", again.id, row(session, again.id).phone) == "13900139000"
    assert len(session.exec(select(SmsMessage)).all()) == 1


def test_the_phone_is_sealed_for_the_message(session: Session, db_url: str) -> None:
    message_id = queued(session)
    message = row(session, message_id)
    assert sealing.is_sealed(message.phone)
    key = sealing.load_key(db_url)
    assert key.open("sms_message", "phone", message_id, message.phone) == PHONE
    # A later change of the unit's contact does not redirect a queued text.
    add_contact(session, VILLAGE, "13900000000", name="新人")
    assert key.open("sms_message", "phone", message_id, row(session, message_id).phone) == PHONE


@pytest.mark.parametrize(
    ("key", "text"), [("", "提醒"), ("k" * 201, "提醒"), ("k", "  "), ("k", "长" * 501)]
)
def test_nonsense_is_refused(session: Session, key: str, text: str) -> None:
    with pytest.raises(ValueError):
        enqueue(session, key=key, org_code=VILLAGE, text=text, now=T0)


def test_a_racing_enqueue_of_the_same_key_keeps_the_callers_transaction(
    session: Session, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(db_url)
    with Session(engine) as other:
        winner = enqueue(other, key="warning:w1:sms", org_code=VILLAGE, text="预警", now=T0)
        other.commit()
        assert winner is not None
        winner_id = winner.id
    engine.dispose()
    real = queue._by_key
    looks = iter([None])  # the first look-up ran before the other transaction committed
    monkeypatch.setattr(queue, "_by_key", lambda s, k: next(looks, None) or real(s, k))
    add_contact(session, OTHER, "13900139000")
    mine = enqueue(session, key="warning:w1:sms", org_code=VILLAGE, text="预警", now=T0)
    assert mine is not None and mine.id == winner_id
    also = enqueue(session, key="warning:w2:sms", org_code=OTHER, text="预警", now=T0)
    session.commit()  # the caller's other work in the same transaction survives
    assert also is not None and len(session.exec(select(SmsMessage)).all()) == 2


# ---- delivery against loopback stubs ------------------------------------------------


def test_webhook_failures_retry_with_back_off_then_recover(session: Session) -> None:
    answers = (
        json_answer(500, {"error": "down"}),
        json_answer(503, {"error": "busy"}),
        json_answer(429, {"error": "slow down"}, **{"Retry-After": "600"}),
        json_answer(200, {"id": "gw-77", "status": "delivered"}),
    )
    message_id = queued(session)
    with WebhookStub(SECRET, *answers) as stub:
        sender = WebhookSender(stub.url, SECRET)
        timeline: list[tuple[float, str, int, datetime | None]] = []
        for second in (0, 30, 60, 179, 180, 779, 780, 2000):
            report = deliver_due(session, sender, now=at(second), per_minute=60)
            message = row(session, message_id)
            if report.attempts:
                timeline.append((second, message.status, message.attempts, message.next_try_at))
        sender.close()
    assert timeline == [
        (0, "queued", 1, at(60)),  # 500: wait backoff_s(1) = 60 s
        (60, "queued", 2, at(180)),  # 503: wait 120 s
        (180, "queued", 3, at(780)),  # 429 asks 600 s, more than backoff_s(3) = 240 s
        (780, "delivered", 4, None),
    ]
    assert [r.refused for r in stub.received] == [None] * 4  # every try signed correctly
    message = row(session, message_id)
    assert message.provider_id == "gw-77" and message.sent_at == at(780)
    assert message.last_error is None


def test_aliyun_failures_retry_then_recover(session: Session) -> None:
    answers = (
        (500, {}, b"<html>gateway error</html>"),  # no answer code at all
        aliyun_answer("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"),
        aliyun_answer("OK", "OK", BizId="123456^0"),
    )
    message_id = queued(session)
    with AliyunStub("LTAI-test", "aliyun-secret", *answers) as stub:
        sender = AliyunSender(
            access_key_id="LTAI-test",
            access_key_secret="aliyun-secret",
            sign_name="东河区纪委监委",
            template_code="SMS_123456789",
            endpoint=stub.url,
        )
        statuses = []
        for second in (0, 60, 179, 180):
            deliver_due(session, sender, now=at(second), per_minute=60)
            message = row(session, message_id)
            statuses.append((message.status, message.attempts, message.last_error))
        sender.close()
    assert statuses[0][:2] == ("queued", 1) and "HTTP 500" in (statuses[0][2] or "")
    assert statuses[1][:2] == ("queued", 2)
    assert "isv.BUSINESS_LIMIT_CONTROL" in (statuses[1][2] or "")
    assert statuses[2][:2] == ("queued", 2)  # not due before 60 + 120 s
    assert statuses[3] == ("sent", 3, None)
    assert row(session, message_id).provider_id == "123456^0"
    assert [r.refused for r in stub.received] == [None, None, None]
    assert len({r.params["SignatureNonce"] for r in stub.received}) == 3
    sent = stub.received[-1].params
    assert sent["PhoneNumbers"] == PHONE and sent["OutId"] == message_id
    assert sent["TemplateParam"] == '{"content":"【东河区】请按时公开三务"}'


def test_transient_failures_give_up_after_the_last_attempt(session: Session) -> None:
    message_id = queued(session)
    with WebhookStub(SECRET, json_answer(503, {"error": "busy"})) as stub:
        sender = WebhookSender(stub.url, SECRET)
        second = 0.0
        for _ in range(MAX_ATTEMPTS + 2):
            deliver_due(session, sender, now=at(second), per_minute=60)
            second += backoff_s(row(session, message_id).attempts)
        sender.close()
    message = row(session, message_id)
    assert (message.status, message.attempts, message.next_try_at) == ("failed", MAX_ATTEMPTS, None)
    assert f"gave up after {MAX_ATTEMPTS} tries" in (message.last_error or "")
    assert len(stub.received) == MAX_ATTEMPTS
    assert [backoff_s(n) for n in range(1, 8)] == [60, 120, 240, 480, 960, 1920, 3600]


@pytest.mark.parametrize(
    ("stub_answer", "error"),
    [
        (json_answer(400, {"error": "number refused"}), "webhook: HTTP 400"),
        (json_answer(410, {}), "webhook: HTTP 410"),
    ],
)
def test_a_webhook_refusal_fails_at_once(session: Session, stub_answer: Any, error: str) -> None:
    message_id = queued(session)
    with WebhookStub(SECRET, stub_answer) as stub:
        sender = WebhookSender(stub.url, SECRET)
        deliver_due(session, sender, now=T0, per_minute=60)
        deliver_due(session, sender, now=at(3600), per_minute=60)
        sender.close()
    message = row(session, message_id)
    assert (message.status, message.attempts, message.next_try_at) == ("failed", 1, None)
    assert (message.last_error or "").startswith(error)
    assert len(stub.received) == 1


def test_a_wrong_webhook_secret_is_refused_by_the_gateway(session: Session) -> None:
    message_id = queued(session)
    with WebhookStub(SECRET) as stub:
        sender = WebhookSender(stub.url, "not-the-secret")
        deliver_due(session, sender, now=T0, per_minute=60)
        sender.close()
    assert stub.received[0].refused == "bad signature"
    assert row(session, message_id).status == "failed"  # 401: permanent, fix the secret


def test_an_invalid_mobile_fails_at_once_and_its_echo_is_masked(session: Session) -> None:
    echo = aliyun_answer("isv.MOBILE_NUMBER_ILLEGAL", f"非法手机号 {PHONE}")
    message_id = queued(session)
    with AliyunStub("LTAI-test", "aliyun-secret", echo) as stub:
        sender = AliyunSender(
            access_key_id="LTAI-test",
            access_key_secret="aliyun-secret",
            sign_name="东河区纪委监委",
            template_code="SMS_1",
            endpoint=stub.url,
        )
        deliver_due(session, sender, now=T0, per_minute=60)
        sender.close()
    message = row(session, message_id)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in (message.last_error or "")
    assert PHONE not in (message.last_error or "") and "138****5678" in (message.last_error or "")


def test_the_rate_limit_holds(session: Session) -> None:
    units = [f"1502021012{n:02d}" for n in range(5)]
    for n, unit in enumerate(units):
        add_contact(session, unit, f"1380013800{n}")
        queued(session, key=f"reminder:{n}:sms", org_code=unit)
    with WebhookStub(SECRET, json_answer(503, {}), json_answer(200, {})) as stub:
        sender = WebhookSender(stub.url, SECRET)
        first = deliver_due(session, sender, now=T0, per_minute=3)
        assert (len(first.attempts), first.held) == (3, 2)
        # One failed and is due again at 60 s; the rest wait for the window.
        assert deliver_due(session, sender, now=at(30), per_minute=3).attempts == []
        assert deliver_due(session, sender, now=at(59), per_minute=3).held == 2
        later = deliver_due(session, sender, now=at(60), per_minute=3)
        assert len(later.attempts) == 3  # the two held and the retry, within 3 a minute
        sender.close()
    assert len(stub.received) == 6
    statuses = [m.status for m in session.exec(select(SmsMessage))]
    assert sorted(statuses) == ["sent"] * 5


class OnceOnly:
    """A sender that, while sending, lets a second worker try the same queue."""

    name = "once-only"

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.sent: list[str] = []
        self.second_worker_sent: int | None = None

    def send(self, message: OutgoingSms) -> SendResult:
        self.sent.append(message.id)
        if self.second_worker_sent is None:
            self.second_worker_sent = -1
            engine = make_engine(self.db_url)
            with Session(engine) as other:
                report = deliver_due(other, self, now=T0, per_minute=60)
            engine.dispose()
            self.second_worker_sent = len(report.attempts)
        return SendResult.sent("p-1")

    def close(self) -> None:
        pass


def test_a_message_in_flight_is_not_sent_twice(session: Session, db_url: str) -> None:
    message_id = queued(session)
    sender = OnceOnly(db_url)
    report = deliver_due(session, sender, now=T0, per_minute=60)
    assert sender.sent == [message_id] and sender.second_worker_sent == 0
    assert [a.status for a in report.attempts] == ["sent"]
    # Sent is final: a later pass sends nothing again.
    assert deliver_due(session, sender, now=at(3600), per_minute=60).attempts == []


def test_a_claim_left_by_a_dead_worker_comes_due_again(session: Session) -> None:
    message_id = queued(session)
    session.execute(
        sa.update(SmsMessage)
        .where(SmsMessage.id == message_id)  # type: ignore[arg-type]
        .values(attempts=1, last_try_at=T0, next_try_at=at(queue.LEASE_S))
    )
    session.commit()
    with WebhookStub(SECRET) as stub:
        sender = WebhookSender(stub.url, SECRET)
        assert deliver_due(session, sender, now=at(60), per_minute=60).attempts == []
        report = deliver_due(session, sender, now=at(queue.LEASE_S), per_minute=60)
        sender.close()
    assert [(a.status, a.attempts) for a in report.attempts] == [("sent", 2)]


def test_no_phone_in_clear_in_logs_listings_errors_or_columns(
    session: Session, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ok_id = queued(session)
    add_contact(session, OTHER, "13900139000")
    bad_id = queued(session, key="reminder:bad:sms", org_code=OTHER)
    answers = (json_answer(500, {"error": f"cannot reach {PHONE}"}), json_answer(200, {}))
    with WebhookStub(SECRET, *answers) as stub:
        sender = WebhookSender(stub.url, SECRET)
        deliver_due(session, sender, now=T0, per_minute=60)
        deliver_due(session, sender, now=at(120), per_minute=60)
        sender.close()
    views = list_messages(session)
    assert {v.id: v.phone for v in views} == {ok_id: "138****5678", bad_id: "139****9000"}
    shown = repr(views) + repr([v.as_json() for v in views])
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as raw:
            stored = repr(raw.execute(sa.text("SELECT * FROM sms_message")).all())
            stored += repr(raw.execute(sa.text("SELECT * FROM unit_contact")).all())
    finally:
        engine.dispose()
    assert "SMS" in logged and ok_id in logged
    for clear in (PHONE, "13900139000"):
        assert clear not in shown
        assert clear not in logged
        assert clear not in stored
    assert "138****5678" in logged  # the gateway's echo of the number, masked
