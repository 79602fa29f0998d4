"""``sanwu report WHAT``: reports counted from this home's records, one module per report
registering its word under this group (``report_supervision``: the district's figures;
``report_duty``: duty scores)."""

from __future__ import annotations

from client.cli import report_duty, report_supervision
from client.cli.common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    group = commands.group("report", "reports counted from the records", metavar="WHAT")
    report_supervision.register(group)
    report_duty.register(group)
