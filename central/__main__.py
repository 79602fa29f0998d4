"""``python -m central serve|init|enroll-code|revoke``: the reference central from a shell."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from central.admin import init_db, new_enroll_code, revoke_device
from central.errors import CentralError
from central.server import Tls, serve
from central.settings import CentralSettings
from sync.protocol import Role


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m central", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("serve", help="serve the sync API")
    run.add_argument("--db", required=True, help="SQLAlchemy URL, e.g. sqlite:///central.db")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--init", action="store_true", help="migrate and load the org tree first")
    run.add_argument("--demo", action="store_true", help="with --init: also load demo records")
    run.add_argument("--log-level", default="warning")
    run.add_argument("--tls-cert", help="PEM certificate chain: serve HTTPS")
    run.add_argument("--tls-key", help="PEM private key of --tls-cert")

    init = sub.add_parser("init", help="migrate the database and load the org tree")
    init.add_argument("--db", required=True)
    init.add_argument("--demo", action="store_true", help="also load the demo records")

    code = sub.add_parser("enroll-code", help="make a one-time enrollment code")
    code.add_argument("--db", required=True)
    code.add_argument("--unit", required=True, help="12-digit org code")
    code.add_argument("--role", required=True, choices=[role.value for role in Role])
    code.add_argument("--ttl", type=int, default=86_400, help="seconds the code stays valid")

    revoke = sub.add_parser("revoke", help="revoke a device")
    revoke.add_argument("--db", required=True)
    revoke.add_argument("--device", required=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = sys.stdout
    try:
        if args.command == "serve":
            if args.init or args.demo:
                init_db(args.db, demo=args.demo)
            if bool(args.tls_cert) != bool(args.tls_key):
                sys.stderr.write("error: --tls-cert and --tls-key go together\n")
                return 2
            tls = Tls(args.tls_cert, args.tls_key) if args.tls_cert else None
            settings = CentralSettings(db_url=args.db)
            serve(settings, args.host, args.port, log_level=args.log_level, tls=tls)
        elif args.command == "init":
            init_db(args.db, demo=args.demo)
            out.write("central database ready\n")
        elif args.command == "enroll-code":
            out.write(
                new_enroll_code(args.db, unit=args.unit, role=args.role, ttl_s=args.ttl) + "\n"
            )
        elif args.command == "revoke":
            revoke_device(args.db, args.device)
            out.write(f"revoked {args.device}\n")
    except CentralError as exc:
        sys.stderr.write(f"error: {exc.code}: {exc.message}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
