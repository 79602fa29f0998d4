"""``sanwu report ...``: reports counted from this home's records, one module each
(``report_supervision``: the district's figures), registered here under one word."""

from __future__ import annotations

from client.cli import report_supervision
from client.cli.common import Commands

__all__ = ["register"]


def register(commands: Commands) -> None:
    group = commands.group("report", "reports counted from the records", metavar="REPORT")
    report_supervision.register(group)
