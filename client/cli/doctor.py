"""``sanwu doctor [--json]``: the checks of ``client.doctor`` for support staff, one line
each with its verdict and what to do.

Needs no passphrase and changes nothing. Exits 0 when every check is ok, a warning or
could not be made (central away is ``unknown``, not a failure), and
``ExitCode.UNHEALTHY`` (7) when any check fails.
"""

from __future__ import annotations

import argparse

from client.cli.common import Commands, print_json, say
from client.home import resolve_home
from client.i18n import N_, _, set_language
from sync.failures import ExitCode

NAMES = {
    "integrity": N_("Database integrity"),
    "schema": N_("Schema version"),
    "queue": N_("Changes to send"),
    "last_sync": N_("Last sync"),
    "disk": N_("Free disk"),
    "clock": N_("Clock"),
    "certificate": N_("Certificate"),
}
"""Each check's name as support staff read it."""

VERDICTS = {
    "ok": N_("OK"),
    "warn": N_("WARNING"),
    "fail": N_("FAILED"),
    "unknown": N_("UNKNOWN"),
}


def cmd_doctor(args: argparse.Namespace) -> int:
    from client.doctor import examine, worst

    set_language(args.lang)
    checks = examine(resolve_home(args.home))
    verdict = worst(checks)
    code = ExitCode.UNHEALTHY if verdict == "fail" else ExitCode.OK
    if args.json:
        print_json({"verdict": verdict, "checks": [check.as_json() for check in checks]})
        return code
    for check in checks:
        line = _("[{verdict}] {name}: {detail}")
        say(
            line.format(
                verdict=_(VERDICTS[check.verdict]), name=_(NAMES[check.name]), detail=check.detail
            )
        )
        if check.action:
            say(f"    → {check.action}")
    say(_("Overall: {verdict}").format(verdict=_(VERDICTS[verdict])))
    return code


def register(commands: Commands) -> None:
    doctor = commands.add(
        "doctor", cmd_doctor, "check this home for support: database, disk, clock, sync, TLS"
    )
    doctor.add_argument("--json", action="store_true", help="one JSON object, for scripts")
