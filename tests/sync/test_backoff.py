from __future__ import annotations

import random

from sync.backoff import Backoff


def test_waits_grow_to_the_cap_and_reset_on_success() -> None:
    backoff = Backoff(base_s=30, cap_s=600, rng=random.Random(1))
    waits = [backoff.failed() for _ in range(8)]
    bounds = [30, 60, 120, 240, 480, 600, 600, 600]
    for wait, bound in zip(waits, bounds, strict=True):
        assert bound / 2 <= wait <= bound
    backoff.succeeded()
    assert backoff.bound() == 0
    assert backoff.failed() <= 30


def test_jitter_spreads_devices_apart() -> None:
    waits = {round(Backoff(rng=random.Random(seed)).failed(), 3) for seed in range(20)}
    assert len(waits) > 15
