"""``sanwu report duty --year Y [--unit PREFIX] [--json | --xlsx FILE]``: the duty score
table (逐项赋分) of the units this device reaches, one row per unit with its ``org_code``,
``score``, maximum, rank within its level and missing items
(``client.analysis.duty_scores``, the rule ``models.rules.scoring``), scored with the
district's late share as central handed it down unless ``--late-share`` asks another."""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from client.cli.common import CliError, Commands, open_early, open_store, print_json, say
from client.i18n import _
from sync.failures import ExitCode

__all__ = ["register"]


def _late_share(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        share = Decimal(text)
    except InvalidOperation:
        share = Decimal(-1)
    if not 0 <= share <= 1:
        raise CliError(_("--late-share: a number from 0 to 1, such as 0.5"))
    return share


def cmd_report_duty(args: argparse.Namespace) -> int:
    early = open_early(args)  # before the imports below: SQLite and scrypt work meanwhile
    from client.analysis.duty_scores import as_json, score_rows
    from models.rules.scoring import ScoringSettings

    prefix = (args.unit or "").strip()
    if prefix and not (prefix.isascii() and prefix.isdigit() and len(prefix) <= 12):
        raise CliError(_("--unit: a unit's code or its first digits, such as 150202900"))
    share = _late_share(args.late_share)
    settings = None if share is None else ScoringSettings(late_share=share)
    with open_store(args, early) as store:
        identity = store.identity
        rows = score_rows(
            store.engine,
            args.year,
            today=date.today(),
            scope=identity.scope if identity is not None else None,
            settings=settings,
        )
    rows = [row for row in rows if row.org_code.startswith(prefix)]
    if args.json:
        print_json([as_json(row) for row in rows])
        return ExitCode.OK
    if not rows:  # a town's villages, as the duty list stands: none is scored
        say(_("No unit within this device's scope has duty indicators to score."))
        return ExitCode.OK
    if args.xlsx:
        from client.exports.duty_scores import write_score_table

        write_score_table(rows, args.year, Path(args.xlsx))
        say(_("{file}: {count} unit(s)").format(file=args.xlsx, count=len(rows)))
        return ExitCode.OK
    for row in rows:
        missing = " ".join(row.missing[:6]) + (" …" if len(row.missing) > 6 else "")
        say(
            f"{row.rank:>3}  {row.org_code}  {row.name}  {row.score:.2f}/{row.max:.2f}"
            + "  "
            + _("missing {count}").format(count=len(row.missing))
            + (": " + missing if missing else "")
        )
    return ExitCode.OK


def register(report: Commands) -> None:
    """``duty`` under ``sanwu report``."""
    duty = report.add("duty", cmd_report_duty, "duty scores per unit (逐项赋分), ranked")
    duty.add_argument("--year", type=int, required=True, metavar="Y", help="the year scored")
    duty.add_argument("--unit", metavar="PREFIX", help="only units whose code starts so")
    out = duty.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one object per unit")
    out.add_argument("--xlsx", metavar="FILE", help="write the table to an .xlsx file")
    duty.add_argument(
        "--late-share",
        metavar="S",
        help="share of a due date's points that late evidence earns (default: the district's)",
    )
