"""``sanwu report WHAT``: the district's reports over the records, one module per report
registering its word under this group (``report_duty``: duty scores)."""

from __future__ import annotations

from client.cli import report_duty
from client.cli.common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    group = commands.group("report", "reports over the records (duty scores)", metavar="WHAT")
    report_duty.register(group)
