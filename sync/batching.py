"""How many ops go in one push: more while pushes come back quickly, half after a
timeout or a 413, so a bad line still gets something through each round."""

from __future__ import annotations

from dataclasses import dataclass

from sync.protocol import PUSH_BATCH_MAX_OPS


@dataclass
class BatchSizer:
    size: int = 500
    minimum: int = 20
    maximum: int = PUSH_BATCH_MAX_OPS
    fast_s: float = 5.0
    """A push answered within this grows the next batch."""

    def __post_init__(self) -> None:
        self.size = max(self.minimum, min(self.maximum, self.size))

    def succeeded(self, seconds: float) -> None:
        if seconds < self.fast_s:
            self.size = min(self.maximum, self.size * 2)

    def failed(self) -> None:
        """After a timeout or a 413: the next round starts with half."""
        self.size = max(self.minimum, self.size // 2)
