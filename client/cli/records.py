"""``sanwu record add|edit|delete|list|show``: one record at a time, personal fields
masked in output unless ``--reveal`` (and a reveal is written to the audit log)."""

from __future__ import annotations

import argparse
from pathlib import Path

from client.cli.common import (
    Commands,
    kind_argument,
    known_kind,
    note_reveal,
    open_store,
    parse_json_object,
    print_json,
    say,
    shown,
)
from client.i18n import _
from sync.failures import ExitCode


def cmd_add(args: argparse.Namespace) -> int:
    from client.attachments import Attachments

    known_kind(args.kind)
    values = parse_json_object(args.json)
    with open_store(args) as store:
        if args.attach:
            files = Attachments(store)
            digests = [files.add_file(Path(name)) for name in args.attach]
            values["attachments"] = [*values.get("attachments", []), *digests]
        record_id = store.add(args.kind, values)
    say(record_id)
    return ExitCode.OK


def cmd_edit(args: argparse.Namespace) -> int:
    values = parse_json_object(args.json)
    with open_store(args) as store:
        changes = store.edit(args.id, values)
    say(_("changed: {fields}").format(fields=", ".join(sorted(changes)) or _("nothing")))
    return ExitCode.OK


def cmd_delete(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        store.delete(args.id)
    say(_("deleted {id}").format(id=args.id))
    return ExitCode.OK


def cmd_list(args: argparse.Namespace) -> int:
    from models.kinds import kind_spec

    known_kind(args.kind)
    with open_store(args) as store:
        records = store.list_records(args.kind, include_deleted=args.all)
        if args.reveal and records:
            note_reveal(store, args.kind, "*", sorted(kind_spec(args.kind).personal))
    rows = [shown(args.kind, record, args.reveal) for record in records]
    if args.json:
        print_json(rows)
        return ExitCode.OK
    title = kind_spec(args.kind).title_field
    for record in rows:
        label = str(record.get(title) or "").split("\n", 1)[0][:60] if title else ""
        flag = _(" (deleted)") if record["deleted"] else ""
        say(f"{record['id']}  v{record['version']}  {record['org_code']}  {label}{flag}")
    return ExitCode.OK


def cmd_show(args: argparse.Namespace) -> int:
    from models.kinds import kind_spec

    with open_store(args) as store:
        kind, record = store.get(args.id)
        if args.reveal:
            note_reveal(store, kind, args.id, sorted(kind_spec(kind).personal))
    fields = {"kind": kind, **shown(kind, record, args.reveal)}
    if args.json:
        print_json(fields)
    else:
        width = max(len(name) for name in fields)
        for name, value in fields.items():
            say(f"{name:<{width}}  {value}")
    return ExitCode.OK


def register(commands: Commands) -> None:
    actions = commands.group("record", "add, edit, delete, list and show records")
    add = actions.add("add", cmd_add, "add a record; prints its id")
    kind_argument(add, "kind")
    add.add_argument("--json", required=True, help="the fields as a JSON object")
    add.add_argument(
        "--attach", action="append", default=[], metavar="FILE", help="attach a file (repeat)"
    )
    edit = actions.add("edit", cmd_edit, "change the given fields")
    edit.add_argument("id")
    edit.add_argument("--json", required=True)
    delete = actions.add("delete", cmd_delete, "delete a record")
    delete.add_argument("id")
    listing = actions.add("list", cmd_list, "list records of a kind")
    listing.add_argument("kind", metavar="KIND")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--all", action="store_true", help="include deleted records")
    listing.add_argument("--reveal", action="store_true", help="show personal data in clear")
    show = actions.add("show", cmd_show, "show one record")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.add_argument("--reveal", action="store_true")
