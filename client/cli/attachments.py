"""``sanwu attachments ...``: add, list, fetch on demand, copy out, and the downscale
setting. Uploads need no command: every sync round sends what central lacks.

client.attachments (and with it the store) is imported by the command that runs, so
building the parser for another command stays cheap."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from client.cli.common import Commands, open_store, say
from client.i18n import _
from sync.failures import ExitCode


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.2f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def cmd_add(args: argparse.Namespace) -> int:
    from client.attachments import Attachments

    with open_store(args) as store:
        files = Attachments(store)
        for name in args.files:
            digest = files.add_file(Path(name))
            say(f"{digest}  {Path(name).name}")
    return ExitCode.OK


def cmd_list(args: argparse.Namespace) -> int:
    from client.attachments import Attachments

    with open_store(args) as store:
        items = Attachments(store).all()
    rows: list[dict[str, Any]] = [
        {
            "digest": item.digest,
            "size": item.size,
            "name": item.name,
            "state": item.state,
            "here": item.here,
            "original": item.original_digest,
            "error": item.last_error,
        }
        for item in items
    ]
    if args.json:
        say(json.dumps(rows, ensure_ascii=False, indent=2))
        return ExitCode.OK
    for row in rows:
        where = _("here") if row["here"] else _("central")
        say(
            f"{row['digest'][:16]}  {row['state']:<8} {where:<7} {_mb(row['size']):>10}  "
            f"{row['name']}  {row['error']}".rstrip()
        )
    return ExitCode.OK


def cmd_fetch(args: argparse.Namespace) -> int:
    from client.attachments import AttachmentError, Attachments

    with open_store(args) as store:
        digests = list(args.digests)
        if args.record:
            _kind, record = store.get(args.record)
            digests.extend(record.get("attachments") or [])
        if not digests:
            raise AttachmentError(_("name a digest or a record (--record ID)"))
        asked = Attachments(store).want(digests)
        say(
            _("{asked} to fetch at the next sync ({here} here already)").format(
                asked=asked, here=len(digests) - asked
            )
        )
        if asked and args.now:
            from client.syncing import sync_round

            report = sync_round(store)
            say(_("fetched {count}").format(count=report.files_received))
    return ExitCode.OK


def cmd_open(args: argparse.Namespace) -> int:
    from client.attachments import Attachments

    folder = Path(args.out)
    with open_store(args) as store:
        path = Attachments(store).open_copy(args.digest, folder)
    say(str(path))
    return ExitCode.OK


def cmd_downscale(args: argparse.Namespace) -> int:
    from client.attachments import AttachmentError, Attachments

    with open_store(args) as store:
        files = Attachments(store)
        if args.pixels is not None:
            text = args.pixels.strip().lower()
            if text not in ("off", "0") and not text.isdigit():
                raise AttachmentError(_("give the longer side in pixels, e.g. 1600, or off"))
            files.set_max_side(0 if text == "off" else int(text))
        side = files.max_side()
    if side:
        say(_("photos go up with the longer side at most {side} px").format(side=side))
    else:
        say(_("downscale off"))
    return ExitCode.OK


def register(commands: Commands) -> None:
    actions = commands.group(
        "attachments", "photos and scans: add, list, fetch on demand, copy out"
    )
    adding = actions.add("add", cmd_add, "copy files in; prints the digest a record names")
    adding.add_argument("files", nargs="+", metavar="FILE")
    listing = actions.add("list", cmd_list, "files here and asked for, and their state")
    listing.add_argument("--json", action="store_true")
    fetch = actions.add("fetch", cmd_fetch, "ask for files central has (fetched at sync)")
    fetch.add_argument("digests", nargs="*", metavar="DIGEST")
    fetch.add_argument("--record", metavar="ID", help="every attachment of this record")
    fetch.add_argument("--now", action="store_true", help="sync now instead of at the next round")
    opening = actions.add("open", cmd_open, "write a plain copy to open or print")
    opening.add_argument("digest", metavar="DIGEST")
    opening.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    scale = actions.add(
        "downscale", cmd_downscale, "show or set the largest side of uploaded photos"
    )
    scale.add_argument("pixels", nargs="?", metavar="PIXELS|off")
