"""A TCP proxy on loopback that counts bytes and can model a slow link.

    python bench/wire_proxy.py --target 127.0.0.1:8765 [--kbps 256] [--rtt-ms 300]

Counts TCP payload both ways (headers included) and connections, as the
reference peer's figures were counted. With ``--kbps`` each direction is
limited to that bandwidth, and with ``--rtt-ms`` every chunk is delivered half
a round trip after it was sent, so request/response turns cost a full round
trip while a long body streams at the bandwidth. Listens on 127.0.0.1 only and
forwards only to a loopback target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.loopback_server import LoopbackServer


@dataclass
class LinkModel:
    kbps: float | None = None
    """Bandwidth per direction in kilobits per second; None: unlimited."""
    rtt_ms: float = 0.0


@dataclass
class Counters:
    upstream: int = 0
    """Client to server bytes."""
    downstream: int = 0
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> tuple[int, int, int]:
        with self.lock:
            return self.upstream, self.downstream, self.connections


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the proxy only forwards to loopback addresses, not {host}")


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    counters: Counters,
    link: LinkModel,
    *,
    upstream: bool,
) -> None:
    """Copy one direction; delay and pace it as the link model says."""
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    one_way = link.rtt_ms / 2000.0
    rate = link.kbps * 1000 / 8 if link.kbps else None

    async def read() -> None:
        try:
            while chunk := await reader.read(65536):
                with counters.lock:
                    if upstream:
                        counters.upstream += len(chunk)
                    else:
                        counters.downstream += len(chunk)
                await queue.put((time.monotonic(), chunk))
        except (ConnectionError, OSError):
            pass
        finally:
            await queue.put(None)

    async def write() -> None:
        free_at = 0.0  # when the modelled wire is free again
        while (item := await queue.get()) is not None:
            sent_at, chunk = item
            start = max(free_at, sent_at)
            free_at = start + len(chunk) / rate if rate else start
            deliver = free_at + one_way
            delay = deliver - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                writer.write(chunk)
                await writer.drain()
            except (ConnectionError, OSError):
                break
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()

    await asyncio.gather(read(), write())


class WireProxy(LoopbackServer):
    """Runs the proxy in a thread of its own; ``url`` is where clients connect."""

    thread_name = "wire-proxy"

    def __init__(self, target_host: str, target_port: int, link: LinkModel | None = None) -> None:
        _check_loopback(target_host)
        super().__init__()
        self.target = (target_host, target_port)
        self.link = link or LinkModel()
        self.counters = Counters()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self.counters.lock:
            self.counters.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.gather(
                _pipe(reader, up_writer, self.counters, self.link, upstream=True),
                _pipe(up_reader, writer, self.counters, self.link, upstream=False),
            )
        except asyncio.CancelledError:  # the proxy stops: the line drops, as intended
            writer.close()
            up_writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", required=True, help="HOST:PORT of central (loopback)")
    parser.add_argument("--kbps", type=float, default=None)
    parser.add_argument("--rtt-ms", type=float, default=0.0)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    proxy = WireProxy(host, int(port), LinkModel(args.kbps, args.rtt_ms)).start()
    print(f"proxy listening on {proxy.url} -> {args.target}", flush=True)
    try:
        while True:
            time.sleep(5)
            up, down, conns = proxy.counters.snapshot()
            print(f"up {up} B  down {down} B  connections {conns}", flush=True)
    except KeyboardInterrupt:
        proxy.stop()


if __name__ == "__main__":
    main()
