"""The database engine and the request's session.

Who commits: ``get_session`` yields a session; services add and flush, and the route commits
once at the end of a successful request. An exception rolls everything back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine


def utcnow() -> datetime:
    """Now, timezone-aware in UTC: SQLModel's datetime columns store and return aware UTC."""
    return datetime.now(UTC)


# Connections per process: the request threads (Settings.request_threads), the rate limiter's
# and the background workers' (mail, webhooks, retention) short transactions, and streaming
# exports, which keep theirs while they send. Too few made requests wait for a connection.
POOL_SIZE = 10
POOL_OVERFLOW = 10


def make_engine(url: str, *, pool_size: int = POOL_SIZE) -> Engine:
    parsed = make_url(url)
    pool: dict[str, Any] = {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW}
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **pool)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets the server read while another process (the CLI) writes; SQLite leaves
        # foreign keys off unless asked on every connection.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed transaction
        # survives the process being killed (tests/production/test_crash.py), only a power cut
        # or OS crash can lose the last few; FULL would cost an fsync per answer saved.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    # An async dependency, so FastAPI does not hop to its thread pool twice per request just
    # to open and close a session: opening takes no connection (the route's first query does,
    # in the route's thread), and after the route's commit closing has none to hand back.
    session = Session(request.app.state.engine)
    try:
        yield session
    finally:
        if session.in_transaction():
            # Still holding a connection (a read-only page, an error): closing rolls it back,
            # a round trip to the database, which must not block the event loop. Not in the
            # request threads: when those are all busy waiting for a pooled connection, the
            # sessions holding the connections could never get one to close (a deadlock the
            # load benchmark hit); asyncio's own executor is apart from them.
            await asyncio.to_thread(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def upsert_insert(dialect: str, table: Any) -> Any:
    """``INSERT`` for ``dialect`` with its ``ON CONFLICT`` methods (PostgreSQL and SQLite both
    have them; they make writes idempotent under retries, two tabs and several instances)."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)
