"""The client's ``sanwu`` commands, for town staff's scripts and support staff's hands.

One module per area registers its commands (``register(commands)``): records, sync
(with queue, conflicts, status), import_export, home (enroll, passphrase, wipe,
diagnostics, catalog, and the app when no command is given), attachments and
supervision (warnings, clues, reminders), review (a disclosure's), bulletin, duty (the
duty list and its items' scores), reports (``sanwu report supervision|duty``) and doctor
(support staff's checks of a home); common
holds what they share. ``sanwu central`` and ``sanwu demo`` are not here: the client
never imports central, so the top-level ``sanwu`` package adds them (``extra``).

Exit codes are sync.failures.ExitCode (0 done, 2 usage or validation, 3 offline,
4 refused by central, 5 protocol, 6 busy, 7 a doctor check failed, 8 the database is
unusable or the disk full); which error ends with which is each error
class's entry in the failure table. Output for machines is ``--json``; personal fields
are masked unless ``--reveal`` is given.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from client.cli import (
    attachments,
    bulletin,
    doctor,
    duty,
    home,
    import_export,
    records,
    reports,
    review,
    supervision,
    sync,
)
from client.cli.common import Commands, Registrar, run
from client.home import private_umask
from models.i18n import language_in, set_language
from sync.cli_text import Parser
from sync.failures import pipe_safe

__all__ = ["AREAS", "build_parser", "main"]

AREAS: tuple[Registrar, ...] = (
    home.register,
    records.register,
    supervision.register,
    review.register,
    bulletin.register,
    duty.register,
    reports.register,
    sync.register,
    import_export.register,
    attachments.register,
    doctor.register,
)
"""The client's command areas, in the order ``--help`` lists them."""


class _Version(argparse.Action):
    """``--version``, looked up only when asked (the metadata costs a scheduled run)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from client.version import version

        parser.exit(message=f"{parser.prog} {version()}\n")


def build_parser(extra: Sequence[Registrar] = ()) -> argparse.ArgumentParser:
    """The parser of the global options and every area's commands, then ``extra``'s."""
    parser: argparse.ArgumentParser = Parser(
        prog="sanwu", description="Sanwu: three-affairs disclosure records that sync when they can."
    )
    parser.add_argument(
        "--home", help="local data directory (default: SANWU_HOME or the user data dir)"
    )
    parser.add_argument("--lang", default=None, help="UI language: zh_CN (default) or en")
    parser.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the local data's passphrase from FILE (first line); or SANWU_PASSPHRASE",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version")
    parser.set_defaults(handler=home.cmd_app)
    commands = Commands(parser.add_subparsers(dest="command", metavar="COMMAND"))
    for register in (*AREAS, *extra):
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, extra: Sequence[Registrar] = ()) -> int:
    """Parse ``argv`` and run the command; returns its exit code (a closed pipe: 0,
    quietly, ``sync.failures.pipe_safe``)."""

    private_umask()  # every file a command writes holds personal data: 0600, folders 0700

    def command() -> int:
        set_language(language_in(sys.argv[1:] if argv is None else argv))  # help worded in it
        args = build_parser(extra).parse_args(argv)
        return run(args.handler, args)

    return pipe_safe(command)
