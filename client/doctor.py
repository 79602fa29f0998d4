"""``sanwu doctor``'s checks: what support staff ask first when a village says "it does
not sync", each answered with a verdict and what to do.

Every check reads; none writes. The database is opened read-only with sqlite3 alone
and nothing here needs the passphrase (what is read is the schema, counts and the
identity's plain settings), so a helper on the phone can run it on a PC whose clerk
is away. The only network use is central's unsigned health check and a TLS handshake,
both to the server this home is enrolled with. Nothing personal is shown: counts,
times, sizes and the server's address, never a record or a name.
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from client.home import DB_NAME
from client.i18n import _
from client.identity import Identity, identity_from_settings
from client.migrate import HEAD_REVISION

__all__ = [
    "CLOCK_FAIL_S",
    "CLOCK_WARN_S",
    "DISK_FAIL_BYTES",
    "DISK_WARN_BYTES",
    "Check",
    "Verdict",
    "examine",
    "worst",
]

Verdict = Literal["ok", "warn", "fail", "unknown"]
"""``unknown``: the check could not be made (central away, no database): not a failure."""

DISK_WARN_BYTES = 500 * 1024 * 1024
DISK_FAIL_BYTES = 50 * 1024 * 1024
"""Free space under which SQLite's journal and a round's pulls may no longer fit."""
CLOCK_WARN_S = 60.0
CLOCK_FAIL_S = 300.0
"""Central refuses a signed request more than its signature window (300 s by default)
off its clock: past that every sync round is refused."""
CERT_WARN_DAYS = 30
SYNC_WARN_DAYS = 7
"""No successful round for a week: a village's records are not reaching the town."""
NETWORK_TIMEOUT_S = 5.0

_REVISION = re.compile(r"^l(\d+)$")


@dataclass(frozen=True)
class Check:
    """One line of the report: a stable name for scripts, the verdict, what was found and
    what to do about it (empty when nothing needs doing)."""

    name: str
    verdict: Verdict
    detail: str
    action: str = ""
    value: Any = None
    """The figure behind the verdict, for ``--json`` (bytes, seconds, a count, a time)."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


_RANK = {"ok": 0, "unknown": 1, "warn": 2, "fail": 3}


def worst(checks: Sequence[Check]) -> Verdict:
    """The report's overall verdict: its worst line (``unknown`` is better than ``warn``:
    what could not be checked is not known to be wrong)."""
    verdict: Verdict = "ok"
    for check in checks:
        if _RANK[check.verdict] > _RANK[verdict]:
            verdict = check.verdict
    return verdict


# ---- the database ------------------------------------------------------------------------


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)


def _integrity(connection: sqlite3.Connection) -> Check:
    try:
        rows = [str(row[0]) for row in connection.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows == ["ok"]:
        return Check("integrity", "ok", _("The database passed SQLite's quick check."), "", "ok")
    return Check(
        "integrity",
        "fail",
        _("The database is damaged ({n} problem(s) found).").format(n=len(rows)),
        _(
            "Do not change anything on this computer: write a support bundle with "
            "`sanwu diagnostics --out FILE` and call support."
        ),
        rows[:10],
    )


def _schema(connection: sqlite3.Connection) -> Check:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        row = None
    stamped = str(row[0]) if row else ""
    if stamped == HEAD_REVISION:
        return Check(
            "schema",
            "ok",
            _("Schema {revision}, as this program expects.").format(revision=stamped),
            "",
            stamped,
        )
    found, head = _REVISION.match(stamped), _REVISION.match(HEAD_REVISION)
    if found and head and int(found.group(1)) < int(head.group(1)):
        return Check(
            "schema",
            "warn",
            _("Schema {revision}, older than this program's {head}.").format(
                revision=stamped, head=HEAD_REVISION
            ),
            _("Any command that opens the local data (e.g. `sanwu status`) upgrades it."),
            stamped,
        )
    return Check(
        "schema",
        "fail",
        _("Schema {revision} is not one this program knows (it expects {head}).").format(
            revision=stamped or "—", head=HEAD_REVISION
        ),
        _("The data was written by a newer Sanwu: install that version (or newer) here."),
        stamped or None,
    )


def _settings(connection: sqlite3.Connection) -> dict[str, str]:
    return {str(k): str(v) for k, v in connection.execute("SELECT key, value FROM setting")}


def _queue(connection: sqlite3.Connection) -> Check:
    from client.outbox import PENDING, QUARANTINED, REFUSED

    states = dict(connection.execute("SELECT state, count(*) FROM outbox GROUP BY state"))
    pending = int(states.get(PENDING, 0))
    held = int(states.get(QUARANTINED, 0)) + int(states.get(REFUSED, 0))
    value = {"pending": pending, "quarantined": held}
    detail = _("{pending} change(s) waiting to be sent, {held} held back by central.").format(
        pending=pending, held=held
    )
    if held:
        return Check(
            "queue",
            "warn",
            detail,
            _(
                "See why with `sanwu queue list`; after correcting the records, "
                "`sanwu queue retry` sends them again."
            ),
            value,
        )
    return Check("queue", "ok", detail, "", value)


def _last_sync(connection: sqlite3.Connection, settings: dict[str, str], now: datetime) -> Check:
    if "device_id" not in settings:
        return Check(
            "last_sync",
            "unknown",
            _("This home is not enrolled: it does not sync."),
            _("Enroll it with `sanwu enroll --server URL --code CODE`."),
        )
    row = connection.execute(
        "SELECT max(finished_at) FROM sync_round WHERE finished_at IS NOT NULL AND error = ''"
    ).fetchone()
    (last_error,) = connection.execute(
        "SELECT error FROM sync_round ORDER BY id DESC LIMIT 1"
    ).fetchone() or ("",)
    if not row or row[0] is None:
        return Check(
            "last_sync",
            "warn",
            _("No sync round has succeeded yet."),
            _("Run `sanwu sync`; if it fails, its message says why."),
        )
    finished = datetime.fromisoformat(str(row[0])).replace(tzinfo=UTC)
    age = now - finished
    detail = _("Last successful sync {when} ({days} day(s) ago).").format(
        when=local_minute(finished), days=max(age.days, 0)
    )
    if last_error:
        detail += " " + _("The latest round failed.")
    if age > timedelta(days=SYNC_WARN_DAYS) or last_error:
        return Check(
            "last_sync",
            "warn",
            detail,
            _("Run `sanwu sync`; if it fails, its message says why."),
            finished.isoformat(),
        )
    return Check("last_sync", "ok", detail, "", finished.isoformat())


def local_minute(moment: datetime) -> str:
    """A UTC moment in this computer's time, to the minute: ``2026-12-05 12:46``."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


# ---- the computer ------------------------------------------------------------------------


def _disk(home: Path) -> Check:
    where = home if home.exists() else home.parent
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return Check("disk", "unknown", _("The free space could not be read."))
    detail = _("{mb} MB free where the local data is kept.").format(mb=free // (1024 * 1024))
    action = _("Free some space on this disk (old downloads, the recycle bin).")
    if free < DISK_FAIL_BYTES:
        return Check("disk", "fail", detail, action, free)
    if free < DISK_WARN_BYTES:
        return Check("disk", "warn", detail, action, free)
    return Check("disk", "ok", detail, "", free)


# ---- central -----------------------------------------------------------------------------

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _unreachable(name: str) -> Check:
    return Check(
        name,
        "unknown",
        _("Central is not reachable now."),
        _("Check the network; run `sanwu doctor` again when online."),
    )


def _clock(identity: Identity, now: Clock) -> Check:
    from client.link import transport_for
    from sync.central_api import CentralAPI
    from sync.errors import SyncError

    try:
        link = transport_for(identity, timeout=NETWORK_TIMEOUT_S)
    except SyncError:
        return _unreachable("clock")
    try:
        api = CentralAPI(link, path_prefix=CentralAPI.prefix_of(identity.server_url))
        before = time.monotonic()
        asked = now()
        health = api.health()
        here = asked + timedelta(seconds=(time.monotonic() - before) / 2)
    except (SyncError, OSError):
        return _unreachable("clock")
    finally:
        link.close()
    try:
        there = datetime.fromisoformat(health.server_time.replace("Z", "+00:00"))
    except ValueError:
        return _unreachable("clock")
    offset = (here - there).total_seconds()
    detail = _("This computer's clock is {seconds:+d} s off central's.").format(
        seconds=round(offset)
    )
    action = _(
        "Set this computer's date, time and time zone right (Windows: Settings → Time); "
        "central refuses a device more than 5 minutes off."
    )
    if abs(offset) > CLOCK_FAIL_S:
        return Check("clock", "fail", detail, action, round(offset, 1))
    if abs(offset) > CLOCK_WARN_S:
        return Check("clock", "warn", detail, action, round(offset, 1))
    return Check("clock", "ok", detail, "", round(offset, 1))


def _certificate(identity: Identity, now: Clock) -> Check:
    parts = urlsplit(identity.server_url)
    if parts.scheme.lower() != "https":
        from sync.transport import is_loopback

        if is_loopback(parts.hostname or ""):
            return Check(
                "certificate", "ok", _("Central is on this computer (plain HTTP, no certificate).")
            )
        return Check(
            "certificate",
            "warn",
            _("The link to central is plain HTTP: not encrypted."),
            _("Ask support for central's https:// address and enroll again with it."),
        )
    from cryptography import x509

    from sync.transport import tls_verify

    verify = tls_verify(identity.ca_bundle)
    context = verify if isinstance(verify, ssl.SSLContext) else ssl.create_default_context()
    host, port = parts.hostname or "", parts.port or 443
    try:
        with (
            socket.create_connection((host, port), timeout=NETWORK_TIMEOUT_S) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError as exc:
        return Check(
            "certificate",
            "fail",
            _("Central's certificate is not trusted here ({reason}).").format(
                reason=exc.verify_message or type(exc).__name__
            ),
            _(
                "If it has expired, central's administrator must renew it; for an intranet "
                "CA, enroll again with --ca-bundle FILE."
            ),
        )
    except (OSError, ssl.SSLError):
        return _unreachable("certificate")
    if not der:
        return _unreachable("certificate")
    expires = x509.load_der_x509_certificate(der).not_valid_after_utc
    days = (expires - now()).days
    detail = _("Central's certificate is valid until {when} ({days} day(s) left).").format(
        when=local_minute(expires), days=days
    )
    action = _("Central's administrator must renew the certificate before it expires.")
    if expires <= now():
        return Check("certificate", "fail", detail, action, expires.isoformat())
    if days < CERT_WARN_DAYS:
        return Check("certificate", "warn", detail, action, expires.isoformat())
    return Check("certificate", "ok", detail, "", expires.isoformat())


# ---- the report --------------------------------------------------------------------------


def _no_database(home: Path) -> list[Check]:
    missing = Check(
        "integrity",
        "warn",
        _("There is no local data in this home."),
        _("Check --home or SANWU_HOME; a new home gets its data on first use."),
    )
    not_read = _("Not checked: there is no local data.")
    return [
        missing,
        *(Check(name, "unknown", not_read) for name in ("schema", "queue", "last_sync")),
        _disk(home),
        *(Check(name, "unknown", not_read) for name in ("clock", "certificate")),
    ]


def examine(home: Path, *, now: Clock = _utcnow) -> list[Check]:
    """Every check on ``home``, in the order support staff read them; ``now`` is this
    computer's clock (injected in tests)."""
    path = home / DB_NAME
    if not path.is_file():
        return _no_database(home)
    try:
        connection = _open_read_only(path)
    except sqlite3.Error:
        return _no_database(home)
    try:
        integrity = _integrity(connection)
        if integrity.verdict == "fail":
            unread = _("Not checked: the database is damaged.")
            return [
                integrity,
                *(Check(n, "unknown", unread) for n in ("schema", "queue", "last_sync")),
                _disk(home),
                *(Check(n, "unknown", unread) for n in ("clock", "certificate")),
            ]
        schema = _schema(connection)
        try:
            settings = _settings(connection)
            queue = _queue(connection)
            last_sync = _last_sync(connection, settings, now())
        except sqlite3.DatabaseError:
            unread = _("Not checked: the schema is not this program's.")
            settings = {}
            queue = Check("queue", "unknown", unread)
            last_sync = Check("last_sync", "unknown", unread)
    finally:
        connection.close()
    checks = [integrity, schema, queue, last_sync, _disk(home)]
    identity = identity_from_settings(settings, None) if "device_id" in settings else None
    if identity is None:
        not_enrolled = _("Not checked: this home is not enrolled.")
        return [*checks, *(Check(n, "unknown", not_enrolled) for n in ("clock", "certificate"))]
    return [*checks, _clock(identity, now), _certificate(identity, now)]
