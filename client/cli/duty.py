"""``sanwu duty list`` (the indicators that apply to a unit, with code, points, deadline
and its evidence count) and ``sanwu duty adjust EVIDENCE_OR_ITEM --points N --reason T``
(a supervisor's score for one item, ``Store.scoring``: refused as the app and central
refuse it, exit 4; a bad value names its field, exit 2)."""

from __future__ import annotations

import argparse
from datetime import date

from client.cli.common import CliError, Commands, open_store, print_json, say
from client.i18n import _
from sync.failures import ExitCode

__all__ = ["register"]


def cmd_list(args: argparse.Namespace) -> int:
    from client import queries
    from models.duty import due_dates, indicators_for
    from models.orgs import org_by_code

    year = args.year or date.today().year
    with open_store(args) as store:
        identity = store.identity
        code = args.unit or (identity.org_code if identity is not None else "")
        if not code:
            raise CliError(_("--unit: give the unit (this home is not enrolled)"))
        unit = org_by_code().get(code)
        if unit is None:
            raise CliError(_("--unit: no unit has the code {code}").format(code=code))
        counts = queries.evidence_counts(store.engine, code)
    rows = [
        {
            "code": indicator.code,
            "name": indicator.name,
            "responsibility": indicator.responsibility,
            "subject": indicator.subject,
            "points": indicator.points,
            "deadline": indicator.deadline,
            "due_dates": [day.isoformat() for day in due_dates(indicator, year)],
            "evidence": counts.get(indicator.code, 0),
        }
        for indicator in indicators_for(unit.level)
    ]
    if args.json:
        print_json(rows)
        return ExitCode.OK
    if not rows:
        say(_("no duty indicator applies to {unit}").format(unit=unit.name))
    for row in rows:
        evidence = _("{count} record(s)").format(count=row["evidence"])
        say(f"{row['code']}  {row['points']:g}  {row['deadline']:<9}  {evidence}  {row['name']}")
    return ExitCode.OK


def cmd_adjust(args: argparse.Namespace) -> int:
    from models.duty import indicator_by_code

    target = args.target.strip()
    today = date.today()
    with open_store(args) as store:
        if target.upper() in indicator_by_code():
            if not args.unit:
                raise CliError(_("--unit: give the unit whose item is scored"))
            record_id = store.scoring.adjust(
                args.unit,
                args.year or today.year,
                target,
                points=args.points,
                reason=args.reason,
                today=today,
            )
        else:
            record_id = store.scoring.adjust_evidence(
                target, points=args.points, reason=args.reason, today=today, year=args.year
            )
        _kind, adjustment = store.get(record_id)
    say(
        f"{record_id}  {adjustment['org_code']} {adjustment['year']} "
        f"{adjustment['indicator_code']}: {adjustment['points']}"
    )
    return ExitCode.OK


def register(commands: Commands) -> None:
    duty = commands.group("duty", "the duty list (两个责任) and its items' scores")
    listing = duty.add("list", cmd_list, "the indicators that apply to this unit")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--unit", metavar="CODE", help="another unit (default: this one)")
    listing.add_argument("--year", type=int, metavar="Y", help="due dates of Y (default: now)")
    adjust = duty.add("adjust", cmd_adjust, "score one unit's item, with the reason")
    adjust.add_argument(
        "target",
        metavar="EVIDENCE_OR_ITEM",
        help="a duty evidence id (its unit and indicator), or an indicator code with --unit",
    )
    adjust.add_argument("--points", required=True, metavar="N", help="the item's score")
    adjust.add_argument("--reason", required=True, metavar="T", help="why (kept in history)")
    adjust.add_argument("--unit", metavar="CODE", help="the unit, with an indicator code")
    adjust.add_argument(
        "--year",
        type=int,
        metavar="Y",
        help="the year scored (default: this year, or the year the evidence counts for)",
    )
