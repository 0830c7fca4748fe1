"""Rate limits: counters in the database or Redis, the 429 page, which routes are limited."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from app.models import RateLimit
from app.security.ratelimit import DatabaseBackend, Decision, RateLimiter, RedisBackend
from tests.clock import Clock, client_on
from tests.factories import make_invitation
from tests.htmlq import parse
from tests.webflow import token_of

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_backend() -> Iterator[RedisBackend]:
    backend = RedisBackend(REDIS_URL, prefix=f"rolefit-test:{uuid.uuid4().hex}:")
    try:
        backend.client.ping()
    except Exception:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield backend
    for key in backend.client.scan_iter(match=backend.prefix + "*"):
        backend.client.delete(key)


@pytest.fixture(params=["database", "redis"])
def limiter(request: pytest.FixtureRequest, db: Session, engine: Engine) -> Iterator[RateLimiter]:
    clock = Clock()
    if request.param == "database":
        yield RateLimiter(DatabaseBackend(engine), clock=clock)
    else:
        for backend in _redis_backend():
            yield RateLimiter(backend, clock=clock)


def test_it_allows_up_to_the_limit_and_refuses_the_next(limiter: RateLimiter) -> None:
    decisions = [limiter.hit(bucket="t", key="1.2.3.4", limit=3, window=60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4]
    assert 1 <= decisions[-1].retry_after <= 60


def test_a_new_window_starts_from_zero(limiter: RateLimiter) -> None:
    for _ in range(3):
        limiter.hit(bucket="t", key="k", limit=2, window=60)
    assert not limiter.peek(bucket="t", key="k", limit=2, window=60).allowed
    limiter.clock.now += 60  # type: ignore[attr-defined]
    assert limiter.peek(bucket="t", key="k", limit=2, window=60).count == 0
    assert limiter.hit(bucket="t", key="k", limit=2, window=60).allowed


def test_keys_and_buckets_count_separately_and_reset_clears(limiter: RateLimiter) -> None:
    limiter.hit(bucket="a", key="x", limit=1, window=60)
    assert limiter.hit(bucket="a", key="y", limit=1, window=60).allowed
    assert limiter.hit(bucket="b", key="x", limit=1, window=60).allowed
    assert not limiter.hit(bucket="a", key="x", limit=1, window=60).allowed
    limiter.reset(bucket="a", key="x", window=60)
    assert limiter.peek(bucket="a", key="x", limit=1, window=60).count == 0


def test_an_increment_of_several_adds_them_all(limiter: RateLimiter) -> None:
    backend, now = limiter.backend, limiter.clock()

    async def main() -> list[int]:
        counts = [
            await backend.aincr("k", ttl=60, now=now, amount=3),  # a new counter: the amount
            await backend.aincr("k", ttl=60, now=now, amount=4),
        ]
        if isinstance(backend, DatabaseBackend):
            # A row past its expiry that no sweep has removed yet starts over at the amount.
            counts.append(await backend.aincr("k", ttl=60, now=now + 61, amount=5))
        await limiter.aclose()
        return counts

    expected = [3, 7, 5] if isinstance(backend, DatabaseBackend) else [3, 7]
    assert asyncio.run(main()) == expected


def test_the_database_stores_digests_and_sweeps_expired_rows(db: Session, engine: Engine) -> None:
    clock = Clock()
    backend = DatabaseBackend(engine)
    limiter = RateLimiter(backend, clock=clock)
    limiter.hit(bucket="login-account", key="someone@example.com", limit=5, window=60)
    keys = db.exec(select(RateLimit.key)).all()  # type: ignore[call-overload]
    assert len(keys) == 1 and "someone" not in keys[0][0]
    clock.now += 120
    assert backend.sweep(now=clock.now) == 1
    assert db.exec(select(func.count()).select_from(RateLimit)).one()[0] == 0  # type: ignore[call-overload]


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


class SlowStore:
    """A counter store whose increments wait until released (``ahit`` without a database)."""

    def __init__(self) -> None:
        self.count = 0
        self.released = asyncio.Event()
        self.fail = False
        self.amounts: list[int] = []  # what each increment added, in the order they were sent

    async def aincr(self, key: str, *, ttl: int, now: float, amount: int = 1) -> int:
        self.amounts.append(amount)
        await self.released.wait()
        if self.fail:
            raise ConnectionError("the store is down")
        self.count += amount
        return self.count


def test_far_below_the_limit_a_request_does_not_wait_for_its_count() -> None:
    store = SlowStore()
    limiter = RateLimiter(store, clock=Clock())  # type: ignore[arg-type]

    async def main() -> list[Decision]:
        quick = [
            await asyncio.wait_for(limiter.ahit(bucket="c", key="k", limit=10, window=60), 5)
            for _ in range(5)
        ]
        assert store.count == 0  # counted later: nothing has reached the store yet
        store.released.set()
        await limiter.aclose()
        return quick

    decisions = asyncio.run(main())
    assert all(d.allowed for d in decisions)
    assert [d.count for d in decisions] == [1, 2, 3, 4, 5]
    assert store.count == 5


def test_the_counts_of_one_burst_reach_the_store_as_one_increment() -> None:
    store = SlowStore()
    store.released.set()
    limiter = RateLimiter(store, clock=Clock())  # type: ignore[arg-type]

    async def main() -> list[Decision]:
        # 20 requests that arrive in the same turn of the event loop.
        burst = await asyncio.gather(
            *(limiter.ahit(bucket="c", key="k", limit=100, window=60) for _ in range(20))
        )
        await asyncio.sleep(0)
        later = await limiter.ahit(bucket="c", key="k", limit=100, window=60)
        await limiter.aclose()
        return [*burst, later]

    decisions = asyncio.run(main())
    assert sorted(d.count for d in decisions) == list(range(1, 22))
    assert store.amounts == [20, 1]
    assert store.count == 21


def test_from_half_the_limit_each_request_waits_and_the_limit_is_exact(
    limiter: RateLimiter,
) -> None:
    async def main() -> list[Decision]:
        decisions = [
            await limiter.ahit(bucket="c", key="k", limit=10, window=60) for _ in range(13)
        ]
        await limiter.aclose()
        return decisions

    decisions = asyncio.run(main())
    assert [d.allowed for d in decisions] == [True] * 10 + [False] * 3
    assert decisions[-1].count == 13  # every request was counted in the store
    assert limiter.peek(bucket="c", key="k", limit=10, window=60).count == 13


def test_a_count_that_fails_without_a_waiting_request_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = SlowStore()
    store.fail = True
    limiter = RateLimiter(store, clock=Clock())  # type: ignore[arg-type]

    async def main() -> Decision:
        decision = await limiter.ahit(bucket="c", key="k", limit=10, window=60)
        store.released.set()
        await limiter.aclose()
        return decision

    assert asyncio.run(main()).allowed
    assert "rate limit counter not stored" in caplog.text


def test_counters_of_ended_windows_are_forgotten() -> None:
    store = SlowStore()
    store.released.set()
    clock = Clock()
    limiter = RateLimiter(store, clock=clock)  # type: ignore[arg-type]
    limiter.SEEN_MAX = 3

    async def main() -> None:
        for key in "abc":
            await limiter.ahit(bucket="c", key=key, limit=2, window=60)
        clock.now += 60
        await limiter.ahit(bucket="c", key="d", limit=2, window=60)

    asyncio.run(main())
    assert len(limiter._seen) == 1
