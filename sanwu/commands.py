"""The commands the top level adds to the client's parser: ``central`` and ``demo``.

Both import their side only when they run; in the client's parser they are words
with a help line (``sanwu --help`` lists them with the rest).
"""

from __future__ import annotations

import argparse

from client.cli.common import Commands, Registrar
from client.home import resolve_home
from sanwu import run_central

__all__ = ["EXTRA"]


def cmd_central(args: argparse.Namespace) -> int:
    return run_central(args.central_args, home=args.home, lang=args.lang)


def cmd_demo(args: argparse.Namespace) -> int:
    from sanwu.demo import run_demo

    return run_demo(resolve_home(args.home), lang=args.lang, role=args.role)


def register(commands: Commands) -> None:
    central = commands.add("central", cmd_central, "run and administer a central service")
    central.add_argument("central_args", nargs=argparse.REMAINDER, metavar="ACTION ...")
    demo = commands.add("demo", cmd_demo, "embedded central with Donghe demo data, then the app")
    demo.add_argument(
        "--role",
        choices=("clerk", "town", "supervisor", "support"),
        default="clerk",
        help="whom the app runs as: 黑麻板村's clerk (default), 沙尔沁镇's staff, the "
        "district's supervisor or support staff",
    )


EXTRA: tuple[Registrar, ...] = (register,)
