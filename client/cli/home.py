"""The home itself: ``enroll``, ``passphrase``, ``wipe``, ``diagnostics``, ``catalog``, and
the app (``sanwu`` with no command)."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from client.cli.common import (
    CliError,
    Commands,
    ask_passphrase,
    given_passphrase,
    open_store,
    print_json,
    read_passphrase_file,
    say,
)
from client.home import resolve_home
from client.i18n import N_, _, set_language
from sync.failures import ExitCode

if TYPE_CHECKING:
    from models.catalog import CatalogItem


def cmd_app(args: argparse.Namespace) -> int:
    set_language(args.lang)  # before the UI modules are imported
    from client.app import run_app

    with open_store(args) as store:
        return run_app(store, lang=args.lang)


def cmd_catalog(args: argparse.Namespace) -> int:
    """The catalogue in force on this home: the items pulled from central (the city's,
    handed down, and the district's), else the packaged one; its editions first."""
    from client.home import DB_NAME
    from client.i18n import label
    from models.catalog import deadline_rule_text, load_catalog

    set_language(args.lang)
    home = resolve_home(args.home)
    if (home / DB_NAME).is_file():
        from client.store import Store

        Store(home, passphrase=None).close()  # opening puts the home's catalogue in force
    catalogue = load_catalog()
    editions = sorted({(item.issuer, item.edition) for item in catalogue.values()})
    items = [
        {
            "code": item.code,
            "domain": item.domain,
            "name": item.name,
            "period": item.period,
            "deadline": deadline_rule_text(item),
            "applies_to": sorted(item.applies_to),
            "issuer": item.issuer,
            "edition": item.edition,
        }
        for item in catalogue.values()
    ]
    if args.json:
        print_json(items)
        return ExitCode.OK
    names = " + ".join(
        edition or issuer or _("the packaged catalogue (not yet synced from central)")
        for issuer, edition in editions
    )
    say(_("Catalogue: {editions}, {n} items").format(editions=names, n=len(items)))
    for item, spec in zip(items, catalogue.values(), strict=True):
        domain = label("catalog_item", "domain", str(item["domain"]))
        period = label("catalog_item", "period", str(item["period"]))
        say(f"{item['code']:<8} {domain}  {period:<4} {deadline_text(spec)}  {item['name']}")
    return ExitCode.OK


_SPANS = {
    "monthly": N_("by day {day} of the next month"),
    "quarterly": N_("by day {day} of the month after the quarter"),
    "half_year": N_("by day {day} of the month after the half-year"),
    "yearly": N_("by day {day} of the month after the year"),
}


def deadline_text(item: CatalogItem) -> str:
    """An item's deadline rule as a person reads it, in the current language
    (``deadline_rule_text`` is the English one ``--json`` keeps)."""
    from client.i18n import _

    rule = item.deadline
    if rule.kind == "event_days":
        if rule.days == 0:
            return _("on the day of the event")
        return _("within {days} days of the event").format(days=rule.days)
    return _(_SPANS[item.period]).format(day=rule.days)


def cmd_enroll(args: argparse.Namespace) -> int:
    from client.syncing import enroll

    with open_store(args) as store:
        if store.identity is not None and not args.force:
            raise CliError(_("this home is enrolled already (use --force to enroll it again)"))
        ca_bundle = ""
        if args.ca_bundle:
            bundle = Path(args.ca_bundle).expanduser().resolve()
            if not bundle.is_file():
                raise CliError(_("--ca-bundle: no such file {path}").format(path=args.ca_bundle))
            ca_bundle = str(bundle)
        answer = enroll(
            store,
            args.server,
            args.code,
            device_name=args.name,
            ca_bundle=ca_bundle,
            insecure_http=args.insecure_http,
        )
    from client.cli.sync import ROLE_NAMES

    role = _(ROLE_NAMES.get(answer.role.value, answer.role.value))
    say(
        _("enrolled as {role} of {code} {name}").format(
            role=role, code=answer.org_code, name=answer.org_name
        )
    )
    say(_("device id: {id}").format(id=answer.device_id))
    return ExitCode.OK


def cmd_diagnostics(args: argparse.Namespace) -> int:
    from client.diagnostics import write_bundle

    with open_store(args) as store:
        names = write_bundle(store, Path(args.out))
    say(f"{args.out}: {', '.join(names)}")
    return ExitCode.OK


def cmd_wipe(args: argparse.Namespace) -> int:
    """Remove this home's local database on purpose (records, queue, identity, key) and
    its attachment files."""
    from client.attachments import ATTACHMENT_DIR
    from client.store import DB_NAME, Store

    home = resolve_home(args.home)
    files = [home / f"{DB_NAME}{suffix}" for suffix in ("", "-wal", "-shm")]
    if not files[0].exists():
        say(_("nothing to wipe in {home}").format(home=home))
        return ExitCode.OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(_("refusing to wipe without a terminal to confirm on: pass --yes"))
        with Store(home, passphrase="") as store:
            pending = store.status().pending
        warning = _(
            "this removes every local record, the queue ({pending} change(s) not yet sent "
            "to central) and this device's identity from {home}."
        )
        sys.stderr.write("sanwu: " + warning.format(pending=pending, home=home) + "\n")
        answer = input(_("type WIPE to confirm: "))
        if answer.strip() != "WIPE":
            raise CliError(_("not wiped"))
    for path in files:
        path.unlink(missing_ok=True)
    # Sealed with the key that went with the database: unreadable now, and removed too.
    shutil.rmtree(home / ATTACHMENT_DIR, ignore_errors=True)
    say(_("local data removed from {home}").format(home=home))
    return ExitCode.OK


def cmd_passphrase(args: argparse.Namespace) -> int:
    """Change the passphrase: the data key is wrapped again, no row is re-encrypted."""
    from client.store import Store

    home = resolve_home(args.home)
    with Store(home, passphrase="") as store:
        if not store.has_data_key():
            raise CliError(_("this home has no passphrase yet: any command sets it on first use"))
        old = given_passphrase(args) or ask_passphrase(new=False, what=N_("current passphrase"))
        if args.new_passphrase_file:
            new = read_passphrase_file(args.new_passphrase_file)
        else:
            new = ask_passphrase(new=True)
        store.change_passphrase(old, new)
    say(_("passphrase changed"))
    return ExitCode.OK


def register(commands: Commands) -> None:
    catalog = commands.add("catalog", cmd_catalog, "list the disclosure catalogue")
    catalog.add_argument("--json", action="store_true")

    enroll = commands.add("enroll", cmd_enroll, "enroll this home with central")
    enroll.add_argument("--server", required=True)
    enroll.add_argument("--code", required=True)
    enroll.add_argument("--name", default="", help="a name for this device")
    enroll.add_argument("--force", action="store_true")
    enroll.add_argument(
        "--ca-bundle", metavar="FILE", help="CA certificates for an intranet server (PEM)"
    )
    enroll.add_argument(
        "--insecure-http",
        action="store_true",
        help="allow plain http:// to a host that is not this machine (unencrypted link)",
    )

    diagnostics = commands.add(
        "diagnostics", cmd_diagnostics, "write a support bundle, personal data masked"
    )
    diagnostics.add_argument("--out", required=True, help="the zip file to write")

    wipe = commands.add("wipe", cmd_wipe, "remove the local data of this home on purpose")
    wipe.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    passphrase = commands.add(
        "passphrase", cmd_passphrase, "change the passphrase of the local data"
    )
    passphrase.add_argument("--new-passphrase-file", metavar="FILE")
