"""Wire compression: zstd and gzip both ways, bounded inflation, clean refusals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from sync import compression
from sync.central_api import CentralAPI
from sync.signing import new_private_key
from sync.transport import Response, Traffic

TEXT = ("本月收入合计1200元，支出明细见公开栏。" * 500).encode()


@pytest.mark.parametrize("encoding", ["zstd", "gzip"])
def test_round_trip(encoding: str) -> None:
    body = compression.compress(TEXT, encoding)
    assert len(body) < len(TEXT) / 10
    assert compression.decompress(body, encoding, limit=len(TEXT)) == TEXT


@pytest.mark.parametrize("encoding", ["zstd", "gzip"])
def test_a_bomb_is_stopped_at_the_limit(encoding: str) -> None:
    bomb = compression.compress(b"\0" * 50_000_000, encoding)
    assert len(bomb) < 100_000
    with pytest.raises(compression.BodyTooLarge):
        compression.decompress(bomb, encoding, limit=1_000_000)


@pytest.mark.parametrize("encoding", ["zstd", "gzip"])
@pytest.mark.parametrize("damage", ["cut", "trailing", "garbage"])
def test_damaged_bodies_are_refused(encoding: str, damage: str) -> None:
    body = compression.compress(TEXT, encoding)
    broken = {"cut": body[:-5], "trailing": body + b"junk", "garbage": b"not a body at all"}
    with pytest.raises(compression.BodyError):
        compression.decompress(broken[damage], encoding, limit=len(TEXT) * 2)


def test_unknown_encoding_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        compression.decompress(b"x", "br", limit=10)


def test_preferred_encoding_follows_the_accept_header() -> None:
    assert compression.preferred("gzip, zstd;q=1.0") == "zstd"
    assert compression.preferred("gzip") == "gzip"
    assert compression.preferred(None) == "gzip"


@dataclass
class GzipOnlyCentral:
    """The edge nobody runs here: a central built without zstd, which answers 415."""

    traffic: Traffic = field(default_factory=Traffic)
    seen: list[str] = field(default_factory=list)

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Response:
        self.seen.append(headers["Content-Encoding"])
        if headers["Content-Encoding"] != "gzip":
            return Response(415, b'{"code": "bad_encoding", "message": "no zstd"}', {})
        compression.decompress(body, "gzip", limit=10_000_000)
        return Response(200, b'{"changes": [], "cursor": 0, "more": false}', {})

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        raise AssertionError("not used")

    def close(self) -> None:
        pass


def test_client_falls_back_to_gzip_once_central_says_415() -> None:
    link = GzipOnlyCentral()
    api = CentralAPI(link, device_id="d", private_key=new_private_key())
    api.pull(0, 10)
    api.pull(0, 10)
    assert link.seen == ["zstd", "gzip", "gzip"]
