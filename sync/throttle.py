"""A bandwidth cap for a shared village line (``sanwu sync --max-kbps N``).

Wraps any Transport and sleeps after each exchange so that the average rate of
the round stays under the cap, leaving the line usable for everybody else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from sync.transport import Response, Traffic, Transport


class ThrottledTransport:
    def __init__(
        self,
        inner: Transport,
        max_kbps: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_kbps <= 0:
            raise ValueError("max_kbps must be positive")
        self.inner = inner
        self.bytes_per_s = max_kbps * 1000 / 8
        self._sleep = sleep
        self._clock = clock
        self._started = clock()
        self._base = inner.traffic.bytes_sent + inner.traffic.bytes_received

    @property
    def traffic(self) -> Traffic:
        return self.inner.traffic

    def _pace(self) -> None:
        moved = self.traffic.bytes_sent + self.traffic.bytes_received - self._base
        due = self._started + moved / self.bytes_per_s
        wait = due - self._clock()
        if wait > 0:
            self._sleep(wait)

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Response:
        try:
            return self.inner.post(path, body, headers)
        finally:
            self._pace()

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        try:
            return self.inner.get(path, headers)
        finally:
            self._pace()

    def close(self) -> None:
        self.inner.close()
