"""Where the rate-limit counters live: storages of the ``limits`` library.

``limits`` brings the memory and Redis storages (``memory://``, ``redis://``); the database one
is ours, written as a ``limits`` storage (registered under ``rolefit+database://``) over the
``rate_limits`` table, for several instances without Redis. Each hit is one atomic upsert
(``INSERT ... ON CONFLICT DO UPDATE SET count = count + n RETURNING count``, which SQLite >=
3.35 and PostgreSQL both run). ``storage_for`` picks one from the settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any, Literal, Protocol, TypeVar

import anyio.to_thread
import limits.aio.storage
import limits.storage
from sqlalchemy import Connection, Engine, bindparam, case, delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.db import upsert_insert
from app.models import RateLimit

Clock = Callable[[], float]
StorageKind = Literal["memory", "database", "redis"]
T = TypeVar("T")


class Runner(Protocol):
    """``app.writer.Writer`` or ``Direct``: runs a job on a connection, in a transaction."""

    async def run(self, job: Callable[[Connection], T], *, heavy: bool = False) -> T: ...


class InlineMemoryStorage(limits.storage.MemoryStorage):
    """The library's memory storage, expiring counters in the request's own thread.

    The library's expires them on a ``threading.Timer`` that runs once, 10 ms after a hit, and
    every hit after it has run starts a new one: under load, a thread start per 10 ms and a
    thread taking the interpreter's lock from the event loop to sweep every counter (bench/load).
    Here the same sweep runs inline, at most once every ``SWEEP_SECONDS``; a counter read after
    its expiry is dropped by the library's own ``get`` in any case, so the sweep only bounds
    memory."""

    STORAGE_SCHEME = ["rolefit+memory"]  # noqa: RUF012 (the library's registry reads a list)
    SWEEP_SECONDS = 5.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # the library calls it on every hit
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


class DatabaseStorage(limits.storage.Storage):
    """``limits`` counters in the ``rate_limits`` table, shared by every instance.

    Expiry is kept as Unix seconds of ``clock`` (``time.time``; tests move a clock by hand), so a
    row past it reads as absent and the next hit starts it over; expired rows are swept every
    ``SWEEP_EVERY`` hits, so the table stays small without a cron job. A hit is its own short
    transaction; ``incr_on`` lets the asynchronous side (``AsyncDatabaseStorage``) run it inside
    the candidates' writer's next batch (``app.writer``).
    """

    STORAGE_SCHEME = ["rolefit+database"]  # noqa: RUF012 (the library's registry reads a list)
    SWEEP_EVERY = 500

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        engine: Engine,
        clock: Clock = time.time,
        **options: Any,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.engine = engine
        self.clock = clock
        self._hits = 0
        # Built once with bound parameters: a hit runs on every limited request, and building
        # the statement anew each time cost more than the database work itself.
        table = RateLimit.__table__  # type: ignore[attr-defined]
        self._table = table
        expired = table.c.expires_at <= bindparam("now")
        amount: Any = bindparam("amount")
        stmt = upsert_insert(engine.dialect.name, RateLimit).values(
            key=bindparam("key"), count=amount, expires_at=bindparam("until")
        )
        # A row past its expiry that the sweep has not removed yet starts over.
        self._incr = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "count": case((expired, amount), else_=table.c.count + amount),
                "expires_at": case((expired, bindparam("until")), else_=table.c.expires_at),
            },
        ).returning(table.c.count)
        self._sweep = delete(table).where(expired)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def incr_on(self, conn: Connection, key: str, expiry: int, amount: int = 1) -> int:
        now = int(self.clock())
        params = {"key": key, "now": now, "until": now + int(expiry), "amount": amount}
        count = int(conn.execute(self._incr, params).scalar_one())
        self._hits += 1  # from several threads: the sweep's rhythm need not be exact
        if self._hits % self.SWEEP_EVERY == 0:
            conn.execute(self._sweep, {"now": now})
        return count

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self.engine.begin() as conn:
            return self.incr_on(conn, key, expiry, amount)

    def _row(self, key: str) -> tuple[int, int] | None:
        table = self._table
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table.c.count, table.c.expires_at).where(
                    table.c.key == key, table.c.expires_at > int(self.clock())
                )
            ).first()
        return (int(row[0]), int(row[1])) if row else None

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row[1]) if row else self.clock()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            cleared = conn.execute(select(func.count()).select_from(self._table)).scalar_one()
            conn.execute(delete(self._table))
        return int(cleared)

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(self._table).where(self._table.c.key == key))

    def sweep(self) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(self._sweep, {"now": int(self.clock())}).rowcount)


class AsyncDatabaseStorage(limits.aio.storage.Storage):
    """``DatabaseStorage`` for ``limits.aio`` strategies (the middleware, on the event loop): a
    hit joins the writer's next batch when there is a writer, else runs in a thread."""

    STORAGE_SCHEME = ["async+rolefit+database"]  # noqa: RUF012 (as above)

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        storage: DatabaseStorage,
        writer: Runner | None = None,
        **options: Any,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.storage = storage
        self.writer = writer

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        job = partial(self.storage.incr_on, key=key, expiry=expiry, amount=amount)
        if self.writer is None:
            return await anyio.to_thread.run_sync(self.storage.incr, key, expiry, amount)
        return await self.writer.run(job)

    async def get(self, key: str) -> int:
        return await anyio.to_thread.run_sync(self.storage.get, key)

    async def get_expiry(self, key: str) -> float:
        return await anyio.to_thread.run_sync(self.storage.get_expiry, key)

    async def check(self) -> bool:
        return await anyio.to_thread.run_sync(self.storage.check)

    async def reset(self) -> int | None:
        return await anyio.to_thread.run_sync(self.storage.reset)

    async def clear(self, key: str) -> None:
        await anyio.to_thread.run_sync(self.storage.clear, key)


REDIS_TIMEOUTS: dict[str, Any] = {"socket_timeout": 2, "socket_connect_timeout": 2}


def redis_storage(url: str, *, prefix: str) -> limits.storage.RedisStorage:
    """The library's Redis storage; Redis expires the counters itself."""
    return limits.storage.RedisStorage(url, key_prefix=prefix.rstrip(":"), **REDIS_TIMEOUTS)


def async_redis_storage(url: str, *, prefix: str) -> tuple[limits.aio.storage.Storage, Any]:
    """The library's asynchronous Redis storage on redis-py (already a dependency) and the
    connection pool it uses, which the caller closes (the storage has no close of its own)."""
    import redis.asyncio

    pool = redis.asyncio.ConnectionPool.from_url(url, **REDIS_TIMEOUTS)
    # Passed on to redis.asyncio.Redis (typed by limits as the URI's plain options).
    options: dict[str, Any] = {"connection_pool": pool}
    storage = limits.aio.storage.RedisStorage(
        "async+" + url, implementation="redispy", key_prefix=prefix.rstrip(":"), **options
    )
    return storage, pool


def storage_kind(choice: str, *, db_url: str, redis_url: str) -> StorageKind:
    """``RATE_LIMIT_STORAGE``: ``auto`` is Redis when REDIS_URL is set, else memory on SQLite
    (one process by design: nothing to share) and the database on PostgreSQL (instances share
    it)."""
    if choice == "auto":
        if redis_url:
            return "redis"
        return "memory" if db_url.startswith("sqlite") else "database"
    return choice  # type: ignore[return-value]
