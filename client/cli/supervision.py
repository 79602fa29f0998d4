"""``sanwu warning ...``, ``sanwu clue ...`` and ``sanwu reminder ...``: the supervision
loop from a shell. Each action is one of the store's (``Store.supervision``), so the
command line refuses what the app refuses, with the same sentence (exit 4)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from client.cli.common import (
    CliError,
    Commands,
    choice_argument,
    cli_day,
    note_reveal,
    open_store,
    print_json,
    say,
    shown,
)
from client.i18n import _, label
from sync.failures import ExitCode


def _step(args: argparse.Namespace, step: str, **kwargs: Any) -> int:
    from models.rules.warnings import Step

    with open_store(args) as store:
        done = store.supervision.step(args.id, Step(step), today=date.today(), **kwargs)
        status = done.warning.get("status")
    shown_status = label("warning", "status", status) if status else _("unchanged")
    feedback = _(" (feedback {id})").format(id=done.feedback_id) if done.feedback_id else ""
    say(f"{args.id}: {shown_status}{feedback}")
    return ExitCode.OK


# ---- warnings ------------------------------------------------------------------------------


def cmd_issue(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        identity = store.identity
        fields = {
            "doc_type": args.type,
            "title": args.title,
            "problems": "\n".join(args.problem),
            "reply_due": cli_day(args.reply_due, "--reply-due", default=date.today()).isoformat(),
            "sms": args.sms,
            "on_paper": args.paper,
            "doc_no": args.doc_no or "",
            "issued_by": identity.org_name if identity else "",
        }
        made = store.supervision.issue(args.unit, fields, today=date.today())
    for record_id in made:
        say(record_id)
    return ExitCode.OK


def cmd_warning_list(args: argparse.Namespace) -> int:
    from client import queries

    with open_store(args) as store:
        warnings = store.list_records("warning")
    flt = queries.WarningFilter(
        status=args.status or "", unit=args.unit or "", overdue=args.overdue
    )
    rows = queries.filter_warnings(warnings, flt, date.today())
    if args.json:
        print_json(rows)
        return ExitCode.OK

    from client.labels import unit_name

    for w in rows:
        say(
            f"{w['id']}  {unit_name(w['org_code'], short=True)}  "
            f"{label('warning', 'doc_type', w['doc_type'])}  "
            f"{label('warning', 'status', w['status'])}  {w['reply_due'] or '—'}  {w['title']}"
        )
    return ExitCode.OK


def cmd_sign(args: argparse.Namespace) -> int:
    return _step(args, "sign")


def cmd_feedback(args: argparse.Namespace) -> int:
    digests: list[str] = []
    if args.attach:
        from client.attachments import Attachments

        with open_store(args) as store:
            files = Attachments(store)
            digests = [files.add_file(Path(name)) for name in args.attach]
    return _step(
        args,
        "complete" if args.completed else "report",
        progress=args.progress,
        rectified=[str(n) for n in args.rectified],
        attachments=digests,
    )


def cmd_accept(args: argparse.Namespace) -> int:
    return _step(args, "accept", note=args.note or "")


def cmd_return(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise CliError(_("--reason: say why it is returned (the unit reads it)"))
    return _step(args, "return", note=args.reason.strip())


# ---- clues ------------------------------------------------------------------------------------


def cmd_clue_add(args: argparse.Namespace) -> int:
    received = cli_day(args.received_on, "--received-on", default=date.today())
    with open_store(args) as store:
        record_id = store.add(
            "clue",
            {
                "org_code": args.unit,
                "source": args.source,
                "problem": args.problem,
                "description": args.description,
                "received_on": received.isoformat(),
                "reporter_contact": args.contact or "",
            },
        )
    say(record_id)
    return ExitCode.OK


def cmd_clue_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        clues = [
            c for c in store.list_records("clue") if not args.status or c["status"] == args.status
        ]
    rows = [shown("clue", clue, False) for clue in clues]
    if args.json:
        print_json(rows)
        return ExitCode.OK

    for c in rows:
        say(
            f"{c['id']}  {c['org_code']}  {label('clue', 'problem', c['problem'])}  "
            f"{label('clue', 'status', c['status'])}  "
            f"{label('clue', 'outcome', c['outcome']) or '—'}"
        )
    return ExitCode.OK


def cmd_clue_show(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        kind, record = store.get(args.id)
        if kind != "clue":
            from client.labels import kind_name

            raise CliError(
                _("{id} is a {kind}, not a clue").format(id=args.id, kind=kind_name(kind))
            )
        if args.reveal:
            note_reveal(store, kind, args.id, ["reporter_contact"])
    fields = shown("clue", record, args.reveal)
    if args.json:
        print_json(fields)
    else:
        width = max(len(name) for name in fields)
        for name, value in fields.items():
            say(f"{name:<{width}}  {value}")
    return ExitCode.OK


def cmd_clue_investigate(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        store.supervision.investigate(args.id)
    say(f"{args.id}: {label('clue', 'status', 'investigating')}")
    return ExitCode.OK


def cmd_clue_outcome(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        warning = {"reply_due": args.reply_due} if args.reply_due else None
        raised = store.supervision.conclude(
            args.id,
            args.outcome,
            today=date.today(),
            finding=args.finding or "",
            people=args.people,
            warning=warning,
        )
    outcome = label("clue", "outcome", args.outcome)
    concluded = _("{id}: concluded ({outcome})").format(id=args.id, outcome=outcome)
    say(concluded + (_("; warning {id}").format(id=raised) if raised else ""))
    return ExitCode.OK


# ---- reminders --------------------------------------------------------------------------------


def cmd_reminder_list(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        reminders = [r for r in store.list_records("reminder") if args.all or r["status"] == "open"]
    if args.json:
        print_json(reminders)
        return ExitCode.OK

    for r in reminders:
        say(
            f"{r['id']}  {r['org_code']}  {label('reminder', 'step', r['step'])}  "
            f"{label('reminder', 'proposal', r['proposal']) or '—'}  {r['title']}"
        )
    return ExitCode.OK


def cmd_reminder_confirm(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        identity = store.identity
        warning_id = store.supervision.confirm_proposal(
            args.id, today=date.today(), issued_by=identity.org_name if identity else ""
        )
    say(warning_id)
    return ExitCode.OK


def cmd_reminder_dismiss(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        store.supervision.dismiss_proposal(args.id)
    say(_("{id}: dismissed").format(id=args.id))
    return ExitCode.OK


def register(commands: Commands) -> None:
    warning = commands.group("warning", "warnings and supervision documents: issue, sign, report")
    issue = warning.add("issue", cmd_issue, "issue to one or more units (one record each)")
    issue.add_argument("--unit", action="append", required=True, metavar="CODE")
    choice_argument(issue, "--type", "warning", "doc_type", required=True)
    issue.add_argument("--title", required=True)
    issue.add_argument("--problem", action="append", required=True, metavar="P")
    issue.add_argument("--reply-due", required=True, metavar="DATE")
    issue.add_argument("--sms", action="store_true", help="also remind the unit's contact by SMS")
    issue.add_argument(
        "--paper",
        action="store_true",
        help="also delivered on paper (线下送达: printed, handed over)",
    )
    issue.add_argument("--doc-no", metavar="N", help="the document's number (文号)")
    listing = warning.add("list", cmd_warning_list, "warnings, with filters")
    choice_argument(listing, "--status", "warning", "status")
    listing.add_argument("--unit", metavar="PREFIX")
    listing.add_argument("--overdue", action="store_true")
    listing.add_argument("--json", action="store_true")
    sign = warning.add("sign", cmd_sign, "sign for receipt")
    sign.add_argument("id")
    feedback = warning.add("feedback", cmd_feedback, "report progress (or the work done)")
    feedback.add_argument("id")
    feedback.add_argument("--progress", required=True, metavar="TEXT")
    feedback.add_argument("--rectified", nargs="+", type=int, default=[], metavar="N")
    feedback.add_argument("--completed", action="store_true", help="the work is done: verify it")
    feedback.add_argument("--attach", action="append", default=[], metavar="F")
    accept = warning.add("accept", cmd_accept, "accept the report waiting for a verdict")
    accept.add_argument("id")
    accept.add_argument("--note", metavar="T")
    back = warning.add("return", cmd_return, "return the report, with the reason")
    back.add_argument("id")
    back.add_argument("--reason", required=True, metavar="T")

    clue = commands.group("clue", "problem clues: intake, check, one outcome")
    add = clue.add("add", cmd_clue_add, "take in a clue; prints its id")
    add.add_argument("--unit", required=True, metavar="CODE", help="the unit it is about")
    choice_argument(add, "--source", "clue", "source", required=True)
    choice_argument(add, "--problem", "clue", "problem", required=True)
    add.add_argument("--description", required=True)
    add.add_argument("--received-on", metavar="DATE")
    add.add_argument("--contact", help="the reporter's contact (personal: sealed)")
    clue_list = clue.add("list", cmd_clue_list, "clues")
    choice_argument(clue_list, "--status", "clue", "status")
    clue_list.add_argument("--json", action="store_true")
    show = clue.add("show", cmd_clue_show, "one clue")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.add_argument("--reveal", action="store_true", help="show the reporter's contact")
    check = clue.add("investigate", cmd_clue_investigate, "start the check (核查)")
    check.add_argument("id")
    outcome = clue.add("outcome", cmd_clue_outcome, "conclude with one outcome")
    outcome.add_argument("id")
    choice_argument(outcome, "--outcome", "clue", "outcome", required=True)
    outcome.add_argument("--finding", metavar="T", help="what the check found")
    outcome.add_argument("--people", type=int, default=0, help="people disciplined (case filed)")
    outcome.add_argument("--reply-due", metavar="DATE", help="rectification: the warning's date")

    reminder = commands.group("reminder", "reminders central raised; proposed warnings")
    rlist = reminder.add("list", cmd_reminder_list, "open reminders")
    rlist.add_argument("--all", action="store_true", help="closed ones too")
    rlist.add_argument("--json", action="store_true")
    confirm = reminder.add("confirm", cmd_reminder_confirm, "issue the proposed warning")
    confirm.add_argument("id")
    dismiss = reminder.add("dismiss", cmd_reminder_dismiss, "do not issue the proposed warning")
    dismiss.add_argument("id")
