"""The database engine and the request's unit of work.

Who commits: nobody in a route. ``get_session`` (``SessionDep``) yields the request's session;
services add and flush, routes read, write and record audit events in it, and the route class
``UnitOfWork`` commits it once, after the handler has returned its response and BEFORE a byte
of that response is sent: a browser that follows the 303 sees what the POST wrote, and a
streaming export's body starts only after the commit. The rule, by outcome:

- the handler returns a response below 400: commit;
- it raises (``HTTPException``, a validation error, a bug) or a dependency does: rollback, and
  the error page is sent after the rollback;
- it returns a response of 400 or more (a form shown again with its errors, a refusal):
  rollback, unless the handler called ``keep_on_error(request)`` because the refusal itself
  must be stored (a login slowed after failed attempts records that in the audit log);
- a refusal answered with a redirect is a response below 400: the route rolls back itself
  (``session.rollback()``) if the service may have written before refusing.

Every router is ``APIRouter(route_class=UnitOfWork)``; ``get_session`` refuses to open a
session elsewhere, so a route cannot silently lose its writes. Workers (mail, webhooks,
retention), the command line and the candidate writer (``app/writer.py``) are not requests:
they open their own sessions and commit their own transactions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import fastapi
from fastapi import Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute
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


# Keys in the ASGI scope: set by UnitOfWork, read by get_session and keep_on_error.
_UNIT = "rolefit.unit_of_work"
_SESSION = "rolefit.session"
_KEEP = "rolefit.keep_on_error"


class UnitOfWork(APIRoute):
    """A route whose request session commits once, before the response is sent (see above).

    FastAPI runs the exit code of a dependency with ``yield`` after the response has been
    sent (request scope) or before it without seeing it (function scope); only the route's
    handler holds the response before it goes out, so the commit is made here."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def unit_of_work(request: Request) -> Response:
            request.scope[_UNIT] = True
            response = await handler(request)
            session: Session | None = request.scope.get(_SESSION)
            if session is not None and session.in_transaction():
                keep = response.status_code < 400 or request.scope.get(_KEEP, False)
                # A round trip to the database, off the event loop, and not in the request
                # threads (see get_session). A failed commit raises: the client gets the
                # error page, never a success for something that was not stored.
                await asyncio.to_thread(session.commit if keep else session.rollback)
            return response

        return unit_of_work


def keep_on_error(request: Request) -> None:
    """Commit this request's writes although its response is an error (400 or more)."""
    request.scope[_KEEP] = True


async def get_session(request: Request) -> AsyncIterator[Session]:
    # An async dependency, so FastAPI does not hop to its thread pool twice per request just
    # to open and close a session: opening takes no connection (the route's first query does,
    # in the route's thread), and after the unit of work's commit closing has none to hand back.
    if not request.scope.get(_UNIT):
        raise RuntimeError(
            f"{request.url.path}: a route that takes the request's session must be an "
            "APIRouter(route_class=UnitOfWork) route, or its writes would never be stored"
        )
    session = Session(request.app.state.engine)
    request.scope[_SESSION] = session
    try:
        yield session
    finally:
        if session.in_transaction():
            # Still holding a connection (an exception): closing rolls it back, a round trip
            # to the database, which must not block the event loop. Not in the request
            # threads: when those are all busy waiting for a pooled connection, the
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


# The largest id a row can have (PostgreSQL's integer): a larger one in a URL is refused as a
# bad request instead of reaching the database ("integer out of range" on PostgreSQL, an
# overflow on SQLite: both a 500).
MAX_ID = 2**31 - 1
RowId = Annotated[int, fastapi.Path(ge=1, le=MAX_ID)]

Row = TypeVar("Row")


def get_or_404(session: Session, model: type[Row], row_id: int) -> Row:
    """The row of ``model`` with this id, or the 404 page."""
    row = session.get(model, row_id)
    if row is None:
        raise HTTPException(status_code=404)
    return row


class Prepared:
    """A statement of the candidates' hot path, built once and, on SQLite, run on the driver's
    own cursor.

    Through SQLAlchemy each small statement of an answer's save cost several times what SQLite
    took to run it (the compiled-cache lookup, parameter and result set-up: bench/load/README.md),
    all of it holding the interpreter's lock the event loop needs. Here the statement is compiled
    once for SQLite, and its parameters and result columns go through the same type processors
    SQLAlchemy applies, so what is stored and read is the same (tests/db/test_prepared.py).
    Elsewhere (PostgreSQL) it runs through SQLAlchemy as before: a round trip there costs more
    than the Python around it, and SQLAlchemy turns a lost connection into its own errors.
    """

    def __init__(self, stmt: Any, *, column_keys: list[str] | None = None) -> None:
        self.stmt = stmt
        self.column_keys = column_keys
        self._sqlite: tuple[str, tuple[tuple[str, Any], ...], tuple[Any, ...]] | None = None

    def _compiled(self, dialect: Any) -> tuple[str, tuple[tuple[str, Any], ...], tuple[Any, ...]]:
        if self._sqlite is None:
            compiled = self.stmt.compile(dialect=dialect, column_keys=self.column_keys)
            binds = tuple(
                (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in compiled.positiontup or ()
            )
            columns = getattr(self.stmt, "selected_columns", None) or ()
            results = tuple(
                c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
            )
            self._sqlite = (str(compiled), binds, results)
        return self._sqlite

    def execute(self, conn: Any, params: dict[str, Any] | list[dict[str, Any]]) -> Any:
        """Run it: a cursor (``rowcount``) on SQLite, SQLAlchemy's result elsewhere. A list of
        parameter sets runs as one ``executemany``."""
        if conn.dialect.name != "sqlite":
            return conn.execute(self.stmt, params)
        sql, binds, _ = self._compiled(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()
        if isinstance(params, list):
            cursor.executemany(sql, [_bound(binds, p) for p in params])
        else:
            cursor.execute(sql, _bound(binds, params))
        return cursor

    def rows(self, conn: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of a query, as tuples of the selected columns' values."""
        if conn.dialect.name != "sqlite":
            return [tuple(row) for row in conn.execute(self.stmt, params)]
        _, _, results = self._compiled(conn.dialect)
        return [_read(results, row) for row in self.execute(conn, params).fetchall()]

    def first(self, conn: Any, params: dict[str, Any]) -> tuple[Any, ...] | None:
        if conn.dialect.name != "sqlite":
            row = conn.execute(self.stmt, params).first()
            return None if row is None else tuple(row)
        _, _, results = self._compiled(conn.dialect)
        cursor = self.execute(conn, params)
        row = cursor.fetchone()
        cursor.close()  # done with the statement (a query by a unique key has one row)
        return None if row is None else _read(results, row)


def _bound(binds: tuple[tuple[str, Any], ...], params: dict[str, Any]) -> list[Any]:
    return [params[name] if process is None else process(params[name]) for name, process in binds]


def _read(results: tuple[Any, ...], row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        value if process is None else process(value)
        for process, value in zip(results, row, strict=True)
    )
