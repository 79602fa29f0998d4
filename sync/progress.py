"""What a sync round tells the people watching it: progress while it runs, a report when it
ends. Plain data, so the app's widgets show it without importing the engine (or HTTP)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Progress", "RoundReport"]


@dataclass
class RoundReport:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    rejected: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0
    files_sent: int = 0
    files_received: int = 0
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """The round's counts (everything but its duration), as scripts and history keep them."""
        return {name: value for name, value in asdict(self).items() if name != "seconds"}


@dataclass(frozen=True)
class Progress:
    """Posted after every batch and page, for progress bars."""

    phase: str
    pushed: int
    pulled: int
    bytes_sent: int
    bytes_received: int
