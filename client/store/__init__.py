"""The local store: every user action writes the record, its outbox op and its audit
entry in ONE SQLite transaction, so an entry is either fully saved or not at all.

Screens and the CLI use ``Store``; so does the sync engine (``sync.engine.SyncStore``:
pending ops, push results, pulled pages). Nothing here talks to the network. The parts,
each with one job:

- ``database``: the SQLite file, its pragmas, transactions, the deferred checkpoint
- ``sealing``: wire values ↔ stored columns, personal values sealed and opened
- ``device``: who writes (the enrolled identity, its actor id and scope)
- ``records``: add / edit / delete / get / list, with their checks
- ``conflicts``: conflicts kept, listed and resolved
- ``sync_side``: what the sync engine and the queue screen ask for
- ``bulk``, ``matching``, ``import_layout``: a legacy file imported in one transaction
- ``settings``: the home's settings (identity, cursor, batch size)
- ``catalogue``: the catalogue in force from the items pulled
- ``supervision``: the supervision work's steps (warnings, clues, proposals)
- ``review``: a disclosure's review (submit, publish, return, withdraw)
- ``import_rules``: the rules an imported row meets, as a typed entry does
- ``facade``: ``Store``, which composes them
"""

from client.home import DB_NAME
from client.store.bulk import (
    IMPORT_CREATED,
    IMPORT_REJECTED,
    IMPORT_UNCHANGED,
    IMPORT_UPDATED,
    BulkImport,
    ImportOutcome,
)
from client.store.conflicts import ConflictEntry
from client.store.database import open_engine, utcnow
from client.store.facade import Store
from client.store.sync_side import SyncStatus

__all__ = [
    "DB_NAME",
    "IMPORT_CREATED",
    "IMPORT_REJECTED",
    "IMPORT_UNCHANGED",
    "IMPORT_UPDATED",
    "BulkImport",
    "ConflictEntry",
    "ImportOutcome",
    "Store",
    "SyncStatus",
    "open_engine",
    "utcnow",
]
