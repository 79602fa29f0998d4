"""When to try again after a failed round: exponential back-off with jitter and a cap.

Pure, so the schedule is tested alone. The jitter (a random wait between half the
exponential bound and the bound) keeps a district's devices from retrying in step
after central comes back. Whether an error is worth waiting for at all is the
failure table's answer (sync.failures), not this module's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base_s: float = 30.0
    cap_s: float = 600.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def bound(self) -> float:
        """The longest wait after the current number of failures."""
        if self.failures == 0:
            return 0.0
        return float(min(self.cap_s, self.base_s * 2.0 ** (self.failures - 1)))

    def failed(self) -> float:
        """Count a failure; returns how long to wait before the next try."""
        self.failures += 1
        return self.rng.uniform(self.bound() / 2, self.bound())

    def succeeded(self) -> None:
        self.failures = 0
