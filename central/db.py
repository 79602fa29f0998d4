"""Engines and sessions. SQLite gets WAL, foreign keys and a busy timeout; queries stay portable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine


def make_engine(db_url: str, *, echo: bool = False) -> Engine:
    """An engine for ``db_url``; on SQLite each connection is set up for concurrent readers."""
    if not db_url.startswith("sqlite"):
        return create_engine(db_url, echo=echo, pool_pre_ping=True)
    engine = create_engine(
        db_url,
        echo=echo,
        # Requests run in a thread pool; a pooled connection moves between threads.
        connect_args={"check_same_thread": False, "timeout": 30},
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; services commit, closing rolls back whatever they did not."""
    engine: Engine = request.app.state.engine
    with Session(engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
