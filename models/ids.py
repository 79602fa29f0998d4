"""Record and op ids: UUIDv7 text, made on the device, ordered by creation time.

Time-ordered ids keep B-tree inserts at the end of the index, which matters
for bulk imports on old disks. Python 3.11 has no ``uuid.uuid7``.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a counter and random bits."""
    global _last_ms, _counter
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:  # 4,096 ids in one millisecond: borrow the next one
                _last_ms += 1
                _counter = 0
            now_ms = _last_ms
        else:
            _last_ms = now_ms
            _counter = 0
        counter = _counter
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (now_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand
    return str(uuid.UUID(int=value))


def new_ids(count: int) -> list[str]:
    """``count`` UUIDv7s at once, in the order ``new_id`` would make them one by one: the
    clock is read once and the random bits come from one call (a bulk import makes an id
    per row, and ``new_id``'s lock, syscall and ``uuid.UUID`` cost more than the row)."""
    global _last_ms, _counter
    if count <= 0:
        return []
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms <= _last_ms:
            first_ms, first = _last_ms, _counter + 1
        else:
            first_ms, first = now_ms, 0
        last = first + count - 1
        _last_ms, _counter = first_ms + (last >> 12), last & 0xFFF
    randoms = os.urandom(8 * count).hex()
    out: list[str] = []
    append = out.append
    ms_hex = ""
    ms_of = -1
    for n in range(count):
        position = first + n
        ms = (first_ms + (position >> 12)) & 0xFFFFFFFFFFFF
        if ms != ms_of:
            ms_of, stamp = ms, f"{ms:012x}"
            ms_hex = f"{stamp[:8]}-{stamp[8:]}-7"
        rand = randoms[16 * n : 16 * n + 16]
        # The variant's two bits (10) over the first random hex digit: 8, 9, a or b.
        append(f"{ms_hex}{position & 0xFFF:03x}-{_VARIANT[rand[0]]}{rand[1:4]}-{rand[4:]}")
    return out


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


_DERIVED = uuid.UUID("6f1d2c84-3a57-4e0b-9c1e-5b7a2d9e4f30")


def derived_id(purpose: str, source_id: str) -> str:
    """The id of the one record ``source_id`` gives rise to for ``purpose`` (a warning a
    reminder's proposal becomes): a UUIDv5, the same on every device, so two devices that
    make it offline make one record, and central keeps one."""
    return str(uuid.uuid5(_DERIVED, f"{purpose}\x1f{source_id}"))


def is_record_id(value: object) -> bool:
    """Whether ``value`` is a UUID in the lower-case text ``new_id`` and ``uuid.uuid5``
    give (any version: central's own records use uuid5): the only ids both ends accept."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None
