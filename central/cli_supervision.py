"""Central's commands for the supervision work: the reminder pass once
(``remind``), the catalogue (``catalog import``), which departments a discipline
body supervises (``assign``) and the district's duty scoring (``duty --late-share``).
Registered by ``central.cli``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from models.i18n import _
from sync.failures import ExitCode

Handler = Callable[[argparse.Namespace, str], int]
Add = Callable[[str, Handler, str], argparse.ArgumentParser]


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _session(db_url: str) -> Any:
    from sqlmodel import Session

    from central.db import make_engine

    return Session(make_engine(db_url), expire_on_commit=False)


def cmd_remind(args: argparse.Namespace, db_url: str) -> int:
    from central.cli import CentralCliError
    from central.reminders import run_pass
    from central.sms_link import queue_sms
    from models.rules.reminders import Settings

    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError:
        raise CentralCliError(_("--today: write a date like 2026-12-05")) from None
    settings = Settings(sms_after_days=args.sms_after, propose_after_days=args.propose_after)
    with _session(db_url) as session:
        outcome = run_pass(session, today=today, settings=settings, sms=queue_sms)
    if args.json:
        _say(json.dumps(asdict(outcome), ensure_ascii=False, indent=2, default=str))
        return ExitCode.OK
    counts = outcome.counts
    _say(
        _(
            "{day}: raised {raised}, SMS {sms}, proposed warnings {proposed}, closed {closed}, "
            "reopened {reopened}"
        ).format(day=today.isoformat(), **counts)
    )
    for raised in outcome.raised:
        _say(f"  {raised['org_code']}  {raised['title']}")
    return ExitCode.OK


def cmd_catalog_import(args: argparse.Namespace, db_url: str) -> int:
    from central.catalogue import DEMO_CITY, import_catalogue

    with _session(db_url) as session:
        done = import_catalogue(
            session,
            Path(args.file),
            issuer=args.issuer or DEMO_CITY,
            edition=args.edition or Path(args.file).stem,
        )
    _say(
        _(
            "catalogue of {issuer} ({edition}): created {created}, updated {updated}, "
            "withdrawn {withdrawn}, unchanged {unchanged}"
        ).format(
            issuer=done.issuer,
            edition=done.edition,
            created=done.created,
            updated=done.updated,
            withdrawn=done.withdrawn,
            unchanged=done.unchanged,
        )
    )
    return ExitCode.OK


def cmd_assign(args: argparse.Namespace, db_url: str) -> int:
    from central.assignments import AssignmentRefused, assign
    from central.cli import CentralCliError

    with _session(db_url) as session:
        try:
            scope = assign(session, body=args.body, units=args.unit)
        except AssignmentRefused as exc:
            raise CentralCliError(exc.said(), exc.failure.exit_code) from None
    _say(
        _("{body} supervises {units}; its devices reach {scope}").format(
            body=args.body, units=", ".join(args.unit), scope=scope
        )
    )
    return ExitCode.OK


def cmd_duty(args: argparse.Namespace, db_url: str) -> int:
    from decimal import Decimal, InvalidOperation

    from central.cli import CentralCliError
    from central.district_settings import late_share, set_late_share
    from models.rules.scoring import DEFAULT_SETTINGS

    with _session(db_url) as session:
        if args.late_share is None:
            share = late_share(session)
        else:
            try:
                share = set_late_share(session, Decimal(args.late_share))
            except (InvalidOperation, ValueError):
                raise CentralCliError(
                    _("--late-share: a number from 0 to 1, such as 0.5")
                ) from None
    _say(
        _("late duty evidence earns {share} of a due date's points").format(
            share=share or str(DEFAULT_SETTINGS.late_share)
        )
    )
    return ExitCode.OK


def register(add: Add) -> None:
    remind = add("remind", cmd_remind, "run the reminder pass once (一书两提醒)")
    remind.add_argument("--today", metavar="YYYY-MM-DD", help="the day to run for")
    remind.add_argument("--json", action="store_true")
    remind.add_argument("--sms-after", type=int, default=3, metavar="N", help="days to SMS")
    remind.add_argument(
        "--propose-after", type=int, default=10, metavar="M", help="days to propose a warning"
    )

    catalog = add("catalog", cmd_catalog_import, "the disclosure catalogue (指导目录)")
    catalog.add_argument("action", choices=["import"])
    catalog.add_argument("file", metavar="FILE", help="a catalogue (.json or .csv)")
    catalog.add_argument("--issuer", metavar="CODE", help="the issuing level (default: 包头市)")
    catalog.add_argument("--edition", metavar="NAME", help="the edition's name")

    duty = add("duty", cmd_duty, "the district's duty scoring (逐项赋分), handed down")
    duty.add_argument(
        "--late-share",
        metavar="S",
        help="share of a due date's points late evidence earns, 0 to 1 (devices pull it)",
    )

    assign = add("assign", cmd_assign, "give a discipline body the units it supervises")
    assign.add_argument("--body", required=True, metavar="CODE")
    assign.add_argument("--unit", required=True, nargs="+", metavar="CODE")
