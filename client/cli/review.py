"""``sanwu disclosure submit|take-back|approve|return|withdraw ID``: a disclosure's review
from a shell, each the store's step (``Store.review``), so the command line refuses what
the app refuses, with the same sentence (exit 4). ``--reason T``: on return the opinion
the unit reads (required); on submit and approve an optional note the record's history
keeps. ``sanwu disclosure waiting`` lists what waits for this device's review, oldest
first."""

from __future__ import annotations

import argparse
from datetime import date

from client.cli.common import CliError, Commands, open_store, print_json, say
from client.i18n import _, label
from sync.failures import ExitCode

__all__ = ["register"]


NOTE_MAX = 2000
"""The longest note a step keeps (a return's reason is as long at most)."""


def _step(args: argparse.Namespace, step: str, reason: str = "") -> int:
    from models.rules.disclosures import Step

    note = "" if step == "return" else (getattr(args, "reason", None) or "").strip()
    if len(note) > NOTE_MAX:
        raise CliError(_("--reason: at most {n} characters").format(n=NOTE_MAX))
    with open_store(args) as store:
        changes = store.review.steps(
            args.id, Step(step), today=date.today(), reason=reason, note=note
        )
    for record_id, done in zip(args.id, changes, strict=True):
        say(f"{record_id}: {label('disclosure', 'status', done['status'])}")
    return ExitCode.OK


def cmd_submit(args: argparse.Namespace) -> int:
    return _step(args, "submit")


def cmd_take_back(args: argparse.Namespace) -> int:
    return _step(args, "take_back")


def cmd_approve(args: argparse.Namespace) -> int:
    return _step(args, "approve")


def cmd_return(args: argparse.Namespace) -> int:
    reason = (args.reason or "").strip()
    if not reason:
        raise CliError(_("--reason: say why it is returned (the unit reads it)"))
    return _step(args, "return", reason)


def cmd_withdraw(args: argparse.Namespace) -> int:
    return _step(args, "withdraw")


def cmd_waiting(args: argparse.Namespace) -> int:
    from client import queries
    from client.labels import unit_name

    with open_store(args) as store:
        rows = [
            row
            for row in queries.waiting_reviews(
                store.engine, store.identity.scope if store.identity else ""
            )
            if store.review.waits_here(str(row["org_code"]))
        ]
    if args.json:
        print_json(rows)
        return ExitCode.OK
    for row in rows:
        say(
            f"{row['id']}  {row['submitted_on'] or '—'}  {unit_name(row['org_code'], short=True)}"
            f"  {row['catalog_code']} {row['period']}  {row['title']}"
        )
    return ExitCode.OK


def register(commands: Commands) -> None:
    disclosure = commands.group("disclosure", "a disclosure's review: submit, approve, return")
    for name, handler, text in (
        ("submit", cmd_submit, "submit for review (草稿/已退回 → 待审核)"),
        ("take-back", cmd_take_back, "take a submission back (待审核 → 草稿)"),
        ("approve", cmd_approve, "publish after review (→ 已公开)"),
        ("return", cmd_return, "return with the reviewer's opinion (→ 已退回)"),
        ("withdraw", cmd_withdraw, "withdraw a published disclosure (→ 已撤回)"),
    ):
        sub = disclosure.add(name, handler, text)
        sub.add_argument("id", nargs="+", metavar="ID", help="one or more (one transaction)")
        if name == "return":
            sub.add_argument("--reason", required=True, metavar="T", help="what to correct")
        elif name in ("submit", "approve"):
            sub.add_argument("--reason", metavar="T", help="a note kept in the history")
    waiting = disclosure.add("waiting", cmd_waiting, "what waits for this device's review")
    waiting.add_argument("--json", action="store_true")
