"""``sanwu bulletin draft|issue|list``: supervision bulletins (监督通报) from a shell. A
bulletin is issued by a supervising level under its own unit's code, names units it
supervises (``models.rules.bulletins``) and reaches every device below that level.
``sanwu bulletin draft --from D --to D [--below P] [--json]`` words the findings of a
period (``models.rules.bulletin_findings``: late disclosures, documents unanswered past
their date, low duty scores) as a draft; its ``--json`` is exactly what ``issue
--draft`` reads back, so a draft is written, edited and issued. Its errors are in the
interface language and name the flag; they exit 2 (``ExitCode.USAGE``)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from client.cli.common import CliError, Commands, cli_day, open_store, print_json, say
from client.i18n import N_, _
from sync.cli_text import os_reason
from sync.failures import ExitCode

if TYPE_CHECKING:
    from models.figure_counts import Window

__all__ = ["draft_window", "register"]


NOT_A_DRAFT = N_("--draft: {path} is not the JSON `sanwu bulletin draft` writes")


def _from_draft(path: str) -> dict[str, Any]:
    try:
        draft = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CliError(
            _("--draft: cannot read {path} ({reason})").format(path=path, reason=os_reason(exc))
        ) from None
    except ValueError:
        raise CliError(_(NOT_A_DRAFT).format(path=path)) from None
    if not isinstance(draft, dict):
        raise CliError(_(NOT_A_DRAFT).format(path=path))
    return draft


def draft_window(from_: str | None, to: str | None) -> Window:
    """``--from`` and ``--to``, both included; the first not after the last."""
    from client.i18n import _
    from models.figure_counts import Window

    start, end = cli_day(from_, "--from"), cli_day(to, "--to")
    if start > end:
        raise CliError(
            _("--from {start} is after --to {end}: the first day comes first").format(
                start=start, end=end
            )
        )
    return Window(start, end)


def _below(text: str | None) -> Decimal:
    """``--below``: a percentage of the points due, 0 to 100 (default 60)."""
    from client.i18n import _
    from models.rules.bulletin_findings import LOW_SCORE_SHARE

    if text is None:
        return LOW_SCORE_SHARE
    try:
        percent = Decimal(text)
    except InvalidOperation:
        percent = Decimal(-1)
    if not 0 <= percent <= 100:
        raise CliError(_("--below: a percentage from 0 to 100, such as 60"))
    return percent / 100


def cmd_draft(args: argparse.Namespace) -> int:
    from client.analysis.findings import draft, gather
    from client.i18n import _, set_language

    set_language(args.lang)
    window = draft_window(args.from_, args.to)
    share = _below(args.below)
    with open_store(args) as store:
        identity = store.identity
        found = gather(
            store.engine,
            window,
            scope=identity.scope if identity is not None else None,
            issuer=identity.org_code if identity is not None else "",
            share=share,
        )
    written = draft(found)
    if args.json:
        print_json(written)
        return ExitCode.OK
    from client.labels import unit_name

    named = "、".join(unit_name(code) for code in written["named_units"]) or "—"
    say(written["title"])
    say("")
    say(written["body"])
    say("")
    say(_("Units named: {units}").format(units=named))
    return ExitCode.OK


def cmd_issue(args: argparse.Namespace) -> int:
    draft = _from_draft(args.draft) if args.draft else {}
    body = args.body
    if args.body_file:
        try:
            body = Path(args.body_file).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CliError(
                _("--body-file: cannot read it ({reason})").format(reason=os_reason(exc))
            ) from None
    fields = {
        "title": args.title or draft.get("title") or "",
        "doc_no": args.doc_no or draft.get("doc_no") or "",
        "period_from": cli_day(args.from_ or draft.get("period_from"), "--from").isoformat(),
        "period_to": cli_day(args.to or draft.get("period_to"), "--to").isoformat(),
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
    bulletin = commands.group("bulletin", "supervision bulletins (监督通报): draft, issue, list")
    drafted = bulletin.add("draft", cmd_draft, "a period's findings worded as a bulletin")
    drafted.add_argument("--from", dest="from_", metavar="D", help="the period's first day")
    drafted.add_argument("--to", metavar="D", help="the period's last day (findings as of it)")
    drafted.add_argument(
        "--below",
        metavar="P",
        help="a duty score below P%% of the points due is low (default 60)",
    )
    drafted.add_argument("--json", action="store_true", help="the JSON `issue --draft` reads")
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
