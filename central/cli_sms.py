"""Central's commands for units' SMS contacts and the SMS queue: ``contacts
import|list`` and ``sms list|send`` (two words each). Registered by ``central.cli``;
what they print is for the district's office, in its language (Chinese by default)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from central.cli import CentralCliError, Handler
from models.i18n import _
from sync.failures import ExitCode

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = ["register"]


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


@contextmanager
def _central_session(db_url: str) -> Iterator[Session]:
    from sqlmodel import Session

    from central.db import make_engine

    engine = make_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def _unit_label(code: str) -> str:
    from models.orgs import org_by_code

    unit = org_by_code().get(code)
    return f"{code} {unit.name}" if unit else code


def _json_out(data: object) -> None:
    _say(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_contacts_import(args: argparse.Namespace, db_url: str) -> int:
    from central.clock import utcnow
    from central.contacts import import_contacts

    with _central_session(db_url) as session:
        outcome = import_contacts(session, Path(args.file), now=utcnow(), partial=args.partial)
    for rejection in outcome.rejections:
        _say(str(rejection))
    if not outcome.written:
        raise CentralCliError(
            _(
                "{count} row(s) wrong, no contact imported: correct them and import again, "
                "or add --partial to import only the good rows"
            ).format(count=len(outcome.rejections))
        )
    skipped = (
        _("; {count} row(s) wrong, not imported").format(count=len(outcome.rejections))
        if outcome.rejections
        else ""
    )
    imported = _("{total} contact(s) imported ({loaded} new, {replaced} replaced)").format(
        total=outcome.loaded + outcome.replaced, loaded=outcome.loaded, replaced=outcome.replaced
    )
    _say(imported + skipped)
    return ExitCode.OK


def cmd_contacts_list(args: argparse.Namespace, db_url: str) -> int:
    from central.contacts import list_contacts
    from central.sms.listing import not_texted

    with _central_session(db_url) as session:
        contacts = list_contacts(session)
        missing = not_texted(session)
    if args.json:
        _json_out(
            [
                {
                    "org_code": c.org_code,
                    "unit": c.unit,
                    "name": c.name,
                    "phone": c.phone,
                    "loaded_at": c.loaded_at.isoformat(),
                }
                for c in contacts
            ]
        )
        return ExitCode.OK
    for c in contacts:
        _say(f"{c.org_code}  {c.unit or '-'}  {c.name}  {c.phone}  {c.loaded_at:%Y-%m-%d %H:%M}")
    _say(_("{count} contact(s) in all").format(count=len(contacts)))
    if missing:
        _say(
            _(
                "not texted for want of a contact (see sms list --status no_contact): {units}"
            ).format(units=", ".join(_unit_label(code) for code in missing))
        )
    return ExitCode.OK


def cmd_sms_list(args: argparse.Namespace, db_url: str) -> int:
    from central.sms.listing import list_messages

    with _central_session(db_url) as session:
        messages = list_messages(session, status=args.status, limit=args.limit)
    if args.json:
        _json_out([message.as_json() for message in messages])
        return ExitCode.OK
    for m in messages:
        when = m.sent_at or m.next_try_at or m.created_at
        error = f"  {m.last_error}" if m.last_error else ""
        tries = _("{count} tries").format(count=m.attempts)
        _say(
            f"{m.id}  {m.status}  {tries}  {m.org_code} {m.unit or '-'}  {m.phone or '-'}  "
            f"{when:%Y-%m-%d %H:%M:%S}  {m.key}{error}"
        )
    _say(_("{count} SMS in all").format(count=len(messages)))
    return ExitCode.OK


def cmd_sms_send(args: argparse.Namespace, db_url: str) -> int:
    del args
    from central.clock import utcnow
    from central.sms.config import make_sender, sms_config
    from central.sms.queue import deliver_due
    from central.sms.table import SmsStatus

    config = sms_config()
    sender = make_sender(config)
    try:
        with _central_session(db_url) as session:
            report = deliver_due(session, sender, now=utcnow(), per_minute=config.per_minute)
    finally:
        sender.close()
    for a in report.attempts:
        error = f"  {a.error}" if a.error else ""
        attempt = _("(try {count})").format(count=a.attempts)
        _say(f"{a.id}  {a.org_code}  {a.status}{attempt}{error}")
    sent = report.count(SmsStatus.SENT) + report.count(SmsStatus.DELIVERED)
    _say(
        _(
            "by {sender}: sent {sent}, to retry {queued}, failed {failed}, held by the "
            "rate limit {held}"
        ).format(
            sender=sender.name,
            sent=sent,
            queued=report.count(SmsStatus.QUEUED),
            failed=report.count(SmsStatus.FAILED),
            held=report.held,
        )
    )
    return ExitCode.OK


def register(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    add_db: Callable[[argparse.ArgumentParser], None],
) -> None:
    """``contacts import|list`` and ``sms list|send``: two words each."""

    def group(name: str, help_text: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        parser = actions.add_parser(name, help=help_text, description=help_text)
        return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)

    def add(
        words: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        handler: Handler,
        help_text: str,
    ) -> argparse.ArgumentParser:
        sub = words.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        add_db(sub)
        return sub

    contacts = group("contacts", "units' SMS contacts (phones sealed at rest)")
    load = add(contacts, "import", cmd_contacts_import, "load contacts from .xlsx or .csv")
    load.add_argument("file", metavar="FILE", help="单位编码/单位名称, 联系人/姓名, 手机号")
    load.add_argument(
        "--partial", action="store_true", help="load the good rows even when others are bad"
    )
    shown = add(contacts, "list", cmd_contacts_list, "list contacts, phones masked")
    shown.add_argument("--json", action="store_true")

    sms = group("sms", "the SMS reminder queue")
    queue = add(sms, "list", cmd_sms_list, "list queued and sent SMS, phones masked")
    queue.add_argument("--json", action="store_true")
    statuses = ("queued", "sent", "delivered", "failed", "no_contact")  # SmsStatus, unloaded
    queue.add_argument("--status", choices=statuses)
    queue.add_argument("--limit", type=int, default=200, help="newest N (default 200)")
    add(sms, "send", cmd_sms_send, "deliver what is due now (SANWU_SMS_SENDER)")
