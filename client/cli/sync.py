"""``sanwu sync`` (one round, ``--watch``, or by file), ``queue``, ``conflicts`` and
``status``: what is waiting to go, what came back, and how the last round went."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from client.cli.common import (
    CliError,
    Commands,
    given_passphrase,
    note_reveal,
    open_store,
    print_json,
    say,
)
from client.home import resolve_home
from client.i18n import N_, _, set_language
from sync.cli_text import os_reason
from sync.failures import ExitCode, Retry, failure_of

if TYPE_CHECKING:
    from sync.progress import RoundReport


WATCH_MIN_INTERVAL = 30.0
"""The shortest wait between two rounds of ``--watch``, in seconds: a shorter
``--interval`` is raised to it (``--interval 0`` once ran 118 rounds in 8 s at central)."""
ENV_MIN_INTERVAL = "SANWU_TEST_MIN_INTERVAL"
"""Tests only: a lower floor for ``--watch`` (seconds), so a bounded loop runs quickly."""


def watch_floor() -> float:
    """``WATCH_MIN_INTERVAL``, unless a test lowers it through ``SANWU_TEST_MIN_INTERVAL``."""
    given = os.environ.get(ENV_MIN_INTERVAL)
    if given:
        try:
            floor = float(given)
        except ValueError:
            raise CliError(
                _("{name} must be a number of seconds").format(name=ENV_MIN_INTERVAL)
            ) from None
        if math.isfinite(floor) and floor >= 0:
            return floor
    return WATCH_MIN_INTERVAL


def _check_numbers(args: argparse.Namespace) -> None:
    """Refuse a negative or non-finite ``--interval`` or ``--max-kbps`` with one line (exit
    2); raise an interval under the floor to it, saying so on stderr."""
    if args.max_kbps is not None and not (math.isfinite(args.max_kbps) and args.max_kbps > 0):
        raise CliError(_("--max-kbps must be a number of kilobits per second above 0"))
    if not (math.isfinite(args.interval) and args.interval >= 0):
        raise CliError(_("--interval must be a number of seconds, 0 or more"))
    floor = watch_floor()
    if args.watch and args.interval < floor:
        floor_text = _(
            "--interval {given:g} is under the floor of {floor:g} s; syncing every {floor:g} s"
        )
        sys.stderr.write("sanwu: " + floor_text.format(given=args.interval, floor=floor) + "\n")
        args.interval = floor


def cmd_sync(args: argparse.Namespace) -> int:
    _check_numbers(args)
    if args.export or args.import_reply:
        return _sync_by_file(args)
    if args.watch:
        return _watch(args)
    _print_round(args, _one_round(args))
    return ExitCode.OK


def _one_round(args: argparse.Namespace) -> RoundReport:
    """A round with nothing to send runs without the store (client.quick_sync: a
    scheduler's usual round starts in a third of the time); any other through it."""
    from client.quick_sync import idle_round

    passphrase = given_passphrase(args)
    if passphrase:
        report = idle_round(resolve_home(args.home), passphrase, max_kbps=args.max_kbps)
        if report is not None:
            return report
    from client.syncing import sync_round

    with open_store(args) as store:
        return sync_round(store, max_kbps=args.max_kbps)


def _sync_by_file(args: argparse.Namespace) -> int:
    """``--export FILE``: the signed bundle of pending ops for a USB stick (nothing is marked
    sent); ``--import-reply FILE``: central's signed answer to it."""
    from client.bundles import export_bundle, import_reply
    from client.files import write_bytes
    from sync.bundle import BundleError

    if args.export and args.import_reply:
        raise CliError(_("--export and --import-reply are separate steps: give one"))
    with open_store(args) as store:
        if args.export:
            out = export_bundle(store)
            write_bytes(Path(args.export), out.data)
            figures = {
                "ops": out.ops,
                "audit": out.audit,
                "files": out.files,
                "wanted": out.wanted,
                "bytes": len(out.data),
            }
            text = _(
                "wrote {ops} ops, {audit} audit entries and {files} files to the bundle "
                "({wanted} files asked for)"
            ).format(ops=out.ops, audit=out.audit, files=out.files, wanted=out.wanted)
        else:
            try:
                data = Path(args.import_reply).read_bytes()
            except OSError as exc:
                raise CliError(
                    _("--import-reply: cannot read the file ({reason})").format(
                        reason=os_reason(exc)
                    )
                ) from exc
            try:
                got = import_reply(store, data)
            except BundleError as exc:
                refused = _("reply refused: {reason}").format(reason=_(str(exc)))
                raise CliError(refused, ExitCode.REFUSED) from exc
            figures = {
                "answered": got.answered,
                "conflicts": got.conflicts,
                "rejected": got.rejected,
                "pulled": got.pulled,
                "files_stored": got.files_stored,
                "files_received": got.files_received,
            }
            text = _(
                "answered {answered}, conflicts {conflicts}, rejected {rejected}, pulled "
                "{pulled}; files central holds now {stored}, files received {received}"
            ).format(stored=got.files_stored, received=got.files_received, **figures)
    if args.json:
        print_json(figures)
    else:
        say(text)
    return ExitCode.OK


def _print_round(args: argparse.Namespace, report: RoundReport) -> None:
    figures = {**report.counts(), "seconds": round(report.seconds, 3)}
    if args.json:
        print_json(figures)
    else:
        text = _(
            "pushed {pushed}, pulled {pulled}, conflicts {conflicts}, rejected {rejected}; "
            "sent {sent} B, received {received} B in {requests} requests"
        ).format(sent=report.bytes_sent, received=report.bytes_received, **report.counts())
        if report.files_sent or report.files_received:
            text += _("; files sent {sent}, fetched {fetched}").format(
                sent=report.files_sent, fetched=report.files_received
            )
        say(text)


def _watch(args: argparse.Namespace) -> int:
    """Sync every ``--interval`` seconds; after a cut link wait with back-off (jittered,
    capped at 10 minutes); stop on what waiting cannot cure (the failure table says which)
    with that failure's message and exit code."""
    from client.syncing import sync_round
    from sync.backoff import Backoff

    backoff = Backoff(base_s=min(WATCH_MIN_INTERVAL, args.interval))
    rounds = 0
    with open_store(args) as store:
        try:
            while args.rounds is None or rounds < args.rounds:
                rounds += 1
                try:
                    report = sync_round(store, max_kbps=args.max_kbps)
                except Exception as exc:
                    failure = failure_of(exc)
                    if failure is None or not failure.retryable:
                        raise
                    if failure.retry is Retry.NEXT_TURN:
                        wait = float(args.interval)
                        say(_("another sync of this home is running; skipping this turn"))
                    else:
                        wait = backoff.failed()
                        say(
                            _("offline ({reason}); next try in {wait:.0f} s").format(
                                reason=exc, wait=wait
                            )
                        )
                else:
                    backoff.succeeded()
                    _print_round(args, report)
                    wait = float(args.interval)
                if args.rounds is None or rounds < args.rounds:
                    _pause(wait)
        except KeyboardInterrupt:
            say(_("stopped"))
    return ExitCode.OK


def _pause(seconds: float) -> None:
    """Wait between rounds of ``--watch`` (a test replaces it to count the waits)."""
    time.sleep(seconds)


def _age(at: datetime) -> float:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return round((datetime.now(UTC) - at).total_seconds(), 1)


def cmd_queue_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        entries = store.queue()
    rows = [
        {
            "op_id": e.op_id,
            "kind": e.kind,
            "record_id": e.record_id,
            "action": e.action,
            "fields": list(e.fields),
            "state": e.state,
            "age_s": _age(e.recorded_at),
            "attempts": e.attempts,
            "last_error": e.last_error,
        }
        for e in entries
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            say(
                f"{row['op_id']}  {row['state']:<11} {row['kind']:<15} {row['action']:<6} "
                f"{row['record_id']}  "
                + _("age {age}s  tries {tries}").format(age=row["age_s"], tries=row["attempts"])
                + f"  {row['last_error']}"
            )
    return ExitCode.OK


def cmd_queue_retry(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        released = store.retry(args.op_id)
    say(_("{count} op(s) back in line").format(count=released))
    return ExitCode.OK


def cmd_conflicts_list(args: argparse.Namespace) -> int:
    from models.kinds import kind_spec

    with open_store(args) as store:
        entries = store.conflicts(include_resolved=args.all)
        if args.reveal:
            for entry in entries:
                if entry.field in kind_spec(entry.kind).personal:
                    note_reveal(store, entry.kind, entry.record_id, [entry.field])
    rows = []
    for entry in entries:
        masked = _masked_conflict(entry.kind, entry.field, entry.base, entry.mine, entry.theirs)
        rows.append(
            {
                "id": entry.id,
                "kind": entry.kind,
                "record_id": entry.record_id,
                "type": entry.type,
                "field": entry.field,
                **(masked if not args.reveal else {}),
                **(
                    {"base": entry.base, "mine": entry.mine, "theirs": entry.theirs}
                    if args.reveal
                    else {}
                ),
                "version": entry.version,
                "resolution": entry.resolution,
            }
        )
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            say(
                f"#{row['id']} {row['kind']} {row['record_id']} {row['field']} ({row['type']}): "
                f"{_('base')}={row['base']!r} {_('mine')}={row['mine']!r} "
                f"{_('theirs')}={row['theirs']!r}"
            )
    return ExitCode.OK


def _masked_conflict(kind: str, field: str, *values: Any) -> dict[str, Any]:
    names = ("base", "mine", "theirs")
    from models.kinds import kind_spec
    from models.masking import mask_record

    if field not in kind_spec(kind).personal:
        return dict(zip(names, values, strict=True))
    return {
        name: mask_record(kind, {field: value}).get(field) if isinstance(value, str) else value
        for name, value in zip(names, values, strict=True)
    }


def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    from sync.resolution import Choice

    if args.take is not None:
        choice, value = Choice(args.take), None
    else:
        choice = Choice.VALUE
        try:
            value = json.loads(args.value)
        except json.JSONDecodeError as exc:
            raise CliError(
                _("--value: not valid JSON (column {column})").format(column=exc.colno)
            ) from exc
    with open_store(args) as store:
        store.resolve(args.id, choice, value)
    say(
        _("conflict #{id} resolved ({choice}); the decision syncs with the next round").format(
            id=args.id, choice=choice.value
        )
    )
    return ExitCode.OK


def cmd_status(args: argparse.Namespace) -> int:
    from client.status import quick_status

    passphrase = given_passphrase(args)
    figures = quick_status(resolve_home(args.home), passphrase) if passphrase else None
    if figures is None:
        figures = _store_status(args)
    if args.json:
        print_json(figures)
    else:
        set_language(args.lang)
        for line in status_lines(figures):
            say(line)
    return ExitCode.OK


ROLE_NAMES = {
    "clerk": N_("village or community clerk"),
    "town": N_("town staff"),
    "supervisor": N_("supervisor"),
    "support": N_("support staff"),
}


def status_lines(figures: dict[str, Any]) -> list[str]:
    """``sanwu status`` for a person: labels in the current language, times to the minute
    in this computer's time, never a Python repr (``--json`` keeps the raw figures)."""
    if figures["enrolled"]:
        role = _(ROLE_NAMES.get(str(figures["role"]), str(figures["role"])))
        enrolled = _("{unit}, as {role}").format(unit=figures["org_code"], role=role)
        server = str(figures["server"])
    else:
        enrolled, server = _("not enrolled"), "—"
    rows = [
        (_("Enrollment"), enrolled),
        (_("Central"), server),
        (_("Changes to send"), str(figures["pending"])),
        (_("Held back by central"), str(figures["quarantined"])),
        (_("Open conflicts"), str(figures["conflicts"])),
        (_("Files to send"), str(figures["files_to_send"])),
        (_("Files to fetch"), str(figures["files_to_fetch"])),
        (_("Last sync"), round_text(figures["last_round"])),
        (_("Open warnings"), str(figures["warnings_open"])),
        (_("Open reminders"), str(figures["reminders_open"])),
    ]
    return [_("{label}: {value}").format(label=label, value=value) for label, value in rows]


def round_text(last: Any) -> str:
    """The last round in a line: when it ended, what moved, whether it failed."""
    if not last:
        return _("never synced")
    moment = last.get("finished_at") or last.get("started_at")
    when = local_minute(moment) if isinstance(moment, datetime) else "—"
    if last.get("error"):
        return _("{when}, failed").format(when=when)
    if not last.get("finished_at"):
        return _("{when}, did not finish").format(when=when)
    return _("{when}, sent {pushed}, received {pulled}").format(
        when=when, pushed=last.get("pushed", 0), pulled=last.get("pulled", 0)
    )


def local_minute(moment: datetime) -> str:
    """A stored UTC time in this computer's time, to the minute: ``2026-12-05 12:46``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _store_status(args: argparse.Namespace) -> dict[str, Any]:
    """The figures through the store: a new home, or one that needs a migration first."""
    from client.status import store_status

    with open_store(args) as store:
        return store_status(store)


def register(commands: Commands) -> None:
    sync = commands.add("sync", cmd_sync, "one full sync round")
    sync.add_argument("--json", action="store_true")
    sync.add_argument("--max-kbps", type=float, default=None, help="cap the bandwidth used")
    sync.add_argument(
        "--watch", action="store_true", help="keep syncing; back off while central is away"
    )
    sync.add_argument(
        "--interval",
        type=float,
        default=300.0,
        help=f"seconds between rounds (at least {WATCH_MIN_INTERVAL:g})",
    )
    sync.add_argument("--rounds", type=int, default=None, help="with --watch: stop after N")
    sync.add_argument(
        "--export", metavar="FILE", help="no link: write the pending ops to a signed bundle"
    )
    sync.add_argument("--import-reply", metavar="FILE", help="apply central's reply bundle")

    queue = commands.group("queue", "inspect and retry the local outbox")
    qlist = queue.add("list", cmd_queue_list, "pending and quarantined ops")
    qlist.add_argument("--json", action="store_true")
    qretry = queue.add("retry", cmd_queue_retry, "put quarantined ops back in line")
    qretry.add_argument(
        "op_id", nargs="?", default=None, metavar="OP_ID", help="one op (default: all)"
    )

    conflicts = commands.group("conflicts", "list and resolve conflicts")
    clist = conflicts.add("list", cmd_conflicts_list, "open conflicts")
    clist.add_argument("--json", action="store_true")
    clist.add_argument("--all", action="store_true", help="include resolved ones")
    clist.add_argument("--reveal", action="store_true")
    resolve = conflicts.add("resolve", cmd_conflicts_resolve, "decide one conflict")
    resolve.add_argument("id", type=int, metavar="ID")
    how = resolve.add_mutually_exclusive_group(required=True)
    how.add_argument("--take", choices=["mine", "theirs"])
    how.add_argument("--value", help="the value to keep, as JSON")

    status = commands.add("status", cmd_status, "enrollment, queue and last sync")
    status.add_argument("--json", action="store_true")
