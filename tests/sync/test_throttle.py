from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from sync.throttle import ThrottledTransport
from sync.transport import Response, Traffic


@dataclass
class FakeClock:
    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@dataclass
class CountingTransport:
    """An edge nobody can run here: a link whose bytes we decide."""

    traffic: Traffic = field(default_factory=Traffic)

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Response:
        self.traffic.bytes_sent += len(body)
        self.traffic.bytes_received += 1000
        self.traffic.requests += 1
        return Response(200, b"{}", {})

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        return self.post(path, b"", headers or {})

    def close(self) -> None:
        pass


def test_average_rate_stays_under_the_cap() -> None:
    clock = FakeClock()
    link = ThrottledTransport(CountingTransport(), 64, sleep=clock.sleep, clock=clock)
    for _ in range(10):
        link.post("/v1/push", b"x" * 7000, {})
    moved = link.traffic.bytes_sent + link.traffic.bytes_received
    assert moved == 80_000
    assert clock.now == pytest.approx(80_000 / 8000)  # 64 kbit/s = 8,000 B/s


def test_no_wait_when_the_line_is_slower_than_the_cap() -> None:
    clock = FakeClock()
    inner = CountingTransport()
    link = ThrottledTransport(inner, 64, sleep=clock.sleep, clock=clock)
    clock.now = 100.0  # the exchange itself took longer than the cap asks
    link.post("/v1/push", b"x" * 100, {})
    assert clock.slept == []


def test_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ThrottledTransport(CountingTransport(), 0)
