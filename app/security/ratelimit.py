"""Fixed-window request counters shared by every instance of the app.

A counter is keyed by (bucket, key, window start). The state lives where every instance sees it:
in Redis when REDIS_URL is set (INCR + EXPIRE), else in the database (``rate_limits``, one atomic
upsert per hit: ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count``, which
SQLite >= 3.35 and PostgreSQL both run). Fixed windows let a client send up to twice the limit
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
from typing import Any, Protocol

import anyio.to_thread
from sqlalchemy import Connection, Engine, bindparam, case, delete, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import upsert_insert
from app.i18n import pick_language
from app.models import RateLimit
from app.writer import Writer

log = logging.getLogger("rolefit.security")

Clock = Callable[[], float]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends


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


# --- the middleware -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    bucket: str
    prefix: str
    methods: frozenset[str] | None  # None: every method
    setting: str  # the Settings field holding the per-minute limit


# Candidate links (per link: scripted answering; unknown links per address: token guessing),
# logins (password guessing) and the open self-registration form (/join/<vacancy token>: mass
# sign-ups). The API is limited per authenticated key in app.api.deps, where the key is known.
RULES: tuple[Rule, ...] = (
    Rule("candidate", "/a/", None, "rate_limit_candidate"),
    Rule("login", "/login", frozenset({"POST"}), "rate_limit_login"),
    Rule("register", "/join/", frozenset({"POST"}), "rate_limit_register"),
)
WINDOW = 60
BAD_LINKS = "bad_links"


def client_address(scope: Scope) -> str:
    """The socket peer. Behind trusted proxies uvicorn has already put the client from
    X-Forwarded-For here (``rolefit serve`` passes TRUSTED_PROXIES as forwarded_allow_ips);
    otherwise the header is ignored, so a client cannot pick its own address."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _rate_key(rule: Rule, scope: Scope) -> str:
    if rule.bucket == "candidate":
        # Per link: twenty candidates in one office (one NAT address) answer at once.
        return "link:" + scope["path"].removeprefix("/a/").split("/", 1)[0]
    return "addr:" + client_address(scope)


class RateLimitMiddleware:
    """Counts requests to the limited routes and answers 429 with Retry-After past the limit.

    Candidate links are counted per link; an address whose requests keep finding unknown links
    (404: token guessing) is refused for the rest of the window once it passes
    ``rate_limit_bad_links``. The shared count decides; each process remembers the addresses it
    saw refused, so a refused guesser costs no store round trip.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.guessing: dict[str, float] = {}  # address -> when its refusal ends (clock time)

    def _still_guessing(self, address: str, now: float) -> int:
        until = self.guessing.get(address)
        if until is None:
            return 0
        if until <= now:
            del self.guessing[address]
            return 0
        return max(1, int(until - now + 0.999))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        rule = next(
            (
                r
                for r in RULES
                if (path == r.prefix or path.startswith(r.prefix))
                and (r.methods is None or scope["method"] in r.methods)
            ),
            None,
        )
        if rule is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        limit = int(getattr(state.settings, rule.setting))
        if rule.bucket == "candidate":
            wait = self._still_guessing(client_address(scope), state.limiter.clock())
            if wait:
                response = too_many_requests(Request(scope), retry_after=wait)
                await response(scope, receive, send)
                return
        try:
            decision = await state.limiter.ahit(
                bucket=rule.bucket, key=_rate_key(rule, scope), limit=limit, window=WINDOW
            )
        except Exception:
            # A broken limiter store must not take the site down with it: log and serve.
            log.exception("rate limiter unavailable; request let through")
            await self.app(scope, receive, send)
            return
        if decision.allowed and rule.bucket == "candidate":
            await self._serve_link(scope, receive, send)
            return
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        lang = None
        if rule.bucket == "candidate":
            # Only here, past the limit: the candidate's page speaks the invitation's language.
            try:
                lang = await anyio.to_thread.run_sync(invitation_language, state.engine, path)
            except Exception:
                log.exception("invitation language lookup failed; default language used")
        response = too_many_requests(Request(scope), retry_after=decision.retry_after, lang=lang)
        await response(scope, receive, send)

    async def _serve_link(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watch(message: Message) -> None:
            # An unknown link is counted against the address before its 404 leaves, so the
            # count is done (and its connection handed back) when the client has its answer.
            if message["type"] == "http.response.start" and message["status"] == 404:
                await self._count_unknown_link(scope)
            await send(message)

        await self.app(scope, receive, watch)

    async def _count_unknown_link(self, scope: Scope) -> None:
        state = scope["app"].state
        address = client_address(scope)
        try:
            # Counted exactly and at once (not batched with the next turn's counts): unknown
            # links are rare for real candidates, and the count must be done when the 404 is.
            decision = await anyio.to_thread.run_sync(
                lambda: state.limiter.hit(
                    bucket=BAD_LINKS,
                    key="addr:" + address,
                    limit=int(state.settings.rate_limit_bad_links),
                    window=WINDOW,
                )
            )
        except Exception:
            log.exception("rate limiter unavailable; unknown link not counted")
            return
        if not decision.allowed:
            if len(self.guessing) > 10_000:
                self.guessing.clear()  # bounded memory; the shared count still decides
            self.guessing[address] = state.limiter.clock() + decision.retry_after


def invitation_language(engine: Engine, path: str) -> str | None:
    """The language of the invitation whose link ``path`` is (/a/<token>...), or None."""
    from app.auth.security import hash_token
    from app.models import Invitation

    token = path.removeprefix("/a/").split("/", 1)[0]
    if not 20 <= len(token) <= 128:
        return None
    inv = Invitation.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        found = conn.execute(
            select(inv.c.language).where(inv.c.token_hash == hash_token(token))
        ).scalar()
    return str(found) if found else None


def too_many_requests(request: Request, *, retry_after: int, lang: str | None = None) -> Response:
    """The 429 answer; ``lang`` (a candidate's invitation language) wins over ?lang/cookie."""
    from app.web import render  # app.web imports templates: keep this module light to import

    settings = request.app.state.settings
    lang = pick_language(
        lang or request.query_params.get("lang") or request.cookies.get("lang"),
        settings.default_language,
    )
    if request.url.path.startswith("/api/"):
        # The API's error shape, an RFC 9457 problem (issue 7).
        from app.api.problems import ApiProblem, problem_response

        response: Response = problem_response(
            request,
            ApiProblem(
                429,
                title="Too many requests",
                detail=f"This API key made too many requests; retry in {retry_after} s.",
                kind="rate-limited",
            ),
        )
    else:
        response = render(
            request,
            "shared/too_many_requests.html",
            {"retry_after": retry_after, "staff_page": False},
            lang=lang,
            status_code=429,
        )
    response.headers["Retry-After"] = str(retry_after)
    return response
