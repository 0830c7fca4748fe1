"""Group commit for the candidates' writes.

Every click of a candidate writes: a rate-limit counter, an answer, a page's time. Written one
request at a time, each write paid a hop to a worker thread (about 0.15 ms of CPU on a small
virtual machine, more than its SQL), a transaction of its own and, on SQLite, a turn at the one
write lock, where a writer that finds it taken sleeps at least a millisecond before it looks
again. Here the writes queue for one thread, which runs everything waiting in one transaction
and commits once. Each caller's ``await`` returns after that commit, so an acknowledged write
is as durable as before (``tests/production/test_crash.py``). Under load a batch holds many
writes; with one candidate it holds one and costs what a thread hop costs.

A job is a function of a SQLAlchemy ``Connection`` run inside the batch's transaction, in a
savepoint of its own; it reads too, since a candidate request's whole database work is one job
(``app/candidate/jobs``), so the request takes no worker thread. A job raises like any other
code: its savepoint is rolled back, its caller gets the exception and the batch goes on. When
the database itself fails the batch (a deadlock between two instances' batches on PostgreSQL,
a SQLite lock held past the busy timeout, a failed commit), the batch is rolled back and each of
its jobs runs again in a transaction of its own.

A heavy job (finishing an assessment scores it: milliseconds, not microseconds) joins a batch
with every light job waiting but with no other heavy job, so an answer waits for one scoring at
most, not for every candidate who finished at the same moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

log = logging.getLogger("rolefit.writer")

T = TypeVar("T")

# A batch holds the SQLite write lock while it runs: bounded, so anything else waiting for the
# lock (a staff page's write, another instance) waits for this many small writes at most.
MAX_BATCH = 200


@dataclass
class _Pending:
    job: Callable[[Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


class WriterStopped(RuntimeError):
    """The writer takes no more jobs: the app is shutting down, or its thread has died."""


class WriterClosed(WriterStopped):
    """A write was handed to a writer that has stopped (the app is shutting down)."""


class WriterDead(WriterStopped):
    """The writer's thread has died: nothing handed to it would ever run."""


class Writer:
    """One thread that runs queued jobs in batches, one transaction per batch and a savepoint
    per job."""

    def __init__(self, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._sqlite = engine.dialect.name == "sqlite"
        self._light: deque[_Pending] = deque()
        self._heavy: deque[_Pending] = deque()
        self._ready = threading.Condition()
        self._closed = False
        self._dead = False
        self._thread = threading.Thread(target=self._serve, name="rolefit-writer", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        """False once the thread has died (``/healthz`` answers 503 then)."""
        return not self._dead and (self._closed or self._thread.is_alive())

    async def run(self, job: Callable[[Connection], T], *, heavy: bool = False) -> T:
        """Run ``job`` in the next batch; return its result once the batch has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._ready:
            if self._closed:
                raise WriterClosed("the writer has stopped")
            if not self.alive:
                raise WriterDead("the writer's thread has died")
            (self._heavy if heavy else self._light).append(_Pending(job, loop, future))
            self._ready.notify()
        return await future

    def close(self) -> None:
        """Run what is queued, then stop the thread."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join()

    def _next_batch(self) -> list[_Pending] | None:
        with self._ready:
            while not self._light and not self._heavy and not self._closed:
                self._ready.wait()
            if not self._light and not self._heavy:
                return None  # closed and drained
            count = min(self.max_batch, len(self._light))
            batch = [self._light.popleft() for _ in range(count)]
            if self._heavy:
                batch.append(self._heavy.popleft())
            return batch

    def _serve(self) -> None:
        batch: list[_Pending] | None = None
        try:
            while (batch := self._next_batch()) is not None:
                _settle(batch, self._run_batch(batch))
        except BaseException as exc:
            # Only what ``_run_batch`` does not catch gets here (a BaseException from a job, a
            # bug in this loop): without this, the batch's callers and every later one would
            # wait forever. They get ``WriterDead`` (a 503), and ``alive`` turns false.
            log.critical("the writer's thread died; candidate requests answer 503", exc_info=exc)
            with self._ready:
                self._dead = True
                stranded = [*(batch or []), *self._light, *self._heavy]
                self._light.clear()
                self._heavy.clear()
            dead = WriterDead("the writer's thread has died")
            _settle(stranded, [(False, dead)] * len(stranded))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            if self._sqlite:
                # Without it pysqlite opens the transaction at the first write, after the first
                # savepoint, and releasing that savepoint would commit. IMMEDIATE also takes the
                # write lock at once (waiting its busy timeout), where a read-then-write could
                # fail at once on a snapshot another process has moved past.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn

    def _run_batch(self, batch: list[_Pending]) -> list[tuple[bool, Any]]:
        """(ok, result or exception) for each job, in order."""
        try:
            with self._transaction() as conn:
                sql = self._statements(conn)
                return [_in_savepoint(conn, p.job, sql) for p in batch]
        except Exception:
            if len(batch) > 1:
                log.info("a batch of %d writes failed; running them one by one", len(batch))
            return [self._run_alone(p) for p in batch]

    def _statements(self, conn: Connection) -> Callable[[str], object]:
        """What runs the savepoint statements. On SQLite, the driver's own cursor: through
        SQLAlchemy each cost about 20 microseconds of the interpreter's time, two per job, more
        than the job's own statements (bench/load/README.md). Elsewhere SQLAlchemy's, which
        turns a lost connection into its own errors and invalidates the connection."""
        if self._sqlite:
            return conn.connection.dbapi_connection.cursor().execute  # type: ignore[union-attr]
        return conn.exec_driver_sql

    def _run_alone(self, pending: _Pending) -> tuple[bool, Any]:
        try:
            with self._transaction() as conn:
                return True, pending.job(conn)
        except Exception as exc:
            return False, exc


def _in_savepoint(
    conn: Connection, job: Callable[[Connection], Any], sql: Callable[[str], object]
) -> tuple[bool, Any]:
    """Run one job of a batch: when it raises, its own writes are rolled back and the batch
    goes on. A lost connection or an ``OperationalError`` (a deadlock, a lock timeout, a
    failover) propagates: the batch's earlier locks stay held after a rollback to a savepoint,
    so the whole batch is rolled back and its jobs run one by one. So does a failed ORM flush,
    which rolls back the batch's transaction itself (``jobs._session``).

    Plain SQL (``sql``, ``Writer._statements``), not ``Connection.begin_nested()``: its
    bookkeeping cost 60 microseconds of CPU a job, as much as the job's statements
    (bench/load/README.md)."""
    sql("SAVEPOINT job")
    try:
        result = job(conn)
    except OperationalError:
        raise
    except Exception as exc:
        if conn.invalidated or not conn.in_transaction():
            raise
        sql("ROLLBACK TO SAVEPOINT job")
        sql("RELEASE SAVEPOINT job")
        return False, exc
    sql("RELEASE SAVEPOINT job")
    return True, result


def _settle(batch: list[_Pending], results: list[tuple[bool, Any]]) -> None:
    """Hand each caller its result: one wake-up per event loop, not one per job."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
    for pending, (ok, value) in zip(batch, results, strict=True):
        by_loop.setdefault(pending.loop, []).append((pending.future, ok, value))
    for loop, outcomes in by_loop.items():
        # A loop that has closed (RuntimeError) has no callers left to tell.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_resolve, outcomes)


def _resolve(outcomes: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in outcomes:
        if future.done():  # the request was cancelled (the client went away)
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


class Direct:
    """The writer's interface without group commit: each job in a transaction of its own on a
    pooled connection, in a request thread (``GROUP_COMMIT=off``)."""

    alive = True  # no thread of its own to die

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def run(self, job: Callable[[Connection], T], *, heavy: bool = False) -> T:
        return await anyio.to_thread.run_sync(self._run, job)

    def _run(self, job: Callable[[Connection], T]) -> T:
        with self.engine.begin() as conn:
            return job(conn)

    def close(self) -> None:
        pass
