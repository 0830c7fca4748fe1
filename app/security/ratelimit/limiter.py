"""Fixed-window request counters: how a hit is counted and when it is refused.

A counter is keyed by (bucket, key, window start) and kept in a shared store
(``app.security.ratelimit.storage``). Fixed windows let a client send up to twice the limit
around a window edge; for abuse control that is an acceptable price for one write per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Engine

from app.security.ratelimit.storage import Backend, DatabaseBackend, RedisBackend
from app.writer import Writer

log = logging.getLogger("rolefit.security")

Clock = Callable[[], float]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends


@dataclass
class _Seen:
    """What this process knows of a window's counter (``RateLimiter.ahit``)."""

    ends: float
    ttl: int
    count: int = 0  # the highest count the store returned
    pending: int = 0  # increments counted here and not yet answered by the store
    queued: int = 0  # of those, the ones not sent yet (sent together, ``_send``)
    unwaited: set[asyncio.Task[int]] = field(default_factory=set)  # sent, nobody waiting


class RateLimiter:
    # Local knowledge of this many counters at most before expired windows are forgotten.
    SEEN_MAX = 4096

    def __init__(self, backend: Backend, *, clock: Clock = time.time) -> None:
        self.backend = backend
        self.clock = clock
        self._seen: dict[str, _Seen] = {}

    @staticmethod
    def _key(bucket: str, key: str, window: int, start: int) -> str:
        # Keys may be emails or API keys: store a digest, never the value itself.
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return f"{bucket}:{window}:{start}:{digest}"

    def _window(self, window: int) -> tuple[float, int]:
        now = self.clock()
        return now, int(now // window) * window

    def hit(self, *, bucket: str, key: str, limit: int, window: int) -> Decision:
        """Count one request; allowed while the window's count is at most ``limit``."""
        now, start = self._window(window)
        count = self.backend.incr(self._key(bucket, key, window, start), ttl=window, now=now)
        return self._decision(count, limit, start + window - now)

    @staticmethod
    def _decision(count: int, limit: int, left: float) -> Decision:
        retry = max(1, int(left + 0.999))
        return Decision(allowed=count <= limit, count=count, limit=limit, retry_after=retry)

    async def ahit(self, *, bucket: str, key: str, limit: int, window: int) -> Decision:
        """``hit`` for the event loop, exact from half the limit on.

        Every request is counted in the shared store. While a counter is below half its limit
        by what this process knows (the store's last answer plus the increments still on their
        way), the request goes on without waiting for its count: the increments of one turn
        of the event loop go to the store together, as one ``+n`` (one writer job or one Redis
        round trip for a burst of requests instead of one each; bench/load). From half the
        limit on, each request waits for the store's count, which includes every instance's
        requests, and is refused past the limit."""
        now, start = self._window(window)
        key = self._key(bucket, key, window, start)
        seen = self._seen.get(key)
        if seen is None:
            if len(self._seen) >= self.SEEN_MAX:
                self._forget_ended(now)
            seen = self._seen[key] = _Seen(ends=start + window, ttl=window)
        seen.pending += 1
        if seen.count + seen.pending <= limit // 2:
            seen.queued += 1
            if seen.queued == 1:
                asyncio.get_running_loop().call_soon(self._send, key, seen)
            return self._decision(seen.count + seen.pending, limit, start + window - now)
        try:
            self._send(key, seen)
            if seen.unwaited:
                # This process's earlier increments first, so the count includes them.
                await asyncio.wait(list(seen.unwaited))
            count = await self.backend.aincr(key, ttl=window, now=now)
        finally:
            seen.pending -= 1
        seen.count = max(seen.count, count)
        return self._decision(count, limit, start + window - now)

    def _send(self, key: str, seen: _Seen) -> None:
        """Send the queued increments of ``key`` to the store as one."""
        amount, seen.queued = seen.queued, 0
        if not amount:
            return
        counting = asyncio.ensure_future(
            self.backend.aincr(key, ttl=seen.ttl, now=self.clock(), amount=amount)
        )
        seen.unwaited.add(counting)
        counting.add_done_callback(partial(self._counted, seen, amount))

    def _counted(self, seen: _Seen, amount: int, counting: asyncio.Task[int]) -> None:
        seen.unwaited.discard(counting)
        seen.pending -= amount
        if counting.cancelled():
            return
        if counting.exception() is not None:
            log.error("rate limit counter not stored", exc_info=counting.exception())
            return
        seen.count = max(seen.count, counting.result())

    def _forget_ended(self, now: float) -> None:
        for key in [k for k, seen in self._seen.items() if seen.ends <= now]:
            del self._seen[key]

    async def aclose(self) -> None:
        """Send the queued counts, wait for those on their way, then close the backend's
        connections."""
        for key, seen in self._seen.items():
            self._send(key, seen)
        counting = [task for seen in self._seen.values() for task in seen.unwaited]
        if counting:
            await asyncio.gather(*counting, return_exceptions=True)
        close = getattr(self.backend, "aclose", None)
        if close is not None:
            await close()

    def peek(self, *, bucket: str, key: str, limit: int, window: int) -> Decision:
        """The current window's count without counting this call."""
        now, start = self._window(window)
        count = self.backend.get(self._key(bucket, key, window, start), now=now)
        retry = max(1, int(start + window - now + 0.999))
        return Decision(allowed=count < limit, count=count, limit=limit, retry_after=retry)

    def reset(self, *, bucket: str, key: str, window: int) -> None:
        _now, start = self._window(window)
        self.backend.delete(self._key(bucket, key, window, start))

    # Counters that run from their first event (not aligned windows), and locks.

    def count(self, *, bucket: str, key: str, ttl: int) -> int:
        """Count an event; the counter expires ``ttl`` seconds after its first event."""
        return self.backend.incr(self._key(bucket, key, 0, 0), ttl=ttl, now=self.clock())

    def clear(self, *, bucket: str, key: str) -> None:
        self.backend.delete(self._key(bucket, key, 0, 0))

    def value(self, *, bucket: str, key: str) -> int:
        """A counter kept with ``count``, read without counting (0 when absent or expired)."""
        return self.backend.get(self._key(bucket, key, 0, 0), now=self.clock())

    def lock(self, *, bucket: str, key: str, seconds: int) -> None:
        self.backend.put(self._key(bucket, key, 0, 0), ttl=seconds, now=self.clock())

    def locked_for(self, *, bucket: str, key: str) -> int:
        """Seconds until the lock ends; 0 when not locked."""
        return self.backend.ttl(self._key(bucket, key, 0, 0), now=self.clock())


def make_limiter(
    *, engine: Engine, redis_url: str, prefix: str = "rolefit:rl:", writer: Writer | None = None
) -> RateLimiter:
    if redis_url:
        return RateLimiter(RedisBackend(redis_url, prefix=prefix))
    return RateLimiter(DatabaseBackend(engine, writer=writer))
