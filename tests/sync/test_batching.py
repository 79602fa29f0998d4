from __future__ import annotations

from sync.batching import BatchSizer


def test_grows_while_pushes_are_quick_up_to_the_protocol_limit() -> None:
    sizer = BatchSizer(size=500)
    for _ in range(5):
        sizer.succeeded(0.2)
    assert sizer.size == 2000


def test_slow_pushes_keep_the_size() -> None:
    sizer = BatchSizer(size=500)
    sizer.succeeded(12.0)
    assert sizer.size == 500


def test_halves_after_a_failure_but_never_below_the_floor() -> None:
    sizer = BatchSizer(size=100, minimum=20)
    sizer.failed()
    assert sizer.size == 50
    for _ in range(10):
        sizer.failed()
    assert sizer.size == 20
