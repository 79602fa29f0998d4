"""The ``sanwu`` command, for town staff's scripts and support staff's hands.

Exit codes: 0 success; 2 usage or validation error (bad input, unknown kind,
field or id); 3 central unreachable (offline: try later); 4 refused by central
(auth or scope: retrying will not help); 5 central speaks another protocol.
Output for machines is ``--json``; personal fields are masked unless
``--reveal`` is given.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client import attachment_commands
from client.attachments import ATTACHMENT_DIR, AttachmentError, Attachments
from client.errors import NotEnrolled, StoreError, UnknownConflict, UnknownRecord, ValidationFailed
from client.home import resolve_home
from client.i18n import set_language
from client.store import Store
from models.catalog import deadline_rule_text, load_catalog
from models.kinds import KINDS
from models.masking import mask_record
from sync.engine import RoundReport
from sync.errors import (
    AuthError,
    ClockSkewError,
    DeviceRevoked,
    InsecureTransportError,
    ProtocolError,
    SyncBusy,
    SyncError,
    TransportError,
)
from sync.resolution import Choice

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_OFFLINE = 3
EXIT_REFUSED = 4
EXIT_PROTOCOL = 5
EXIT_BUSY = 6

ENV_CENTRAL_DB = "SANWU_CENTRAL_DB"


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _parse_json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"--json: not valid JSON (line {exc.lineno}, column {exc.colno})") from exc
    if not isinstance(value, dict):
        raise CliError("--json: expected a JSON object of field names to values")
    return value


def _shown(kind: str, record: dict[str, Any], reveal: bool) -> dict[str, Any]:
    return record if reveal else {**record, **mask_record(kind, record)}


def _central_db(args: argparse.Namespace) -> str:
    if getattr(args, "db", None):
        return str(args.db)
    env = os.environ.get(ENV_CENTRAL_DB)
    if env:
        return env
    home = resolve_home(args.home)
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'central.db'}"


# ---- central administration ------------------------------------------------------------


def cmd_central_init(args: argparse.Namespace) -> int:
    from central.admin import init_db

    init_db(_central_db(args), demo=args.demo)
    _say("central database ready" + (" with Donghe demo data" if args.demo else ""))
    return EXIT_OK


def cmd_central_serve(args: argparse.Namespace) -> int:
    from central.server import Tls, serve
    from central.settings import CentralSettings

    if bool(args.tls_cert) != bool(args.tls_key):
        raise CliError("--tls-cert and --tls-key go together")
    tls = Tls(args.tls_cert, args.tls_key) if args.tls_cert else None
    serve(CentralSettings(db_url=_central_db(args)), host=args.host, port=args.port, tls=tls)
    return EXIT_OK


def cmd_central_enroll_code(args: argparse.Namespace) -> int:
    from central.admin import new_enroll_code
    from central.errors import CentralError

    try:
        code = new_enroll_code(_central_db(args), unit=args.unit, role=args.role)
    except (CentralError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    _say(code)
    return EXIT_OK


def cmd_central_revoke(args: argparse.Namespace) -> int:
    from central.admin import revoke_device
    from central.errors import CentralError

    try:
        revoke_device(_central_db(args), args.device)
    except (CentralError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    _say(f"device {args.device} revoked")
    return EXIT_OK


def cmd_central_import_bundle(args: argparse.Namespace) -> int:
    from central.bundles import import_bundle_file
    from central.errors import AuthFailed, CentralError

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read the bundle ({exc.strerror})") from exc
    try:
        outcome = import_bundle_file(_central_db(args), data)
    except CentralError as exc:
        code = EXIT_REFUSED if isinstance(exc, AuthFailed) else EXIT_USAGE
        raise CliError(str(exc), code) from exc
    Path(args.reply).write_bytes(outcome.reply)
    statuses = [r.status.value for r in outcome.results]
    _say(
        f"device {outcome.device_id}: {len(statuses)} ops "
        f"({', '.join(f'{s} {statuses.count(s)}' for s in sorted(set(statuses))) or 'none'}); "
        f"{outcome.files_stored} files kept; reply with {outcome.changes} changes and "
        f"{outcome.files_sent} files written"
    )
    return EXIT_OK


# ---- client ---------------------------------------------------------------------------


ENV_PASSPHRASE = "SANWU_PASSPHRASE"
NO_PASSPHRASE = (
    "the local data is encrypted: give its passphrase with --passphrase-file FILE or "
    "SANWU_PASSPHRASE (no terminal to ask on)"
)


def _read_passphrase_file(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read the passphrase file {path} ({type(exc).__name__})") from exc
    passphrase = text.splitlines()[0] if text else ""
    if not passphrase:
        raise CliError(f"the passphrase file {path} is empty")
    return passphrase


def _given_passphrase(args: argparse.Namespace) -> str | None:
    """--passphrase-file, else SANWU_PASSPHRASE; None when neither is given."""
    path = getattr(args, "passphrase_file", None)
    if path:
        return _read_passphrase_file(path)
    return os.environ.get(ENV_PASSPHRASE) or None


def _ask_passphrase(*, new: bool, what: str = "passphrase") -> str:
    """Prompt on the terminal (twice for a new one); exit 2 when there is no terminal."""
    if not sys.stdin.isatty():
        raise CliError(NO_PASSPHRASE)
    if not new:
        return getpass.getpass(f"{what} for the local data: ")
    sys.stderr.write(
        "sanwu: choose a passphrase for the local data; personal data is encrypted with it "
        "and nobody can recover it if it is forgotten\n"
    )
    for _attempt in range(3):
        first = getpass.getpass(f"new {what}: ")
        if len(first) < 8:
            sys.stderr.write("sanwu: at least 8 characters, please\n")
            continue
        if getpass.getpass(f"new {what} again: ") == first:
            return first
        sys.stderr.write("sanwu: the two did not match\n")
    raise CliError("no passphrase chosen")


def _store(args: argparse.Namespace) -> Store:
    """The home's store, unlocked (scrypt once): --passphrase-file, SANWU_PASSPHRASE, or a
    prompt on the terminal; exit 2 without any of them."""
    store = Store(resolve_home(args.home), passphrase=_given_passphrase(args))
    try:
        if store.locked:
            store.unlock(_ask_passphrase(new=not store.has_data_key()))
    except BaseException:
        store.close()
        raise
    return store


def _note_reveal(store: Store, kind: str, record_id: str, fields: Sequence[str]) -> None:
    """A reveal of personal data is written to the audit log: who, when, which record and
    fields (never the values)."""
    store.note_reveal(kind=kind, record_id=record_id, fields=fields, user=_os_user())


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def cmd_catalog(args: argparse.Namespace) -> int:
    items = [
        {
            "code": item.code,
            "domain": item.domain,
            "name": item.name,
            "period": item.period,
            "deadline": deadline_rule_text(item),
        }
        for item in load_catalog().values()
    ]
    if args.json:
        _print_json(items)
    else:
        for item in items:
            _say(f"{item['code']:<8} {item['domain']:<10} {item['period']:<10} {item['name']}")
    return EXIT_OK


def cmd_enroll(args: argparse.Namespace) -> int:
    from client.syncing import enroll

    with _store(args) as store:
        if store.identity is not None and not args.force:
            raise CliError("this home is enrolled already (use --force to enroll it again)")
        ca_bundle = ""
        if args.ca_bundle:
            bundle = Path(args.ca_bundle).expanduser().resolve()
            if not bundle.is_file():
                raise CliError(f"--ca-bundle: no such file {args.ca_bundle}")
            ca_bundle = str(bundle)
        answer = enroll(
            store,
            args.server,
            args.code,
            device_name=args.name,
            ca_bundle=ca_bundle,
            insecure_http=args.insecure_http,
        )
    _say(f"enrolled as {answer.role.value} of {answer.org_code} {answer.org_name}")
    _say(f"device id: {answer.device_id}")
    return EXIT_OK


def cmd_record_add(args: argparse.Namespace) -> int:
    if args.kind not in KINDS:
        raise CliError(f"unknown kind {args.kind!r}; kinds: {', '.join(KINDS)}")
    values = _parse_json_object(args.json)
    with _store(args) as store:
        if args.attach:
            files = Attachments(store)
            digests = [files.add_file(Path(name)) for name in args.attach]
            values["attachments"] = [*values.get("attachments", []), *digests]
        record_id = store.add(args.kind, values)
    _say(record_id)
    return EXIT_OK


def cmd_record_edit(args: argparse.Namespace) -> int:
    values = _parse_json_object(args.json)
    with _store(args) as store:
        changes = store.edit(args.id, values)
    _say(f"changed: {', '.join(sorted(changes)) or 'nothing'}")
    return EXIT_OK


def cmd_record_delete(args: argparse.Namespace) -> int:
    with _store(args) as store:
        store.delete(args.id)
    _say(f"deleted {args.id}")
    return EXIT_OK


def cmd_record_list(args: argparse.Namespace) -> int:
    if args.kind not in KINDS:
        raise CliError(f"unknown kind {args.kind!r}; kinds: {', '.join(KINDS)}")
    with _store(args) as store:
        records = store.list_records(args.kind, include_deleted=args.all)
        if args.reveal and records:
            _note_reveal(store, args.kind, "*", sorted(KINDS[args.kind].personal))
    shown = [_shown(args.kind, record, args.reveal) for record in records]
    if args.json:
        _print_json(shown)
        return EXIT_OK
    for record in shown:
        label = record.get("title") or record.get("name") or record.get("recipient_name") or ""
        flag = " (deleted)" if record["deleted"] else ""
        _say(f"{record['id']}  v{record['version']}  {record['org_code']}  {label}{flag}")
    return EXIT_OK


def cmd_record_show(args: argparse.Namespace) -> int:
    with _store(args) as store:
        kind, record = store.get(args.id)
        if args.reveal:
            _note_reveal(store, kind, args.id, sorted(KINDS[kind].personal))
    shown = {"kind": kind, **_shown(kind, record, args.reveal)}
    if args.json:
        _print_json(shown)
    else:
        width = max(len(name) for name in shown)
        for name, value in shown.items():
            _say(f"{name:<{width}}  {value}")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from client.syncing import sync_round

    if args.export or args.import_reply:
        return _sync_by_file(args)
    if args.watch:
        return _watch(args)
    with _store(args) as store:
        report = sync_round(store, max_kbps=args.max_kbps)
    _print_round(args, report)
    return EXIT_OK


def _sync_by_file(args: argparse.Namespace) -> int:
    """``--export FILE``: the signed bundle of pending ops for a USB stick (nothing is marked
    sent); ``--import-reply FILE``: central's signed answer to it."""
    from client.bundles import export_bundle, import_reply
    from sync.bundle import BundleError

    if args.export and args.import_reply:
        raise CliError("--export and --import-reply are separate steps: give one")
    with _store(args) as store:
        if args.export:
            out = export_bundle(store)
            Path(args.export).write_bytes(out.data)
            figures = {
                "ops": out.ops,
                "audit": out.audit,
                "files": out.files,
                "wanted": out.wanted,
                "bytes": len(out.data),
            }
            text = (
                f"wrote {out.ops} ops, {out.audit} audit entries and {out.files} files to the "
                f"bundle ({out.wanted} files asked for)"
            )
        else:
            try:
                data = Path(args.import_reply).read_bytes()
            except OSError as exc:
                raise CliError(f"--import-reply: cannot read the file ({exc.strerror})") from exc
            try:
                got = import_reply(store, data)
            except BundleError as exc:
                raise CliError(f"reply refused: {exc}", EXIT_REFUSED) from exc
            figures = {
                "answered": got.answered,
                "conflicts": got.conflicts,
                "rejected": got.rejected,
                "pulled": got.pulled,
                "files_stored": got.files_stored,
                "files_received": got.files_received,
            }
            text = (
                f"answered {got.answered}, conflicts {got.conflicts}, "
                f"rejected {got.rejected}, pulled {got.pulled}; files central holds now "
                f"{got.files_stored}, files received {got.files_received}"
            )
    if args.json:
        _print_json(figures)
    else:
        _say(text)
    return EXIT_OK


def _print_round(args: argparse.Namespace, report: RoundReport) -> None:
    figures = {**report.counts(), "seconds": round(report.seconds, 3)}
    if args.json:
        _print_json(figures)
    else:
        _say(
            f"pushed {report.pushed}, pulled {report.pulled}, conflicts {report.conflicts}, "
            f"rejected {report.rejected}; sent {report.bytes_sent} B, "
            f"received {report.bytes_received} B in {report.requests} requests"
            + (
                f"; files sent {report.files_sent}, fetched {report.files_received}"
                if report.files_sent or report.files_received
                else ""
            )
        )


def _watch(args: argparse.Namespace) -> int:
    """Sync every ``--interval`` seconds; after a cut link wait with back-off (jittered,
    capped at 10 minutes); stop on what waiting cannot cure (auth, scope, protocol)."""
    from client.syncing import sync_round
    from sync.backoff import Backoff, is_fatal

    backoff = Backoff(base_s=min(30.0, args.interval))
    rounds = 0
    with _store(args) as store:
        try:
            while args.rounds is None or rounds < args.rounds:
                rounds += 1
                try:
                    report = sync_round(store, max_kbps=args.max_kbps)
                except SyncBusy:
                    wait = float(args.interval)
                    _say("another sync of this home is running; skipping this turn")
                except SyncError as exc:
                    if is_fatal(exc):
                        return _fail(*_sync_failure(exc))
                    wait = backoff.failed()
                    _say(f"offline ({exc}); next try in {wait:.0f} s")
                else:
                    backoff.succeeded()
                    _print_round(args, report)
                    wait = float(args.interval)
                if args.rounds is None or rounds < args.rounds:
                    time.sleep(wait)
        except KeyboardInterrupt:
            _say("stopped")
    return EXIT_OK


def _age(at: datetime) -> float:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return round((datetime.now(UTC) - at).total_seconds(), 1)


def cmd_queue_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
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
        _print_json(rows)
    else:
        for row in rows:
            _say(
                f"{row['op_id']}  {row['state']:<11} {row['kind']:<15} {row['action']:<6} "
                f"{row['record_id']}  age {row['age_s']}s  tries {row['attempts']}  "
                f"{row['last_error']}"
            )
    return EXIT_OK


def cmd_queue_retry(args: argparse.Namespace) -> int:
    with _store(args) as store:
        released = store.retry(args.op_id)
    _say(f"{released} op(s) back in line")
    return EXIT_OK


def cmd_conflicts_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        entries = store.conflicts(include_resolved=args.all)
        if args.reveal:
            for entry in entries:
                if entry.field in KINDS[entry.kind].personal:
                    _note_reveal(store, entry.kind, entry.record_id, [entry.field])
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
        _print_json(rows)
    else:
        for row in rows:
            _say(
                f"#{row['id']} {row['kind']} {row['record_id']} {row['field']} ({row['type']}): "
                f"base={row['base']!r} mine={row['mine']!r} theirs={row['theirs']!r}"
            )
    return EXIT_OK


def _masked_conflict(kind: str, field: str, *values: Any) -> dict[str, Any]:
    names = ("base", "mine", "theirs")
    if field not in KINDS[kind].personal:
        return dict(zip(names, values, strict=True))
    return {
        name: mask_record(kind, {field: value}).get(field) if isinstance(value, str) else value
        for name, value in zip(names, values, strict=True)
    }


def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    if args.take is not None:
        choice, value = Choice(args.take), None
    else:
        choice = Choice.VALUE
        try:
            value = json.loads(args.value)
        except json.JSONDecodeError as exc:
            raise CliError(f"--value: not valid JSON (column {exc.colno})") from exc
    with _store(args) as store:
        store.resolve(args.id, choice, value)
    _say(f"conflict #{args.id} resolved ({choice.value}); the decision syncs with the next round")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with _store(args) as store:
        status = store.status()
        identity = store.identity
        files = Attachments(store).counts()
    figures = {
        "enrolled": identity is not None,
        "org_code": identity.org_code if identity else None,
        "role": identity.role if identity else None,
        "server": identity.server_url if identity else None,
        "pending": status.pending,
        "quarantined": status.quarantined,
        "conflicts": status.conflicts,
        "files_to_send": files.get("pending", 0),
        "files_to_fetch": files.get("wanted", 0),
        "last_round": status.last_round,
    }
    if args.json:
        _print_json(figures)
    else:
        for name, value in figures.items():
            _say(f"{name:<12} {value}")
    return EXIT_OK


def cmd_diagnostics(args: argparse.Namespace) -> int:
    from pathlib import Path

    from client.diagnostics import write_bundle

    with _store(args) as store:
        names = write_bundle(store, Path(args.out))
    _say(f"{args.out}: {', '.join(names)}")
    return EXIT_OK


def cmd_wipe(args: argparse.Namespace) -> int:
    """Remove this home's local database on purpose (records, queue, identity, key) and
    its attachment files."""
    from client.store import DB_NAME

    home = resolve_home(args.home)
    files = [home / f"{DB_NAME}{suffix}" for suffix in ("", "-wal", "-shm")]
    if not files[0].exists():
        _say(f"nothing to wipe in {home}")
        return EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("refusing to wipe without a terminal to confirm on: pass --yes")
        with Store(home, passphrase="") as store:
            pending = store.status().pending
        sys.stderr.write(
            f"sanwu: this removes every local record, the queue ({pending} change(s) not yet "
            f"sent to central) and this device's identity from {home}.\n"
        )
        answer = input("type WIPE to confirm: ")
        if answer.strip() != "WIPE":
            _say("not wiped")
            return EXIT_USAGE
    for path in files:
        path.unlink(missing_ok=True)
    # Sealed with the key that went with the database: unreadable now, and removed too.
    shutil.rmtree(home / ATTACHMENT_DIR, ignore_errors=True)
    _say(f"local data removed from {home}")
    return EXIT_OK


def cmd_passphrase(args: argparse.Namespace) -> int:
    """Change the passphrase: the data key is wrapped again, no row is re-encrypted."""
    home = resolve_home(args.home)
    with Store(home, passphrase="") as store:
        if not store.has_data_key():
            raise CliError("this home has no passphrase yet: any command sets it on first use")
        old = _given_passphrase(args) or _ask_passphrase(new=False, what="current passphrase")
        if args.new_passphrase_file:
            new = _read_passphrase_file(args.new_passphrase_file)
        else:
            new = _ask_passphrase(new=True)
        store.change_passphrase(old, new)
    _say("passphrase changed")
    return EXIT_OK


# ---- legacy import and exports -----------------------------------------------------------


def _parse_set(items: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--set: expected FIELD=VALUE, got {item!r}")
        values[name.strip()] = value
    return values


def _progress_line(label: str) -> Callable[[int, int], None] | None:
    """A one-line progress display on stderr, only when a person is watching it."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        sys.stderr.write(f"\r{label} {done:,}/{total:,} ({percent}%)")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from client.legacy.importer import NotATable, import_file
    from client.legacy.mapping import MappingError
    from client.legacy.report import write_reject_report

    if args.kind not in KINDS:
        raise CliError(f"unknown kind {args.kind!r}; kinds: {', '.join(KINDS)}")
    path = Path(args.file)
    with _store(args) as store:
        try:
            report = import_file(
                store,
                path,
                args.kind,
                mapping=Path(args.mapping) if args.mapping else None,
                encoding=args.encoding,
                sheet=args.sheet,
                org_code=args.org,
                values=_parse_set(args.set),
                dry_run=args.dry_run,
                progress=_progress_line("importing"),
            )
        except (NotATable, MappingError) as exc:
            raise CliError(f"{path.name}: {exc}") from exc
    written: tuple[Path, ...] = ()
    if report.rejects or args.report:
        target = Path(args.report) if args.report else path.with_name(path.stem + ".rejects")
        written = write_reject_report(report, target)
    verb = "would be" if args.dry_run else "were"
    _say(
        f"{path.name} ({report.source}, header on line {report.header_line}): {report.rows} rows; "
        f"{report.created} {verb} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.rejected} rejected"
    )
    if report.ignored_columns:
        _say(f"columns not imported: {', '.join(report.ignored_columns)}")
    if written:
        _say(
            "reject report (holds personal data: keep it safe): "
            + ", ".join(str(p) for p in written)
        )
    return EXIT_OK


def cmd_export_disclosure(args: argparse.Namespace) -> int:
    from pathlib import Path

    from client.exports.notice import NoticeError, export_disclosures

    with _store(args) as store:
        try:
            count = export_disclosures(
                store,
                Path(args.out),
                ids=args.id or None,
                period=args.period,
                fmt=args.format,
            )
        except NoticeError as exc:
            raise CliError(str(exc)) from exc
    _say(f"{args.out}: {count} disclosure(s)")
    return EXIT_OK


def cmd_export_payments(args: argparse.Namespace) -> int:
    from pathlib import Path

    from client.exports.payments import export_payments

    with _store(args) as store:
        count = export_payments(store, args.project, Path(args.out))
    _say(f"{args.out}: {count} payment(s), ID numbers and accounts masked")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    set_language(args.lang)  # before the UI modules are imported
    from client.demo import run_demo

    return run_demo(resolve_home(args.home), lang=args.lang)


def cmd_app(args: argparse.Namespace) -> int:
    set_language(args.lang)  # before the UI modules are imported
    from client.app import run_app

    with _store(args) as store:
        return run_app(store, lang=args.lang)


# ---- the parser ------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanwu", description="Sanwu: three-affairs disclosure records that sync when they can."
    )
    parser.add_argument(
        "--home", help="local data directory (default: SANWU_HOME or the user data dir)"
    )
    parser.add_argument("--lang", default=None, help="UI language: zh_CN (default) or en")
    parser.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the local data's passphrase from FILE (first line); or SANWU_PASSPHRASE",
    )
    parser.set_defaults(handler=cmd_app)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        group: Any, name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(name, help=help_text)
        sub.set_defaults(handler=handler)
        return sub

    central = commands.add_parser("central", help="run and administer a central service")
    central_cmds = central.add_subparsers(dest="central_command", metavar="ACTION", required=True)
    init = add(central_cmds, "init", cmd_central_init, "create or upgrade central's database")
    init.add_argument("--demo", action="store_true", help="load the Donghe demo data")
    init.add_argument("--db", help="database URL (default: SANWU_CENTRAL_DB or HOME/central.db)")
    serve = add(central_cmds, "serve", cmd_central_serve, "serve the sync API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--db")
    serve.add_argument("--tls-cert", help="PEM certificate chain: serve HTTPS")
    serve.add_argument("--tls-key", help="PEM private key of --tls-cert")
    code = add(central_cmds, "enroll-code", cmd_central_enroll_code, "make a one-time code")
    code.add_argument("--unit", required=True, help="12-digit org code of the unit")
    code.add_argument("--role", required=True, choices=["clerk", "town", "supervisor", "support"])
    code.add_argument("--db")
    revoke = add(central_cmds, "revoke", cmd_central_revoke, "revoke a device")
    revoke.add_argument("device")
    revoke.add_argument("--db")
    ibundle = add(
        central_cmds, "import-bundle", cmd_central_import_bundle, "apply a device's bundle"
    )
    ibundle.add_argument("file", metavar="FILE", help="the bundle from `sanwu sync --export`")
    ibundle.add_argument("--reply", required=True, metavar="OUT", help="the reply bundle to write")
    ibundle.add_argument("--db")

    catalog = add(commands, "catalog", cmd_catalog, "list the disclosure catalogue")
    catalog.add_argument("--json", action="store_true")

    enroll = add(commands, "enroll", cmd_enroll, "enroll this home with central")
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

    record = commands.add_parser("record", help="add, edit, delete, list and show records")
    record_cmds = record.add_subparsers(dest="record_command", metavar="ACTION", required=True)
    radd = add(record_cmds, "add", cmd_record_add, "add a record; prints its id")
    radd.add_argument("kind", metavar="KIND", help=", ".join(KINDS))
    radd.add_argument("--json", required=True, help="the fields as a JSON object")
    radd.add_argument(
        "--attach", action="append", default=[], metavar="FILE", help="attach a file (repeat)"
    )
    redit = add(record_cmds, "edit", cmd_record_edit, "change the given fields")
    redit.add_argument("id")
    redit.add_argument("--json", required=True)
    rdel = add(record_cmds, "delete", cmd_record_delete, "delete a record")
    rdel.add_argument("id")
    rlist = add(record_cmds, "list", cmd_record_list, "list records of a kind")
    rlist.add_argument("kind", metavar="KIND")
    rlist.add_argument("--json", action="store_true")
    rlist.add_argument("--all", action="store_true", help="include deleted records")
    rlist.add_argument("--reveal", action="store_true", help="show personal data in clear")
    rshow = add(record_cmds, "show", cmd_record_show, "show one record")
    rshow.add_argument("id")
    rshow.add_argument("--json", action="store_true")
    rshow.add_argument("--reveal", action="store_true")

    sync = add(commands, "sync", cmd_sync, "one full sync round")
    sync.add_argument("--json", action="store_true")
    sync.add_argument("--max-kbps", type=float, default=None, help="cap the bandwidth used")
    sync.add_argument(
        "--watch", action="store_true", help="keep syncing; back off while central is away"
    )
    sync.add_argument("--interval", type=float, default=300.0, help="seconds between rounds")
    sync.add_argument("--rounds", type=int, default=None, help="with --watch: stop after N")
    sync.add_argument(
        "--export", metavar="FILE", help="no link: write the pending ops to a signed bundle"
    )
    sync.add_argument("--import-reply", metavar="FILE", help="apply central's reply bundle")

    queue = commands.add_parser("queue", help="inspect and retry the local outbox")
    queue_cmds = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    qlist = add(queue_cmds, "list", cmd_queue_list, "pending and quarantined ops")
    qlist.add_argument("--json", action="store_true")
    qretry = add(queue_cmds, "retry", cmd_queue_retry, "put quarantined ops back in line")
    qretry.add_argument("op_id", nargs="?", default=None, help="one op (default: all)")

    conflicts = commands.add_parser("conflicts", help="list and resolve conflicts")
    conflict_cmds = conflicts.add_subparsers(
        dest="conflicts_command", metavar="ACTION", required=True
    )
    clist = add(conflict_cmds, "list", cmd_conflicts_list, "open conflicts")
    clist.add_argument("--json", action="store_true")
    clist.add_argument("--all", action="store_true", help="include resolved ones")
    clist.add_argument("--reveal", action="store_true")
    cres = add(conflict_cmds, "resolve", cmd_conflicts_resolve, "decide one conflict")
    cres.add_argument("id", type=int)
    how = cres.add_mutually_exclusive_group(required=True)
    how.add_argument("--take", choices=["mine", "theirs"])
    how.add_argument("--value", help="the value to keep, as JSON")

    status = add(commands, "status", cmd_status, "enrollment, queue and last sync")
    status.add_argument("--json", action="store_true")

    diagnostics = add(
        commands, "diagnostics", cmd_diagnostics, "write a support bundle, personal data masked"
    )
    diagnostics.add_argument("--out", required=True, help="the zip file to write")

    wipe = add(commands, "wipe", cmd_wipe, "remove the local data of this home on purpose")
    wipe.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    passphrase = add(
        commands, "passphrase", cmd_passphrase, "change the passphrase of the local data"
    )
    passphrase.add_argument("--new-passphrase-file", metavar="FILE")

    imp = add(commands, "import", cmd_import, "import a legacy workbook or CSV file")
    imp.add_argument("file", metavar="FILE", help=".xlsx, .xls or CSV (UTF-8, GBK, GB18030)")
    imp.add_argument("--kind", required=True, help=", ".join(KINDS))
    imp.add_argument("--mapping", help="a TOML file: old column headers to fields")
    imp.add_argument("--dry-run", action="store_true", help="check only; write just the report")
    imp.add_argument("--encoding", help="the CSV's encoding (default: detected)")
    imp.add_argument("--sheet", help="the workbook's sheet (default: the first with a header)")
    imp.add_argument("--org", help="org code for rows without one (default: this device's unit)")
    imp.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE", help="a value for every row"
    )
    imp.add_argument("--report", help="where to write the reject report (.xlsx and .csv)")

    export = commands.add_parser("export", help="notice-board tables and payment lists")
    export_cmds = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    xdis = add(export_cmds, "disclosure", cmd_export_disclosure, "disclosures for the board")
    which = xdis.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", help="a disclosure id (repeat for more)")
    which.add_argument("--period", help="every disclosure of this period, e.g. 2026-10")
    xdis.add_argument("--format", choices=["xlsx", "html"], default="xlsx")
    xdis.add_argument("--out", required=True, help="the file to write")
    xpay = add(export_cmds, "payments", cmd_export_payments, "a project's payments, masked")
    xpay.add_argument("--project", required=True, help="the subsidy project id")
    xpay.add_argument("--out", required=True, help="the .xlsx file to write")

    add(commands, "demo", cmd_demo, "embedded central with Donghe demo data, then the app")
    attachment_commands.register(commands, add, _store)
    return parser


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"sanwu: {message}\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except ValidationFailed as exc:
        for error in exc.errors:
            sys.stderr.write(f"sanwu: {error.field}: {error.message}\n")
        return EXIT_USAGE
    except (UnknownRecord, UnknownConflict, NotEnrolled, CliError) as exc:
        return _fail(str(exc), getattr(exc, "code", EXIT_USAGE))
    except (StoreError, AttachmentError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except SyncError as exc:
        return _fail(*_sync_failure(exc))
    return code


def _sync_failure(exc: SyncError) -> tuple[str, int]:
    """The message and exit code of a failed sync (scripts tell offline from broken)."""
    if isinstance(exc, SyncBusy):
        return str(exc), EXIT_BUSY
    if isinstance(exc, InsecureTransportError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, TransportError):
        return f"offline: {exc}", EXIT_OFFLINE
    if isinstance(exc, DeviceRevoked):
        from client.syncing import REVOKED_MESSAGE

        return REVOKED_MESSAGE, EXIT_REFUSED
    if isinstance(exc, ClockSkewError):
        from client.syncing import CLOCK_SKEW_MESSAGE

        return f"{CLOCK_SKEW_MESSAGE} (central said: {exc})", EXIT_REFUSED
    if isinstance(exc, AuthError):
        return f"refused by central: {exc}", EXIT_REFUSED
    if isinstance(exc, ProtocolError):
        return f"protocol error: {exc}", EXIT_PROTOCOL
    return str(exc), EXIT_OFFLINE


if __name__ == "__main__":
    raise SystemExit(main())
