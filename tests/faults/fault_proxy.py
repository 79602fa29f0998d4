"""An HTTP-aware proxy on loopback that breaks the link the ways village links break.

Between clients and a real central it, per request and by a seeded random
choice: cuts the request after a random number of bytes; cuts the answer
after a random number of bytes (central has applied it, the client never
hears); answers 500 before or after forwarding; answers 413; delays; sends
the same request twice. Only loopback targets; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from tests.loopback_server import LoopbackServer

IO_TIMEOUT_S = 30.0

FAULTS = (
    "cut_request",
    "cut_response",
    "error_before",
    "error_after",
    "too_large",
    "delay",
    "duplicate",
)


@dataclass
class FaultPlan:
    """How often each fault strikes; ``enabled`` off makes the proxy a plain pipe."""

    seed: int
    rate: float = 0.35
    """Chance that a request meets some fault."""
    enabled: bool = True
    rng: random.Random = field(init=False)
    injected: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self) -> str | None:
        with self.lock:
            if not self.enabled or self.rng.random() >= self.rate:
                return None
            fault = self.rng.choice(FAULTS)
            self.injected[fault] += 1
            return fault

    def fraction(self) -> float:
        with self.lock:
            return self.rng.random()


def _response(status: int, reason: str) -> bytes:
    body = f'{{"code": "injected", "message": "{reason}"}}'.encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 message with a Content-Length body (as Sanwu and uvicorn send)."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IO_TIMEOUT_S)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, TimeoutError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    try:
        body = await asyncio.wait_for(reader.readexactly(length), IO_TIMEOUT_S) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
        return None
    return head + body


class FaultProxy(LoopbackServer):
    thread_name = "fault-proxy"

    def __init__(self, target_port: int, plan: FaultPlan) -> None:
        super().__init__()
        self.target_port = target_port
        self.plan = plan
        self.requests = 0

    async def _forward(self, request: bytes) -> bytes | None:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.target_port), IO_TIMEOUT_S
            )
        except (OSError, TimeoutError):
            return None
        try:
            writer.write(request)
            await writer.drain()
            return await _read_message(reader)
        except (ConnectionError, OSError):
            return None
        finally:
            writer.close()

    async def _cut_request(self, request: bytes) -> None:
        """Central gets the first part of the request, then the line drops."""
        with contextlib.suppress(OSError, TimeoutError):
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.target_port), IO_TIMEOUT_S
            )
            writer.write(request[: int(len(request) * self.plan.fraction())])
            with contextlib.suppress(ConnectionError, OSError):
                await writer.drain()
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await _read_message(reader)) is not None:
                self.requests += 1
                fault = self.plan.pick()
                if fault == "error_before":
                    writer.write(_response(500, "Injected Error"))
                elif fault == "too_large":
                    writer.write(_response(413, "Injected Too Large"))
                elif fault == "cut_request":
                    await self._cut_request(request)
                    return
                else:
                    if fault == "delay":
                        await asyncio.sleep(self.plan.fraction() * 0.5)
                    answer = await self._forward(request)
                    if fault == "duplicate":
                        await self._forward(request)
                    if answer is None:
                        return
                    if fault == "error_after":
                        writer.write(_response(500, "Injected Error After Apply"))
                    elif fault == "cut_response":
                        writer.write(answer[: int(len(answer) * self.plan.fraction())])
                        await writer.drain()
                        return
                    else:
                        writer.write(answer)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()
