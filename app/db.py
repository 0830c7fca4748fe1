"""The database engine and the request's session.

Who commits: ``get_session`` yields a session; services add and flush, and the route commits
once at the end of a successful request. An exception rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine


def utcnow() -> datetime:
    """Now, timezone-aware in UTC: SQLModel's datetime columns store and return aware UTC."""
    return datetime.now(UTC)


# Sync routes run in a thread pool of 40 (AnyIO's default); each holds a connection while it
# runs. SQLAlchemy's default pool (5 + 10 overflow) made requests wait up to 30 s and then fail
# under 50 concurrent candidates (bench/load). With PostgreSQL, allow max_connections >= 45 per
# instance (docs/deployment.md).
POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 35}


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **POOL)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **POOL)

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


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
