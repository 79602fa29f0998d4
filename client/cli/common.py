"""What every ``sanwu`` command shares: its own error, output, the passphrase, the store,
how an area module adds its commands, and how a failure becomes a line on stderr.

Exit codes are sync.failures.ExitCode; which error ends with which code is the failure
table (each error class's ``failure``), read here by ``run``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from client.display import visible
from client.errors import RuleRefused, ValidationFailed
from client.home import resolve_home
from client.i18n import N_, _, set_language
from sync.cli_text import os_reason
from sync.errors import ClockSkewError, DeviceRevoked, SyncError
from sync.failures import ExitCode, Failure, Retry, failure_of

if TYPE_CHECKING:
    from client.home import EarlyOpen
    from client.store import Store

Handler = Callable[[argparse.Namespace], int]

ENV_PASSPHRASE = "SANWU_PASSPHRASE"
NO_PASSPHRASE = N_(
    "the local data is encrypted: give its passphrase with --passphrase-file FILE or "
    "SANWU_PASSPHRASE (no terminal to ask on)"
)


class CliError(Exception):
    """A command's own refusal (bad flags or input): one line on stderr, exit 2 unless the
    command says otherwise (a refused reply bundle exits 4)."""

    failure: Failure = Failure(ExitCode.USAGE, Retry.NEVER)

    def __init__(self, message: str, code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.failure = Failure(code, Retry.NEVER)


class Commands:
    """A level of command words; each area module adds its own through ``register``."""

    def __init__(self, group: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        self._group = group

    def add(self, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        """A command that runs ``handler``; returns its parser for the flags."""
        sub = self._group.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def group(self, name: str, help_text: str, *, metavar: str = "ACTION") -> Commands:
        """A command word with actions under it (``sanwu record add``)."""
        sub = self._group.add_parser(name, help=help_text, description=help_text)
        dest = f"{name.replace('-', '_')}_command"
        return Commands(sub.add_subparsers(dest=dest, metavar=metavar, required=True))


Registrar = Callable[[Commands], None]


# ---- output ---------------------------------------------------------------------------


def say(text: str) -> None:
    """A line on stdout, control characters escaped (``client.display.visible``): what it
    prints often quotes a record another device wrote (titles, ids, central's reasons)."""
    sys.stdout.write(visible(text) + "\n")


def print_json(value: Any) -> None:
    """``value`` as JSON on stdout; the controls ``json`` leaves as they are (C1, DEL, bidi
    controls) written as ``\\u`` escapes, so the text reads back the same and the terminal
    never sees them."""
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(_JSON_UNSAFE.sub(_json_escape, text) + "\n")


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
"""Days outside these are typing mistakes (the catalogue's periods stop there)."""


def cli_day(text: str | None, flag: str, *, default: date | None = None) -> date:
    """A date flag's day: ``default`` when the flag is not given (None: it must be), a bad
    or far-off date one line naming the flag, in the interface's language."""
    if not text:
        if default is not None:
            return default
        raise CliError(_("{flag}: give a date like 2026-12-05").format(flag=flag))
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CliError(
            _("{flag}: {text!r} is not a date; write one like 2026-12-05").format(
                flag=flag, text=text
            )
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise CliError(
            _("{flag}: a date between {first} and {last}").format(
                flag=flag, first=EARLIEST, last=LATEST
            )
        )
    return day


def parse_json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            _("--json: not valid JSON (line {line}, column {column})").format(
                line=exc.lineno, column=exc.colno
            )
        ) from exc
    if not isinstance(value, dict):
        raise CliError(_("--json: expected a JSON object of field names to values"))
    return value


def shown(kind: str, record: dict[str, Any], reveal: bool) -> dict[str, Any]:
    """The record as printed: personal fields masked unless ``--reveal``."""
    from models.masking import mask_record

    return record if reveal else {**record, **mask_record(kind, record)}


# ---- the passphrase and the store -------------------------------------------------------


def read_passphrase_file(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(
            _("cannot read the passphrase file {path} ({reason})").format(
                path=path, reason=os_reason(exc)
            )
        ) from exc
    passphrase = text.splitlines()[0] if text else ""
    if not passphrase:
        raise CliError(_("the passphrase file {path} is empty").format(path=path))
    return checked(passphrase, N_("the file {path}"), path)


def checked(passphrase: str, source: str, path: str = "") -> str:
    """A passphrase from a flag's file or the environment, refused under the floor
    (``client.crypto.MIN_PASSPHRASE``) or when it is the demo's published one: both are
    guessed in seconds, and a home made with either would keep it."""
    from client.crypto import DEMO_PASSPHRASE, WeakPassphrase, check_passphrase

    if passphrase == DEMO_PASSPHRASE:
        raise WeakPassphrase(source, path, published=True)
    return check_passphrase(passphrase, source, path)


def given_passphrase(args: argparse.Namespace) -> str | None:
    """--passphrase-file, else SANWU_PASSPHRASE; None when neither is given. Either is
    refused (exit 2, naming it) when it is shorter than the floor."""
    path = getattr(args, "passphrase_file", None)
    if path:
        return read_passphrase_file(path)
    passphrase = os.environ.get(ENV_PASSPHRASE)
    return checked(passphrase, N_("SANWU_PASSPHRASE")) if passphrase else None


def ask_passphrase(*, new: bool, what: str = N_("passphrase")) -> str:
    """Prompt on the terminal (twice for a new one); exit 2 when there is no terminal."""
    if not sys.stdin.isatty():
        raise CliError(_(NO_PASSPHRASE))
    if not new:
        return getpass.getpass(_("{what} for the local data: ").format(what=_(what)))
    sys.stderr.write(
        "sanwu: "
        + _(
            "choose a passphrase for the local data; personal data is encrypted with it "
            "and nobody can recover it if it is forgotten"
        )
        + "\n"
    )
    for _attempt in range(3):
        first = getpass.getpass(_("new {what}: ").format(what=_(what)))
        if len(first) < 8:
            sys.stderr.write("sanwu: " + _("at least 8 characters, please") + "\n")
            continue
        if getpass.getpass(_("new {what} again: ").format(what=_(what))) == first:
            return first
        sys.stderr.write("sanwu: " + _("the two did not match") + "\n")
    raise CliError(_("no passphrase chosen"))


def open_early(args: argparse.Namespace) -> EarlyOpen:
    """Start what opening the home waits for, now, beside the imports a long read needs
    (SQLite and scrypt run without the GIL): the file's check (``PRAGMA quick_check``)
    and the key's derivation from the given passphrase. ``open_store`` hands both to the
    store's open; nothing is read from a record before."""
    import sqlite3
    from contextlib import closing

    from client.crypto import DATA_KEY_SETTING, Unlocking
    from client.home import DB_NAME, EarlyCheck, EarlyOpen, database_header_ok

    path = resolve_home(args.home) / DB_NAME
    if not path.is_file() or not database_header_ok(path):
        return EarlyOpen()  # the store's open names what is wrong with the file
    check = EarlyCheck(path)
    passphrase = given_passphrase(args)
    if not passphrase:
        return EarlyOpen(check)
    try:
        with closing(sqlite3.connect(path, timeout=10)) as conn:
            row = conn.execute(
                "SELECT value FROM setting WHERE key = ?", (DATA_KEY_SETTING,)
            ).fetchone()
    except sqlite3.Error:
        return EarlyOpen(check)
    return EarlyOpen(check, Unlocking(passphrase, str(row[0])) if row else None)


def open_store(args: argparse.Namespace, early: EarlyOpen | None = None) -> Store:
    """The home's store, unlocked (scrypt once): --passphrase-file, SANWU_PASSPHRASE, or a
    prompt on the terminal; exit 2 without any of them. ``early``: ``open_early``'s."""
    from client.store import Store

    store = Store(resolve_home(args.home), passphrase=given_passphrase(args), early=early)
    try:
        if store.locked:
            store.unlock(ask_passphrase(new=not store.has_data_key()))
    except BaseException:
        store.close()
        raise
    return store


def note_reveal(store: Store, kind: str, record_id: str, fields: Sequence[str]) -> None:
    """A reveal of personal data is written to the audit log: who, when, which record and
    fields (never the values)."""
    store.note_reveal(kind=kind, record_id=record_id, fields=fields, user=_os_user())


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


# ---- failures ---------------------------------------------------------------------------

_SYNC_PREFIX = {
    ExitCode.OFFLINE: N_("offline: "),
    ExitCode.REFUSED: N_("refused by central: "),
    ExitCode.PROTOCOL: N_("protocol error: "),
}
"""How a failed round's message starts, so a log line tells offline from broken."""


def messages_of(error: BaseException, failure: Failure) -> list[str]:
    """The line (without the ``sanwu:`` prefix) a failure prints on stderr, in the
    current language: a message that is a msgid is translated as it is shown."""
    if isinstance(error, ValidationFailed):
        from client.labels import error_text

        return [" ".join(f"{e.field}: {error_text(e)}" for e in error.errors)]
    if isinstance(error, RuleRefused):
        from client.labels import refusal_text

        return [refusal_text(error.kind, error.refusal)]
    if isinstance(error, DeviceRevoked):
        from client.errors import REVOKED_MESSAGE

        return [_(REVOKED_MESSAGE)]
    if isinstance(error, ClockSkewError):
        from client.errors import CLOCK_SKEW_MESSAGE

        return [
            _("{message} (central said: {said})").format(message=_(CLOCK_SKEW_MESSAGE), said=error)
        ]
    template, params = getattr(error, "template", None), getattr(error, "params", None)
    if isinstance(template, str) and isinstance(params, dict):  # AttachmentError
        return [_(template).format(**params)]
    if isinstance(error, SyncError):
        from client.labels import central_error_text

        prefix = _SYNC_PREFIX.get(failure.exit_code)
        return [(_(prefix) if prefix else "") + central_error_text(error.code, str(error))]
    return [_(str(error))]


def run(handler: Handler, args: argparse.Namespace) -> int:
    """Run a command; an error with an entry in the failure table becomes its message on
    stderr and its exit code, any other error is a bug and goes up with its traceback. The
    person's language (``--lang``, else SANWU_LANG, else Chinese) is chosen first, so those
    lines are in it too."""
    set_language(getattr(args, "lang", None))
    try:
        return handler(args)
    except Exception as exc:  # a closed pipe goes up to ``pipe_safe`` at the edge
        failure = failure_of(exc)
        if failure is None:
            raise
        for line in messages_of(exc, failure):
            sys.stderr.write(f"sanwu: {visible(line)}\n")
        return failure.exit_code


class KindList:
    """The record kinds, named in a help text only when help is shown: ``%(kinds)s`` in
    an argument's help reads this (``sanwu sync`` never loads the kinds for its help)."""

    def __str__(self) -> str:
        from models.kinds import KINDS

        return ", ".join(KINDS)


class DeclaredChoices(Sequence[str]):
    """A field's choice set (its ``Choices`` marker) as an argument's ``choices``, read from
    the kind's declaration when argparse first asks: a given value is checked or help is
    shown. Building the parser loads no model (``sanwu sync`` starts without them), as
    long as the argument has a ``metavar`` (argparse lists choices in place of one)."""

    def __init__(self, kind: str, field: str) -> None:
        self.kind = kind
        self.field = field

    def _values(self) -> tuple[str, ...]:
        from models.kinds import kind_spec

        return tuple(kind_spec(self.kind).field(self.field).choices or ())

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return self._values()[index]

    def __len__(self) -> int:
        return len(self._values())

    def __contains__(self, value: object) -> bool:
        return value in self._values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())


def choice_argument(
    parser: argparse.ArgumentParser, flag: str, kind: str, field: str, **kwargs: Any
) -> None:
    """A flag taking one of a declared field's choices; its help lists them, read when
    shown (the metavar is the flag's name: argparse would list the choices in its place)."""
    metavar = flag.removeprefix("--").replace("-", "_").upper()
    parser.add_argument(
        flag,
        metavar=metavar,
        choices=DeclaredChoices(kind, field),
        help="one of: %(choices)s",
        **kwargs,
    )


def kind_argument(parser: argparse.ArgumentParser, *names: str, **kwargs: Any) -> None:
    """An argument naming a record kind; its help lists the kinds, read when shown."""
    action = parser.add_argument(*names, metavar="KIND", help="%(kinds)s", **kwargs)
    action.kinds = KindList()  # type: ignore[attr-defined]


def known_kind(kind: str) -> None:
    """Exit 2 naming the kinds when ``kind`` is not one of them."""
    from models.kinds import KINDS

    if kind not in KINDS:
        raise CliError(
            _("unknown kind {kind!r}; kinds: {kinds}").format(kind=kind, kinds=KindList())
        )
