"""``sanwu bulletin issue|list``: supervision bulletins (监督通报) from a shell. A
bulletin is issued by a supervising level under its own unit's code, names units it
supervises (``models.rules.bulletins``) and reaches every device below that level.
``sanwu bulletin draft`` (the findings of a period, as a draft to edit) writes the JSON
that ``issue --draft`` reads back."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from client.cli.common import CliError, Commands, open_store, print_json, say
from sync.failures import ExitCode

__all__ = ["register"]


def _day(text: str | None, flag: str) -> str:
    if not text:
        raise CliError(f"{flag}: give a date like 2026-12-05")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise CliError(f"{flag}: write a date like 2026-12-05") from None


def _from_draft(path: str) -> dict[str, Any]:
    try:
        draft = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CliError(f"--draft: cannot read {path} ({exc.strerror})") from None
    except ValueError:
        raise CliError(f"--draft: {path} is not the JSON `sanwu bulletin draft` writes") from None
    if not isinstance(draft, dict):
        raise CliError(f"--draft: {path} is not the JSON `sanwu bulletin draft` writes")
    return draft


def cmd_issue(args: argparse.Namespace) -> int:
    draft = _from_draft(args.draft) if args.draft else {}
    body = args.body
    if args.body_file:
        try:
            body = Path(args.body_file).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CliError(f"--body-file: cannot read it ({exc.strerror})") from None
    fields = {
        "title": args.title or draft.get("title") or "",
        "doc_no": args.doc_no or draft.get("doc_no") or "",
        "period_from": _day(args.from_ or draft.get("period_from"), "--from"),
        "period_to": _day(args.to or draft.get("period_to"), "--to"),
        "body": body or draft.get("body") or "",
        "named_units": args.unit or draft.get("named_units") or [],
        "issued_on": date.today().isoformat(),
    }
    with open_store(args) as store:
        identity = store.require_identity()
        record_id = store.add("bulletin", {**fields, "org_code": identity.org_code})
    say(record_id)
    return ExitCode.OK


def cmd_list(args: argparse.Namespace) -> int:
    from client.labels import unit_name

    with open_store(args) as store:
        rows = sorted(store.list_records("bulletin"), key=lambda r: (r["issued_on"] or "", r["id"]))
    if args.json:
        print_json(rows)
        return ExitCode.OK
    for row in rows:
        named = "、".join(unit_name(code, short=True) for code in row["named_units"])
        say(f"{row['id']}  {row['issued_on'] or '—'}  {row['title']}  （{named}）")
    return ExitCode.OK


def register(commands: Commands) -> None:
    bulletin = commands.group("bulletin", "supervision bulletins (监督通报): issue, list")
    issue = bulletin.add("issue", cmd_issue, "issue a bulletin naming units; prints its id")
    issue.add_argument("--draft", metavar="FILE", help="the (edited) JSON of `bulletin draft`")
    issue.add_argument("--title", metavar="T")
    issue.add_argument("--doc-no", metavar="N", help="the document's number (文号)")
    issue.add_argument("--from", dest="from_", metavar="DATE", help="the findings' first day")
    issue.add_argument("--to", metavar="DATE", help="the findings' last day")
    issue.add_argument("--unit", action="append", metavar="CODE", help="a unit it names")
    text = issue.add_mutually_exclusive_group()
    text.add_argument("--body", metavar="T", help="the bulletin's text")
    text.add_argument("--body-file", metavar="F", help="the text from a UTF-8 file")
    listing = bulletin.add("list", cmd_list, "bulletins issued to or by this device's units")
    listing.add_argument("--json", action="store_true")
