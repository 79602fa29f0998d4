"""Central's command line, the one behind ``python -m central ...`` and ``sanwu central ...``.

    init [--demo] [--db URL]
    serve [--host H] [--port P] [--db URL] [--tls-cert PEM --tls-key PEM]
          [--init [--demo]] [--log-level L] [--workers N]
    check [--json] [--db URL]                   schema, counts, oldest unacknowledged device
    enroll-code --unit CODE --role clerk|town|supervisor|support [--ttl S] [--db URL]
    revoke DEVICE [--db URL]
    import-bundle FILE --reply OUT [--db URL]
    contacts import FILE [--partial] [--db URL]   units' SMS contacts from .xlsx/.csv
    contacts list [--json] [--db URL]
    sms list [--json] [--status S] [--limit N] [--db URL]
    sms send [--db URL]                          one delivery pass now
    remind [--today YYYY-MM-DD] [--json] [--sms-after N] [--propose-after M]
    catalog import FILE [--issuer CODE] [--edition NAME]
    assign --body CODE --unit CODE...
    duty [--late-share S]                       the district's late share, handed down
    units [--level L] [--json]                  the units' codes and names (for enroll-code)
    rotate-key [--batch N] [--db URL]           a new data key; every sealed value re-sealed

The database is ``--db``, else SANWU_CENTRAL_DB, else the default the caller passes
in (``sanwu central`` passes HOME/central.db; central never imports the client to
find HOME). Failures are one line on stderr and an exit code from the failure table
(sync.failures): 2 for the operator's mistakes, 4 for a refused bundle.
Heavy modules (uvicorn, FastAPI, the migrations) are imported by the command that
needs them, so ``--help`` and the admin commands start quickly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import time
from pathlib import Path

from models.i18n import N_, _, language_in, set_language
from sync.cli_text import Parser, os_reason
from sync.failures import ExitCode, Failure, Retry, failure_of, pipe_safe

__all__ = ["ENV_CENTRAL_DB", "PROG", "CentralCliError", "build_parser", "main"]

PROG = "python -m central"
ENV_CENTRAL_DB = "SANWU_CENTRAL_DB"
ROLES = ("clerk", "town", "supervisor", "support")
"""sync.protocol.Role's values (a test keeps them equal), named here so --help stays cheap."""
LEVELS = ("district", "town", "village", "community", "department", "discipline")
"""models.orgs.LEVELS in the order of the tree (a test keeps them equal)."""

DefaultDb = Callable[[], str]
Handler = Callable[[argparse.Namespace, str], int]


class CentralCliError(Exception):
    """A central command's own refusal (bad flags, an unreadable file): one line, exit 2
    unless it says otherwise."""

    failure: Failure = Failure(ExitCode.USAGE, Retry.NEVER)

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.failure = Failure(code, Retry.NEVER)


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def cmd_init(args: argparse.Namespace, db_url: str) -> int:
    from central.admin import init_db

    init_db(db_url, demo=args.demo)
    if args.demo:
        _say(_("central database ready with Donghe demo data"))
    else:
        _say(_("central database ready"))
    return ExitCode.OK


def cmd_serve(args: argparse.Namespace, db_url: str) -> int:
    if bool(args.tls_cert) != bool(args.tls_key):
        raise CentralCliError(_("--tls-cert and --tls-key go together"))
    if args.workers < 1:
        raise CentralCliError(_("--workers: at least 1"))
    if args.workers > 1 and db_url.startswith("sqlite"):
        raise CentralCliError(
            _(
                "--workers {n} needs PostgreSQL: SQLite lets one process write at a time, "
                "so serve it with one worker (the default)"
            ).format(n=args.workers)
        )
    from central.admin import init_db
    from central.sealing import load_key
    from central.server import Tls, serve
    from central.settings import CentralSettings

    load_key(db_url)  # no serving without the data key: every push and pull needs it
    if args.init or args.demo:
        init_db(db_url, demo=args.demo)
    tls = Tls(args.tls_cert, args.tls_key) if args.tls_cert else None
    settings = CentralSettings(db_url=db_url, remind_at=_clock_time(args.remind_at))
    serve(
        settings,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        tls=tls,
        workers=args.workers,
    )
    return ExitCode.OK


def cmd_check(args: argparse.Namespace, db_url: str) -> int:
    import json

    from central.check import check

    found = check(db_url)
    if args.json:
        _say(json.dumps(found.as_json(), ensure_ascii=False))
    if found.schema is None:  # no central here (yet): a script must not take it for a fine one
        raise CentralCliError(found.lines()[0], ExitCode.STORAGE)
    if not args.json:
        for line in found.lines():
            _say(line)
    return ExitCode.OK


def _clock_time(text: str | None) -> time | None:
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise CentralCliError(_("--remind-at: write a time like 06:30")) from None


def cmd_enroll_code(args: argparse.Namespace, db_url: str) -> int:
    from central.admin import new_enroll_code
    from central.errors import BadRequest, NotFound

    if args.ttl <= 0:
        raise CentralCliError(_("--ttl: at least 1 second"))
    try:
        code = new_enroll_code(db_url, unit=args.unit, role=args.role, ttl_s=args.ttl)
    except NotFound:
        unknown = _("--unit: no org unit {unit} (run `init` first?)")
        raise CentralCliError(unknown.format(unit=args.unit)) from None
    except BadRequest as exc:
        if exc.code != "role_mismatch":
            raise
        mismatch = _("--role {role} does not fit the unit {unit}")
        raise CentralCliError(mismatch.format(role=args.role, unit=args.unit)) from None
    except ValueError as exc:
        raise CentralCliError(str(exc)) from exc
    _say(code)
    return ExitCode.OK


def cmd_revoke(args: argparse.Namespace, db_url: str) -> int:
    from central.admin import revoke_device

    if bool(args.device) == bool(args.device_flag):
        raise CentralCliError(_("name the device to revoke once: revoke DEVICE"))
    device = args.device or args.device_flag
    from central.errors import NotFound

    try:
        revoke_device(db_url, device)
    except NotFound:
        raise CentralCliError(_("no device {device}").format(device=device)) from None
    except ValueError as exc:
        raise CentralCliError(str(exc)) from exc
    _say(_("device {device} revoked").format(device=device))
    return ExitCode.OK


def cmd_import_bundle(args: argparse.Namespace, db_url: str) -> int:
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CentralCliError(
            _("cannot read the bundle ({reason})").format(reason=os_reason(exc))
        ) from exc
    from central.bundles import import_bundle_file
    from central.errors import CentralError

    try:
        outcome = import_bundle_file(db_url, data)
    except CentralError as exc:
        said = _BUNDLE_REFUSALS.get(exc.code)
        if said is None:
            raise
        raise CentralCliError(_(said), exc.failure.exit_code) from None
    Path(args.reply).write_bytes(outcome.reply)
    statuses = [r.status.value for r in outcome.results]
    counts = ", ".join(f"{s} {statuses.count(s)}" for s in sorted(set(statuses))) or _("none")
    _say(
        _(
            "device {device}: {ops} ops ({counts}); {kept} files kept; reply with {changes} "
            "changes and {sent} files written"
        ).format(
            device=outcome.device_id,
            ops=len(statuses),
            counts=counts,
            kept=outcome.files_stored,
            changes=outcome.changes,
            sent=outcome.files_sent,
        )
    )
    return ExitCode.OK


def cmd_rotate_key(args: argparse.Namespace, db_url: str) -> int:
    """A new data key for central (``central.rotation``): resumable; prints the counts."""
    from central.rotation import rotate_key

    if args.batch < 1:
        raise CentralCliError(_("--batch: at least 1"))
    done = rotate_key(db_url, batch=args.batch)
    said = (
        _("Rotation resumed: key {old} retired, key {new} seals now")
        if done.resumed
        else _("Key rotated: key {old} retired, key {new} seals now")
    )
    _say(said.format(old=done.old_key_id, new=done.new_key_id))
    for place, count in done.counts.items():
        _say("  " + _("{place}: {n} re-sealed").format(place=place, n=count))
    return ExitCode.OK


_BUNDLE_REFUSALS = {
    "bad_bundle": N_("not a device's bundle, or a damaged one"),
    "unknown_device": N_("the bundle's device is not enrolled here"),
    "revoked": N_("the bundle's device is revoked: its bundle is refused"),
    "bad_signature": N_(
        "bundle refused: its signature does not verify (tampered with, or another key)"
    ),
}
"""Central's refusals of a bundle (``CentralError.code``) as the operator reads them."""


def cmd_units(args: argparse.Namespace, _db_url: str) -> int:
    """The units central knows (``models.orgs``), so an operator finds the code that
    ``enroll-code --unit`` wants without looking into the database."""
    from models.orgs import load_org_units

    units = [unit for unit in load_org_units() if args.level in (None, unit.level)]
    if args.json:
        import json
        from dataclasses import asdict

        _say(json.dumps([asdict(unit) for unit in units], ensure_ascii=False, indent=2))
        return ExitCode.OK
    for unit in units:
        _say(f"{unit.code}  {unit.level:<10}  {unit.name}")
    return ExitCode.OK


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help=f"database URL (default: {ENV_CENTRAL_DB}; under `sanwu central`, HOME/central.db)",
    )


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The parser both entry points use; ``prog`` is only how --help names the command."""
    parser: argparse.ArgumentParser = Parser(prog=prog, description="Run and administer central.")
    parser.add_argument("--lang", help="UI language: zh_CN (default) or en")
    actions = parser.add_subparsers(dest="central_command", metavar="ACTION", required=True)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        _add_db(sub)
        return sub

    init = add("init", cmd_init, "create or upgrade central's database")
    init.add_argument("--demo", action="store_true", help="load the Donghe demo data")

    serve = add("serve", cmd_serve, "serve the sync API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--tls-cert", metavar="PEM", help="PEM certificate chain: serve HTTPS")
    serve.add_argument("--tls-key", metavar="PEM", help="PEM private key of --tls-cert")
    serve.add_argument("--init", action="store_true", help="create or upgrade the database first")
    serve.add_argument("--demo", action="store_true", help="--init with the Donghe demo data")
    serve.add_argument("--log-level", default="warning", help="uvicorn's (default: warning)")
    serve.add_argument(
        "--remind-at",
        metavar="HH:MM",
        default=os.environ.get("SANWU_REMIND_AT"),
        help="run the reminder pass daily at this time (default: SANWU_REMIND_AT; else only "
        "by `remind`)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes on the one port (PostgreSQL only; default 1)",
    )

    look = add("check", cmd_check, "schema version, counts, the oldest unacknowledged device")
    look.add_argument("--json", action="store_true", help="one JSON object, for scripts")

    code = add("enroll-code", cmd_enroll_code, "make a one-time enrollment code")
    code.add_argument("--unit", required=True, metavar="CODE", help="12-digit org code")
    code.add_argument("--role", required=True, choices=ROLES)
    code.add_argument("--ttl", type=int, default=86_400, help="seconds the code stays valid")

    revoke = add("revoke", cmd_revoke, "revoke a device")
    revoke.add_argument("device", metavar="DEVICE", nargs="?", help="the device id")
    revoke.add_argument("--device", dest="device_flag", help=argparse.SUPPRESS)

    units_help = "list the units' codes and names"
    units = actions.add_parser("units", help=units_help, description=units_help)
    units.set_defaults(handler=cmd_units, needs_db=False)
    units.add_argument("--level", choices=LEVELS, help="only units of this level")
    units.add_argument("--json", action="store_true", help="one JSON array, for scripts")

    bundle = add("import-bundle", cmd_import_bundle, "apply a device's bundle, write the reply")
    bundle.add_argument("file", metavar="FILE", help="the bundle from `sanwu sync --export`")
    bundle.add_argument("--reply", required=True, metavar="OUT", help="the reply bundle to write")
    rotate = add("rotate-key", cmd_rotate_key, "make a new data key and re-seal every value")
    rotate.add_argument(
        "--batch", type=int, default=500, metavar="N", help="rows per transaction (default 500)"
    )
    from central import cli_supervision

    cli_supervision.register(add)
    from central import cli_sms

    cli_sms.register(actions, _add_db)
    return parser


def _database(given: str | None, default_db: DefaultDb | None) -> str:
    url = given or os.environ.get(ENV_CENTRAL_DB) or (default_db() if default_db else "")
    if not url:
        raise CentralCliError(_("give the database: --db URL or {env}").format(env=ENV_CENTRAL_DB))
    return url


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str = PROG,
    default_db: DefaultDb | None = None,
    lang: str | None = None,
) -> int:
    """Run one central command; returns its exit code (failures: one line on stderr; a
    closed pipe: 0, quietly, ``sync.failures.pipe_safe``). The language is ``--lang``,
    else ``lang`` (``sanwu --lang en central ...``), else SANWU_LANG, else Chinese."""
    args_ = list(sys.argv[1:] if argv is None else argv)
    set_language(language_in(args_) or lang)
    return pipe_safe(lambda: _run(args_, prog, default_db))


def _run(argv: Sequence[str], prog: str, default_db: DefaultDb | None) -> int:
    args = build_parser(prog).parse_args(argv)
    handler: Handler = args.handler
    try:
        db_url = _database(args.db, default_db) if getattr(args, "needs_db", True) else ""
        return handler(args, db_url)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        failure = failure_of(exc)
        if failure is None:
            raise
        sys.stderr.write(f"sanwu: {_(str(exc))}\n")  # a message that is a msgid, translated
        return failure.exit_code
