"""The ``sanwu`` command: the one place that knows both sides.

``sanwu [globals] central ...`` goes to central.cli, ``sanwu [globals] demo`` to
sanwu.demo (central in a thread, then the client's app), anything else to client.cli.
The command word is found before anything else is imported, so each command loads
only its own side: ``sanwu sync`` never imports central, FastAPI or Textual, and
``sanwu central ...`` never imports the client's store. The global options
(``--home``, ``--lang``, ``--passphrase-file``) go before the command, as ever.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main", "run_central"]

CENTRAL_PROG = "sanwu central"


def _front() -> argparse.ArgumentParser:
    """Just enough of the parser to find the command word after the global options."""
    front = argparse.ArgumentParser(
        prog="sanwu", add_help=False, allow_abbrev=False, exit_on_error=False
    )
    front.add_argument("--home")
    front.add_argument("--lang")
    front.add_argument("--passphrase-file")
    front.add_argument("--version", action="store_true")
    front.add_argument("rest", nargs=argparse.REMAINDER)
    return front


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``sanwu`` command; returns its exit code (a closed pipe, as in ``sanwu
    catalog | head``: 0, quietly, ``sync.failures.pipe_safe``)."""
    from client.home import private_umask
    from sync.failures import pipe_safe

    private_umask()  # before anything is written: the home, its database, reports, bundles
    return pipe_safe(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        front, unknown = _front().parse_known_args(args)
    except argparse.ArgumentError:
        front, unknown = None, args  # the client's parser says what is wrong, as ever
    if front is not None and not unknown and front.version and not front.rest:
        from client.version import version

        sys.stdout.write(f"sanwu {version()}\n")
        return 0
    if front is not None and not unknown and front.rest[:1] == ["central"]:
        return run_central(front.rest[1:], home=front.home, lang=front.lang)
    from client.cli import main as client_main
    from sanwu.commands import EXTRA

    return client_main(args, extra=EXTRA)


def run_central(argv: Sequence[str], *, home: str | None, lang: str | None = None) -> int:
    """``sanwu central ...``: central.cli, whose database defaults to HOME/central.db."""
    from central.cli import main as central_main

    def default_db() -> str:
        from client.home import resolve_home

        path = resolve_home(home)
        path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path / 'central.db'}"

    return central_main(argv, prog=CENTRAL_PROG, default_db=default_db, lang=lang)
