"""``sanwu report supervision [--from D] [--to D] [--unit PREFIX] [--json | --xlsx FILE]``:
the district's figures (``models.figures``) counted over this home's records, for a
window of days (both ends included; default this year to today) and this device's
scope, narrowed to ``--unit``. Text lists each figure's key, count and label;
``--json`` prints exactly the keys; ``--xlsx`` writes the office's sheet."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from client.cli.common import (
    CliError,
    Commands,
    cli_day,
    open_early,
    open_store,
    print_json,
    say,
)
from client.i18n import _
from sync.failures import ExitCode

if TYPE_CHECKING:
    from models.figure_counts import Scope, Window

__all__ = ["register"]


def window_of(args: argparse.Namespace, today: date) -> Window:
    """--from and --to, both included (default: today, and 1 January of --to's year)."""
    from models.figure_counts import Window

    end = cli_day(args.to, "--to", default=today)
    start = cli_day(args.from_, "--from", default=date(end.year, 1, 1))
    if start > end:
        raise CliError(_("--from {start} is after --to {end}").format(start=start, end=end))
    return Window(start, end)


def scope_of(device_scope: str | None, unit: str | None) -> Scope:
    """This device's scope (a home not enrolled: every unit), narrowed to ``--unit``."""
    from models.figure_counts import Scope, narrow

    scope = Scope.parse(device_scope) if device_scope is not None else Scope(("",))
    if not unit:
        return scope
    if not (unit.isascii() and unit.isdigit() and len(unit) <= 12):
        raise CliError(
            _("--unit: a unit's code or a prefix of one (digits), not {unit!r}").format(unit=unit)
        )
    narrowed = narrow(scope, unit)
    if not narrowed.prefixes:
        raise CliError(
            _("--unit {unit} is outside this device's scope ({scope})").format(
                unit=unit, scope=device_scope
            )
        )
    return narrowed


def units_text(scope: Scope) -> str:
    """The units a scope covers, as people name them."""
    from client.labels import units_text as named

    return named(scope.prefixes)


def cmd_supervision(args: argparse.Namespace) -> int:
    early = open_early(args)  # before the imports below: SQLite and scrypt work meanwhile
    from client.analysis.figures import figures
    from client.i18n import language, set_language
    from models.figures import FIGURES

    set_language(args.lang)
    window = window_of(args, date.today())
    with open_store(args, early) as store:
        identity = store.identity
        scope = scope_of(identity.scope if identity else None, args.unit)
        counted = figures(store.engine, window, scope)
    if args.json:
        print_json(counted)
        return ExitCode.OK
    period = _("{start} to {end}").format(start=window.start, end=window.end)
    if args.xlsx:
        from client.exports.figures import export_figures

        export_figures(counted, period=period, units=units_text(scope), path=Path(args.xlsx))
        say(args.xlsx)
        return ExitCode.OK
    say(f"{period}  {units_text(scope)}")
    width = max(len(fig.key) for fig in FIGURES)
    for fig in FIGURES:
        say(f"{fig.key:<{width}}  {counted[fig.key]:>7}  {fig.label(language())}")
    return ExitCode.OK


def register(report: Commands) -> None:
    sub = report.add("supervision", cmd_supervision, "the district's supervision figures")
    sub.add_argument("--from", dest="from_", metavar="D", help="first day (default: 1 January)")
    sub.add_argument("--to", metavar="D", help="last day, included (default: today)")
    sub.add_argument("--unit", metavar="PREFIX", help="a unit's code or a town's 9 digits")
    out = sub.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="exactly the figures' keys and counts")
    out.add_argument("--xlsx", metavar="FILE", help="write the figures to an .xlsx sheet")
