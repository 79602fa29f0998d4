"""``sanwu import`` (a legacy workbook or CSV, with a reject report) and ``sanwu export``
(notice-board tables, masked payment lists)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from client.cli.common import CliError, Commands, kind_argument, known_kind, open_store, say
from client.i18n import _
from sync.failures import ExitCode


def _parse_set(items: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(_("--set: expected FIELD=VALUE, got {item!r}").format(item=item))
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
    from client.legacy.importer import NotATable, import_file
    from client.legacy.mapping import MappingError
    from client.legacy.reasons import not_a_table_text, source_text
    from client.legacy.report import write_reject_report

    known_kind(args.kind)
    path = Path(args.file)
    with open_store(args) as store:
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
                progress=_progress_line(_("importing")),
            )
        except NotATable as exc:
            raise CliError(f"{path.name}: {not_a_table_text(exc)}") from exc
        except MappingError as exc:
            raise CliError(f"{path.name}: {exc}") from exc
    written: tuple[Path, ...] = ()
    if report.rejects or args.report:
        target = Path(args.report) if args.report else path.with_name(path.stem + ".rejects")
        written = write_reject_report(report, target)
    summary = (
        _(
            "{file} ({source}, header on line {header}): {rows} rows; {created} would be "
            "created, {updated} updated, {unchanged} unchanged, {rejected} rejected"
        )
        if args.dry_run
        else _(
            "{file} ({source}, header on line {header}): {rows} rows; {created} were "
            "created, {updated} updated, {unchanged} unchanged, {rejected} rejected"
        )
    )
    say(
        summary.format(
            file=path.name,
            source=source_text(report.source),
            header=report.header_line,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
        )
    )
    if report.skipped:
        lines = _(", ").join(
            _("line {line} ({word})").format(line=s.line, word=s.word) for s in report.skipped
        )
        say(_("footer rows skipped: {lines}").format(lines=lines))
    if report.ignored_columns:
        say(_("columns not imported: {columns}").format(columns=", ".join(report.ignored_columns)))
    if written:
        files = ", ".join(str(p) for p in written)
        say(_("reject report (holds personal data: keep it safe): {files}").format(files=files))
    if not report.imported:
        # Every row rejected (or none under the header): a script must not take it for done.
        none = (
            _("{file}: no row would be imported") if args.dry_run else _("{file}: no row imported")
        )
        raise CliError(none.format(file=path.name))
    return ExitCode.OK


def cmd_export_disclosure(args: argparse.Namespace) -> int:
    from client.exports.notice import NoticeError, export_disclosures

    with open_store(args) as store:
        try:
            count = export_disclosures(
                store,
                Path(args.out),
                ids=args.id or None,
                period=args.period,
                fmt=args.format,
            )
        except NoticeError as exc:
            raise CliError(_(str(exc))) from exc
    say(_("{file}: {count} disclosure(s)").format(file=args.out, count=count))
    return ExitCode.OK


def cmd_export_bulletin(args: argparse.Namespace) -> int:
    from client.exports.bulletin import BulletinError, export_bulletin

    with open_store(args) as store:
        try:
            export_bulletin(store, args.id, Path(args.out), fmt=args.format)
        except BulletinError as exc:
            raise CliError(_(str(exc))) from exc
    say(_("{file}: bulletin {id}").format(file=args.out, id=args.id))
    return ExitCode.OK


def cmd_export_payments(args: argparse.Namespace) -> int:
    from client.exports.payments import export_payments

    with open_store(args) as store:
        count = export_payments(store, args.project, Path(args.out))
    say(
        _("{file}: {count} payment(s), ID numbers and accounts masked").format(
            file=args.out, count=count
        )
    )
    return ExitCode.OK


def register(commands: Commands) -> None:
    imp = commands.add("import", cmd_import, "import a legacy workbook or CSV file")
    imp.add_argument("file", metavar="FILE", help=".xlsx, .xls or CSV (UTF-8, GBK, GB18030)")
    kind_argument(imp, "--kind", required=True)
    imp.add_argument("--mapping", help="a TOML file: old column headers to fields")
    imp.add_argument("--dry-run", action="store_true", help="check only; write just the report")
    imp.add_argument("--encoding", help="the CSV's encoding (default: detected)")
    imp.add_argument("--sheet", help="the workbook's sheet (default: the first with a header)")
    imp.add_argument("--org", help="org code for rows without one (default: this device's unit)")
    imp.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE", help="a value for every row"
    )
    imp.add_argument("--report", help="where to write the reject report (.xlsx and .csv)")

    export = commands.group("export", "notice-board tables and payment lists", metavar="WHAT")
    disclosure = export.add("disclosure", cmd_export_disclosure, "disclosures for the board")
    which = disclosure.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", help="a disclosure id (repeat for more)")
    which.add_argument("--period", help="every disclosure of this period, e.g. 2026-10")
    disclosure.add_argument("--format", choices=["xlsx", "html"], default="xlsx")
    disclosure.add_argument("--out", required=True, help="the file to write")
    bulletin = export.add("bulletin", cmd_export_bulletin, "a supervision bulletin to print")
    bulletin.add_argument("id", metavar="ID")
    bulletin.add_argument("--format", choices=["xlsx", "html"], default="html")
    bulletin.add_argument("--out", required=True, help="the file to write")
    payments = export.add("payments", cmd_export_payments, "a project's payments, masked")
    payments.add_argument("--project", required=True, help="the subsidy project id")
    payments.add_argument("--out", required=True, help="the .xlsx file to write")
