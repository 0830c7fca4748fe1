"""Rate limits: counted by the ``limits`` library in memory, the database or Redis, the 429
page, which routes are limited."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager

import limits.aio.strategies
import limits.storage
import limits.strategies
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.models import RateLimit
from app.security.ratelimit import (
    AsyncDatabaseStorage,
    DatabaseStorage,
    Decision,
    InlineMemoryStorage,
    RateLimiter,
    make_limiter,
    storage_kind,
)
from tests.clock import Clock, client_on
from tests.factories import make_invitation
from tests.htmlq import parse
from tests.webflow import token_of

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_limiter(engine: Engine) -> Iterator[RateLimiter]:
    import redis

    prefix = f"rolefit-test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield make_limiter(engine=engine, storage="redis", redis_url=REDIS_URL, prefix=prefix)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)


@pytest.fixture(params=["memory", "database", "redis"])
def limiter(request: pytest.FixtureRequest, db: Session, engine: Engine) -> Iterator[RateLimiter]:
    if request.param == "redis":
        for made in _redis_limiter(engine):
            made.clock = Clock()
            yield made
        return
    made = make_limiter(engine=engine, storage=request.param)
    made.clock = Clock()
    yield made


def _hit(limiter: RateLimiter, key: str = "k", *, limit: int = 3, bucket: str = "t") -> Decision:
    return limiter.hit(bucket=bucket, key=key, limit=limit, window=60)


def test_it_allows_up_to_the_limit_and_refuses_the_next(limiter: RateLimiter) -> None:
    decisions = [_hit(limiter, "1.2.3.4") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert 1 <= decisions[-1].retry_after <= 60


def test_a_new_window_starts_from_zero(limiter: RateLimiter) -> None:
    for _ in range(3):
        _hit(limiter, limit=2)
    assert not limiter.peek(bucket="t", key="k", limit=2, window=60).allowed
    limiter.clock.now += 60  # type: ignore[attr-defined]
    assert limiter.remaining(bucket="t", key="k", limit=2, window=60) == 2
    assert _hit(limiter, limit=2).allowed


def test_keys_and_buckets_count_separately_and_reset_clears(limiter: RateLimiter) -> None:
    _hit(limiter, "x", limit=1, bucket="a")
    assert _hit(limiter, "y", limit=1, bucket="a").allowed
    assert _hit(limiter, "x", limit=1, bucket="b").allowed
    assert not _hit(limiter, "x", limit=1, bucket="a").allowed
    limiter.reset(bucket="a", key="x", limit=1, window=60)
    assert limiter.remaining(bucket="a", key="x", limit=1, window=60) == 1


def test_on_the_event_loop_the_limit_is_exact(limiter: RateLimiter) -> None:
    async def main() -> list[Decision]:
        decisions = [
            await limiter.ahit(bucket="c", key="k", limit=10, window=60) for _ in range(13)
        ]
        await limiter.aclose()
        return decisions

    decisions = asyncio.run(main())
    assert [d.allowed for d in decisions] == [True] * 10 + [False] * 3
    # Counted in the storage the synchronous side reads: one count, not one per side.
    assert not limiter.peek(bucket="c", key="k", limit=10, window=60).allowed


def test_login_counters_and_locks_run_from_their_first_event(limiter: RateLimiter) -> None:
    clock = limiter.clock
    assert [limiter.count(bucket="f", key="a|b", ttl=3600) for _ in range(3)] == [1, 2, 3]
    assert limiter.value(bucket="f", key="a|b") == 3
    limiter.clear(bucket="f", key="a|b")
    assert limiter.value(bucket="f", key="a|b") == 0
    assert limiter.locked_for(bucket="w", key="a|b") == 0
    limiter.lock(bucket="w", key="a|b", seconds=4)
    assert limiter.locked_for(bucket="w", key="a|b") in (3, 4)
    limiter.lock(bucket="w", key="a|b", seconds=2)  # a new lock replaces the old one
    assert limiter.locked_for(bucket="w", key="a|b") in (1, 2)
    if isinstance(limiter.durable, DatabaseStorage):  # Redis keeps its own time
        clock.now += 2  # type: ignore[attr-defined]
        assert limiter.locked_for(bucket="w", key="a|b") == 0


def test_the_counting_is_done_by_the_limits_library(
    settings: Settings, db: Session, engine: Engine
) -> None:
    """Not hand-written counters: every storage is a ``limits`` storage, counted by its
    fixed-window strategies (the event loop's too)."""
    assert storage_kind("auto", db_url="sqlite:///x.db", redis_url="") == "memory"
    assert storage_kind("auto", db_url="postgresql+psycopg://h/d", redis_url="") == "database"
    assert storage_kind("auto", db_url="sqlite:///x.db", redis_url=REDIS_URL) == "redis"
    assert storage_kind("database", db_url="sqlite:///x.db", redis_url="") == "database"
    with TestClient(create_app(settings)) as client:
        limiter = client.app.state.limiter  # type: ignore[attr-defined]
        expected = "memory" if settings.db_url.startswith("sqlite") else "database"
        assert isinstance(limiter.strategy, limits.strategies.FixedWindowRateLimiter)
        assert isinstance(limiter.storage, limits.storage.Storage)
        if expected == "memory":
            assert isinstance(limiter.storage, limits.storage.MemoryStorage)
        # The login counters are where `rolefit unlock` reaches them: never only in memory.
        assert isinstance(limiter.durable, DatabaseStorage)
    database = make_limiter(engine=engine, storage="database")
    assert isinstance(database.storage, DatabaseStorage)

    async def on_loop() -> object:
        return database._async_strategy()

    strategy = asyncio.run(on_loop())
    assert isinstance(strategy, limits.aio.strategies.FixedWindowRateLimiter)
    assert isinstance(strategy.storage, AsyncDatabaseStorage)
    # Registered with the library by its scheme, like the library's own storages.
    by_uri = limits.storage.storage_from_string("rolefit+database://", engine=engine)
    assert isinstance(by_uri, DatabaseStorage)


def test_the_memory_storage_starts_no_thread_per_hit_and_still_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The library's memory storage started a timer thread for most hits under load (one per
    10 ms); ours sweeps expired counters inline. A counter past its expiry reads 0 at once, and
    the sweep drops it from memory."""
    storage = InlineMemoryStorage()
    assert isinstance(storage, limits.storage.MemoryStorage)
    starts: list[threading.Thread] = []
    real_start = threading.Thread.start

    def counted_start(thread: threading.Thread) -> None:
        starts.append(thread)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted_start)
    strategy = limits.strategies.FixedWindowRateLimiter(storage)
    item = limits.RateLimitItemPerSecond(1000, 1)
    for n in range(300):
        assert strategy.hit(item, f"k{n % 3}")
        if n == 150:
            time.sleep(0.03)  # past the library's 10 ms timer
    assert starts == []
    assert storage.get(item.key_for("k1")) == 100
    storage.incr("short", 0)  # expires at once
    assert storage.get("short") == 0
    storage.incr("gone", 0)
    storage._next_sweep = 0.0  # the sweep is due
    storage.incr("other", 60)
    assert "gone" not in storage.storage
    assert storage.get("other") == 1
    assert starts == []


def test_the_database_storage_adds_amounts_and_restarts_expired_rows(
    db: Session, engine: Engine
) -> None:
    clock = Clock()
    storage = DatabaseStorage(engine=engine, clock=clock)
    assert storage.incr("k", 60, amount=3) == 3  # a new counter: the amount
    assert storage.incr("k", 60, amount=4) == 7
    assert storage.get_expiry("k") == int(clock.now) + 60
    clock.now += 61
    assert storage.get("k") == 0
    # A row past its expiry that no sweep has removed yet starts over at the amount.
    assert storage.incr("k", 60, amount=5) == 5
    assert storage.check()
    assert storage.reset() == 1 and storage.get("k") == 0


def test_the_database_stores_digests_and_sweeps_expired_rows(db: Session, engine: Engine) -> None:
    clock = Clock()
    storage = DatabaseStorage(engine=engine)
    limiter = RateLimiter(storage, clock=clock)
    limiter.hit(bucket="login-account", key="someone@example.com", limit=5, window=60)
    keys = db.exec(select(RateLimit.key)).all()  # type: ignore[call-overload]
    assert len(keys) == 1 and "someone" not in keys[0][0]
    clock.now += 120
    assert storage.sweep() == 1
    assert db.exec(select(func.count()).select_from(RateLimit)).one()[0] == 0  # type: ignore[call-overload]


def test_two_instances_on_one_database_share_the_count(database_url: str, db: Session) -> None:
    """Two app instances (two engines on the same database, each with its own limiter) count
    one client's requests together, through the synchronous and the event loop's side."""
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        clock = Clock()
        one, two = (make_limiter(engine=e, storage="database") for e in engines)
        one.clock = two.clock = clock

        async def main() -> list[bool]:
            allowed = []
            for n in range(6):
                side = one if n % 2 == 0 else two
                decision = await side.ahit(bucket="c", key="link:x", limit=4, window=60)
                allowed.append(decision.allowed)
            return allowed

        assert asyncio.run(main()) == [True] * 4 + [False] * 2
        assert not two.hit(bucket="c", key="link:x", limit=4, window=60).allowed
        clock.now += 60
        assert one.hit(bucket="c", key="link:x", limit=4, window=60).allowed
    finally:
        for e in engines:
            e.dispose()


def test_a_broken_storage_lets_requests_through_and_is_logged(
    settings: Settings, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_of(make_invitation(db, settings).link)
    broken = settings.model_copy(
        update={"redis_url": "redis://127.0.0.1:1/0", "rate_limit_storage": "redis"}
    )
    with caplog.at_level(logging.ERROR), TestClient(create_app(broken)) as client:
        assert client.get(f"/a/{token}").status_code == 200
    assert "rate limiter unavailable" in caplog.text


def _limited_client(
    settings: Settings, clock: Clock | None = None, **limits: int
) -> AbstractContextManager[TestClient]:
    # Every test here counts requests inside one window of a clock that stands still.
    return client_on(clock or Clock(), create_app(settings.model_copy(update=limits)))


def test_candidate_links_answer_429_with_retry_after_past_the_limit(
    settings: Settings, db: Session
) -> None:
    token = token_of(make_invitation(db, settings, language="ru").link)
    clock = Clock()
    with _limited_client(settings, clock, rate_limit_candidate=3) as client:
        codes = [client.get(f"/a/{token}").status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = client.get(f"/a/{token}")
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        page = parse(r.text)
        assert page.find("h1").text == "Слишком много запросов"
        assert r.headers["Content-Security-Policy"]
        # Another link has its own count: one office's candidates do not share one allowance.
        other = token_of(make_invitation(db, settings, name="Борис").link)
        assert client.get(f"/a/{other}").status_code == 200
        clock.now += 60  # the next window: the link is answered again
        assert client.get(f"/a/{token}").status_code == 200


def test_thirty_candidates_behind_one_address_answer_at_once_without_a_429(
    settings: Settings, db: Session
) -> None:
    """An assessment day: one office, one NAT address, each candidate clicking on as people do
    (the whole minute's clicks of 30 people are sent here back to back)."""
    tokens = [token_of(make_invitation(db, settings, name=f"К{n}").link) for n in range(30)]
    with _limited_client(settings) as client:
        codes = [client.get(f"/a/{t}").status_code for _ in range(10) for t in tokens]
    assert len(codes) == 300 and 429 not in codes


def test_guessing_links_from_one_address_is_still_slowed(settings: Settings, db: Session) -> None:
    real = token_of(make_invitation(db, settings).link)
    with _limited_client(settings, rate_limit_bad_links=5) as client:
        codes = [client.get("/a/" + f"{n:043d}").status_code for n in range(7)]
        assert codes[:5] == [404] * 5 and codes[6] == 429
        # The guessing address is refused for the window, even on a real link.
        r = client.get(f"/a/{real}")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_staff_pages_are_not_limited_by_the_candidate_bucket(
    settings: Settings, db: Session
) -> None:
    with _limited_client(settings, rate_limit_candidate=1) as client:
        assert [client.get("/login").status_code for _ in range(5)] == [200] * 5


def test_login_posts_are_limited_per_address(settings: Settings, db: Session) -> None:
    with _limited_client(settings, rate_limit_login=2) as client:
        codes = [
            client.post("/login", data={"email": f"u{i}@example.com", "password": "x"}).status_code
            for i in range(3)
        ]
        # The first two fail on the missing CSRF token (403); the third never gets that far.
        assert codes[:2] == [403, 403] and codes[2] == 429


def test_open_registration_posts_are_limited_per_address(settings: Settings, db: Session) -> None:
    with _limited_client(settings, rate_limit_register=2) as client:
        codes = [client.post("/join/" + "t" * 30, data={}).status_code for _ in range(3)]
        assert 429 not in codes[:2] and codes[2] == 429
        assert client.get("/join/" + "t" * 30).status_code != 429  # reading the form is not


def test_api_requests_are_limited_per_authenticated_key(settings: Settings, db: Session) -> None:
    from app.api.keys import create_api_key

    keys = [create_api_key(db, name=f"k{n}", scope="read").secret for n in range(2)]
    db.commit()
    with _limited_client(settings, rate_limit_api=2) as client:
        one = {"Authorization": f"Bearer {keys[0]}"}
        two = {"Authorization": f"Bearer {keys[1]}"}
        codes = [client.get("/api/v1/vacancies", headers=one).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert client.get("/api/v1/vacancies", headers=one).headers["Retry-After"]
        assert client.get("/api/v1/vacancies", headers=two).status_code == 200


def test_a_changed_authorization_header_does_not_escape_the_limit(
    settings: Settings, db: Session
) -> None:
    """Failed authentications are counted per address, whatever the header says."""
    with _limited_client(settings, rate_limit_api_auth=3) as client:
        codes = [
            client.get(
                "/api/v1/vacancies", headers={"Authorization": f"Bearer rf_{n:030d}"}
            ).status_code
            for n in range(5)
        ]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


def test_the_candidates_429_page_speaks_the_invitations_language(
    settings: Settings, db: Session
) -> None:
    english = token_of(make_invitation(db, settings, language="en").link)
    russian = token_of(make_invitation(db, settings, language="ru").link)
    assert settings.default_language == "en"
    with _limited_client(settings, rate_limit_candidate=1) as client:
        assert client.get(f"/a/{russian}").status_code == 200
        # Past the limit: the invitation's language, whatever the default or ?lang says.
        r = client.get(f"/a/{russian}/q/x/1")
        assert r.status_code == 429
        assert parse(r.text).find("h1").text == "Слишком много запросов"
        client.get(f"/a/{english}")
        r = client.get(f"/a/{english}?lang=ru")
        assert r.status_code == 429
        assert parse(r.text).find("h1").text == "Too many requests"
