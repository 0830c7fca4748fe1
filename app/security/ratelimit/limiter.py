"""Counting hits with the ``limits`` library's fixed-window strategy, and the login counters.

Why ``FixedWindowRateLimiter``: one increment per request in every storage (the database
storage is one upsert), where the sliding-window counter reads two windows and the moving
window stores every hit. Its window starts at a counter's first hit; the window start here is
also part of the key (``_window``), so windows are aligned to ``clock``: Retry-After is known
without asking the storage, and tests start the next window by moving the clock instead of
sleeping. A client may send up to twice the limit around a window edge; for abuse control that
is an acceptable price for one write per request.

The login counters (``count``, ``lock``, ...: ``app.security.throttle``) are kept in the
``durable`` storage, which ``rolefit unlock`` reaches from another process and a restart does
not empty: the database or Redis, never memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import limits
import limits.aio.storage
import limits.aio.strategies
import limits.storage
import limits.strategies
from sqlalchemy import Engine

from app.security.ratelimit.storage import (
    AsyncDatabaseStorage,
    Clock,
    DatabaseStorage,
    InlineMemoryStorage,
    Runner,
    StorageKind,
    async_redis_storage,
    redis_storage,
)

NAMESPACE = "rolefit"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    retry_after: int  # seconds until the window ends


# Makes the asynchronous strategy for the running event loop, with what closes it (or None).
AsyncSide = Callable[[], tuple[limits.aio.strategies.FixedWindowRateLimiter, Any]]


class RateLimiter:
    """``hit``/``peek`` in request threads, ``ahit`` on the event loop (the middleware).

    ``asynchronous`` is None for the memory storage: no I/O, so ``ahit`` counts on the loop
    with the synchronous strategy."""

    def __init__(
        self,
        storage: limits.storage.Storage,
        *,
        durable: limits.storage.Storage | None = None,
        asynchronous: AsyncSide | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.storage = storage
        self.strategy = limits.strategies.FixedWindowRateLimiter(storage)
        self.durable = durable if durable is not None else storage
        self._asynchronous = asynchronous
        # redis.asyncio connections belong to the event loop that opened them: one strategy per
        # loop (the server has one; each test client has its own).
        self._async: tuple[asyncio.AbstractEventLoop, Any, Any] | None = None
        self._clock = clock
        self.clock = clock

    @property
    def clock(self) -> Clock:
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        # The database storage keeps expiries in the same clock's seconds.
        self._clock = clock
        for storage in (self.storage, self.durable):
            if isinstance(storage, DatabaseStorage):
                storage.clock = clock

    def _window(
        self, *, bucket: str, key: str, limit: int, window: int
    ) -> tuple[limits.RateLimitItem, tuple[str, ...], int]:
        now = self._clock()
        start = int(now // window) * window
        item = limits.RateLimitItemPerSecond(limit, window, namespace=NAMESPACE)
        retry_after = max(1, int(start + window - now + 0.999))
        return item, (bucket, str(start), _digest(key)), retry_after

    def hit(self, *, bucket: str, key: str, limit: int, window: int) -> Decision:
        """Count one request; allowed while the window's count is at most ``limit``."""
        item, ids, retry_after = self._window(bucket=bucket, key=key, limit=limit, window=window)
        return Decision(self.strategy.hit(item, *ids), limit, retry_after)

    async def ahit(self, *, bucket: str, key: str, limit: int, window: int) -> Decision:
        """``hit`` for the event loop. Every request waits for its count in the shared storage,
        which includes every instance's requests."""
        item, ids, retry_after = self._window(bucket=bucket, key=key, limit=limit, window=window)
        strategy = self._async_strategy()
        if strategy is None:
            return Decision(self.strategy.hit(item, *ids), limit, retry_after)
        return Decision(await strategy.hit(item, *ids), limit, retry_after)

    def _async_strategy(self) -> limits.aio.strategies.FixedWindowRateLimiter | None:
        if self._asynchronous is None:
            return None
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            strategy, closer = self._asynchronous()
            self._async = (loop, strategy, closer)
        return self._async[1]

    def peek(self, *, bucket: str, key: str, limit: int, window: int) -> Decision:
        """Whether one more request would be allowed, without counting this call."""
        item, ids, retry_after = self._window(bucket=bucket, key=key, limit=limit, window=window)
        return Decision(self.strategy.test(item, *ids), limit, retry_after)

    def remaining(self, *, bucket: str, key: str, limit: int, window: int) -> int:
        """Requests left in the current window."""
        item, ids, _ = self._window(bucket=bucket, key=key, limit=limit, window=window)
        return int(self.strategy.get_window_stats(item, *ids).remaining)

    def reset(self, *, bucket: str, key: str, limit: int, window: int) -> None:
        item, ids, _ = self._window(bucket=bucket, key=key, limit=limit, window=window)
        self.strategy.clear(item, *ids)

    async def aclose(self) -> None:
        """Close the asynchronous storage's connections (Redis)."""
        if self._async is not None:
            loop, _strategy, closer = self._async
            self._async = None
            if closer is not None and loop is asyncio.get_running_loop():
                await closer()

    # Counters that run from their first event (not aligned windows), and locks: the limits
    # storage API of the durable storage.

    def count(self, *, bucket: str, key: str, ttl: int) -> int:
        """Count an event; the counter expires ``ttl`` seconds after its first event."""
        return self.durable.incr(_durable_key(bucket, key), ttl)

    def clear(self, *, bucket: str, key: str) -> None:
        self.durable.clear(_durable_key(bucket, key))

    def value(self, *, bucket: str, key: str) -> int:
        """A counter kept with ``count``, read without counting (0 when absent or expired)."""
        return self.durable.get(_durable_key(bucket, key))

    def lock(self, *, bucket: str, key: str, seconds: int) -> None:
        # A counter that expires in ``seconds``: cleared first, so its expiry starts now.
        self.durable.clear(_durable_key(bucket, key))
        self.durable.incr(_durable_key(bucket, key), seconds)

    def locked_for(self, *, bucket: str, key: str) -> int:
        """Seconds until the lock ends; 0 when not locked (an absent key expires "now")."""
        expiry = self.durable.get_expiry(_durable_key(bucket, key))
        # Expiries are in the clock of the storage: ours for the database, Redis's own else.
        now = self._clock() if isinstance(self.durable, DatabaseStorage) else time.time()
        return max(0, int(expiry) - int(now))


def _digest(key: str) -> str:
    # Keys may be emails or API keys: store a digest, never the value itself.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _durable_key(bucket: str, key: str) -> str:
    # The form these counters had before the limits library, so an upgrade keeps them.
    return f"{bucket}:0:0:{_digest(key)}"


def make_limiter(
    *,
    engine: Engine,
    storage: StorageKind,
    redis_url: str = "",
    prefix: str = "rolefit:rl:",
    writer: Runner | None = None,
) -> RateLimiter:
    """The limiter on the chosen storage (``storage_kind``)."""
    if storage == "redis":
        if not redis_url:
            raise ValueError("RATE_LIMIT_STORAGE=redis needs REDIS_URL")

        def redis_side() -> tuple[limits.aio.strategies.FixedWindowRateLimiter, Any]:
            side, pool = async_redis_storage(redis_url, prefix=prefix)
            return limits.aio.strategies.FixedWindowRateLimiter(side), pool.aclose

        return RateLimiter(redis_storage(redis_url, prefix=prefix), asynchronous=redis_side)
    database = DatabaseStorage(engine=engine)
    if storage == "memory":
        return RateLimiter(InlineMemoryStorage(), durable=database)
    on_loop = limits.aio.strategies.FixedWindowRateLimiter(
        AsyncDatabaseStorage(storage=database, writer=writer)
    )
    return RateLimiter(database, asynchronous=lambda: (on_loop, None))
