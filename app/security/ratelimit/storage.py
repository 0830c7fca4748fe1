"""Where the rate-limit counters live, shared by every instance of the app.

In Redis when REDIS_URL is set (INCR + EXPIRE), else in the database (``rate_limits``, one
atomic upsert per hit: ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING
count``, which SQLite >= 3.35 and PostgreSQL both run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

import anyio.to_thread
from sqlalchemy import Connection, Engine, bindparam, case, delete, select

from app.db import upsert_insert
from app.models import RateLimit
from app.writer import Writer


class Backend(Protocol):
    """Counters with an expiry. ``incr`` sets the expiry only when it creates the counter."""

    def incr(self, key: str, *, ttl: int, now: float) -> int: ...
    async def aincr(self, key: str, *, ttl: int, now: float, amount: int = 1) -> int: ...
    def get(self, key: str, *, now: float) -> int: ...
    def put(self, key: str, *, ttl: int, now: float) -> None: ...
    def ttl(self, key: str, *, now: float) -> int: ...
    def delete(self, key: str) -> None: ...


class DatabaseBackend:
    """Counters in the ``rate_limits`` table. A synchronous hit is its own short transaction;
    an asynchronous one (every candidate request, through the middleware) joins the writer's
    next batch (``app.writer``) when there is a writer."""

    # Expired rows are swept every this many hits, so the table stays small without a cron job.
    SWEEP_EVERY = 500

    def __init__(self, engine: Engine, *, writer: Writer | None = None) -> None:
        self.engine = engine
        self.writer = writer
        self._hits = 0
        # Built once with bound parameters: the limiter runs on every candidate request, and
        # building the statement anew each time cost more than the database work itself.
        table = RateLimit.__table__  # type: ignore[attr-defined]
        expired = table.c.expires_at <= bindparam("now")
        amount: Any = bindparam("amount")
        stmt = self._insert().values(
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

    def _insert(self) -> Any:
        return upsert_insert(self.engine.dialect.name, RateLimit)

    def _incr_on(self, conn: Connection, key: str, *, ttl: int, now: float, amount: int = 1) -> int:
        params = {"key": key, "now": int(now), "until": int(now) + ttl, "amount": amount}
        count = int(conn.execute(self._incr, params).scalar_one())
        self._hits += 1  # from several threads: the sweep's rhythm need not be exact
        if self._hits % self.SWEEP_EVERY == 0:
            conn.execute(self._sweep, {"now": int(now)})
        return count

    def incr(self, key: str, *, ttl: int, now: float) -> int:
        with self.engine.begin() as conn:
            return self._incr_on(conn, key, ttl=ttl, now=now)

    async def aincr(self, key: str, *, ttl: int, now: float, amount: int = 1) -> int:
        count = partial(self._incr_on, key=key, ttl=ttl, now=now, amount=amount)
        if self.writer is None:
            return await anyio.to_thread.run_sync(self._in_transaction, count)
        return await self.writer.run(count)

    def _in_transaction(self, job: Callable[[Connection], int]) -> int:
        with self.engine.begin() as conn:
            return job(conn)

    def get(self, key: str, *, now: float) -> int:
        table = RateLimit.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table.c.count).where(table.c.key == key, table.c.expires_at > int(now))
            ).first()
        return int(row[0]) if row else 0

    def put(self, key: str, *, ttl: int, now: float) -> None:
        stmt = self._insert().values(key=key, count=1, expires_at=int(now) + ttl)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"count": 1, "expires_at": int(now) + ttl}
        )
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def ttl(self, key: str, *, now: float) -> int:
        table = RateLimit.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            expires = conn.execute(select(table.c.expires_at).where(table.c.key == key)).scalar()
        return max(0, int(expires) - int(now)) if expires is not None else 0

    def delete(self, key: str) -> None:
        table = RateLimit.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.key == key))

    def sweep(self, *, now: float) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(self._sweep, {"now": int(now)}).rowcount)


class RedisBackend:
    """Counters in Redis under ``prefix``; Redis expires them itself."""

    def __init__(self, url: str, *, prefix: str = "rolefit:rl:") -> None:
        import redis

        self.url = url
        self._timeouts: dict[str, Any] = {"socket_timeout": 2, "socket_connect_timeout": 2}
        self.client = redis.Redis.from_url(url, **self._timeouts)
        self.prefix = prefix
        self._aclient: tuple[asyncio.AbstractEventLoop, Any] | None = None

    def incr(self, key: str, *, ttl: int, now: float) -> int:
        # SET NX EX creates the counter with its expiry; INCR keeps that expiry.
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.prefix + key, 0, ex=ttl, nx=True)
        pipe.incr(self.prefix + key)
        _, count = pipe.execute()
        return int(count)

    async def aincr(self, key: str, *, ttl: int, now: float, amount: int = 1) -> int:
        client = self._async_client()
        async with client.pipeline(transaction=True) as pipe:
            pipe.set(self.prefix + key, 0, ex=ttl, nx=True)
            pipe.incrby(self.prefix + key, amount)
            _, count = await pipe.execute()
        return int(count)

    def _async_client(self) -> Any:
        # redis.asyncio connections belong to the event loop that opened them: one client per
        # loop (the server has one; each test client has its own).
        import redis.asyncio

        loop = asyncio.get_running_loop()
        if self._aclient is None or self._aclient[0] is not loop:
            self._aclient = (loop, redis.asyncio.Redis.from_url(self.url, **self._timeouts))
        return self._aclient[1]

    async def aclose(self) -> None:
        if self._aclient is not None:
            loop, client = self._aclient
            self._aclient = None
            if loop is asyncio.get_running_loop():
                await client.aclose()

    def get(self, key: str, *, now: float) -> int:
        value = self.client.get(self.prefix + key)
        return int(value) if value is not None else 0

    def put(self, key: str, *, ttl: int, now: float) -> None:
        self.client.set(self.prefix + key, 1, ex=ttl)

    def ttl(self, key: str, *, now: float) -> int:
        return max(0, int(self.client.ttl(self.prefix + key)))

    def delete(self, key: str) -> None:
        self.client.delete(self.prefix + key)
