"""Two app processes against one PostgreSQL database behave as one site.

Sessions and CSRF tokens live in the signed cookie (same SECRET_KEY on both), rate-limit
counters in the database or Redis, and the unique (invitation, questionnaire) constraint keeps
a result single however many instances receive the submission.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.config import Settings
from app.db import make_engine
from app.models import Result
from app.security.ratelimit import WINDOW
from tests.factories import answers_for, ie_questionnaire, make_invitation, make_user
from tests.htmlq import csrf_of
from tests.production.prodserver import SECRET, Server, fresh_postgres_database, servers
from tests.webflow import QID, STAFF_PASSWORD, token_of

PG = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not PG.startswith("postgresql"),
    reason="several instances share one PostgreSQL database; set TEST_DATABASE_URL to run",
)
REDIS_URL = "redis://127.0.0.1:6379/0"
LIMIT = 10


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["database", "redis"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, Server, str]]:
    env = {"RATE_LIMIT_CANDIDATE": str(LIMIT)}
    prefix = ""
    if request.param == "redis":
        if not _redis_available():
            pytest.skip("no Redis at 127.0.0.1:6379")
        prefix = f"rolefit-test:{uuid.uuid4().hex}:"
        env |= {"REDIS_URL": REDIS_URL, "RATE_LIMIT_PREFIX": prefix}
    with fresh_postgres_database(PG) as url:
        a = Server(database_url=url, data_dir=tmp_path / "a", **env)
        b = Server(database_url=url, data_dir=tmp_path / "b", **env)
        with servers(a, b):
            yield a, b, url
    if prefix:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)


def _seed(url: str, base_url: str, *, staff: bool = True) -> tuple[str, str]:
    """A staff user (unless ``staff`` is false) and a candidate link; returns (staff email,
    candidate token)."""
    settings = Settings(
        database_url=url,
        secret_key=SECRET,
        base_url=base_url,
        _env_file=None,
    )
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            email = ""
            if staff:
                email = make_user(session, email="multi@example.com", password=STAFF_PASSWORD).email
            link = make_invitation(session, settings).link
            return email, token_of(link)
    finally:
        engine.dispose()


def test_a_session_and_its_csrf_token_work_on_the_other_instance(
    pair: tuple[Server, Server, str],
) -> None:
    a, b, url = pair
    email, _token = _seed(url, a.url)
    with httpx.Client(base_url=a.url) as on_a:
        page = on_a.get("/login")
        r = on_a.post(
            "/login",
            data={"email": email, "password": STAFF_PASSWORD, "csrf_token": csrf_of(page.text)},
        )
        assert r.status_code == 303
        cookies = on_a.cookies
        csrf = csrf_of(on_a.get("/account").text)
    with httpx.Client(base_url=b.url, cookies=cookies) as on_b:
        assert on_b.get("/vacancies").status_code == 200
        # A forged token is refused on B, the one A issued is accepted.
        assert on_b.post("/logout", data={"csrf_token": "forged"}).status_code == 403
        r = on_b.post("/logout", data={"csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_rate_limits_count_requests_to_both_instances(pair: tuple[Server, Server, str]) -> None:
    a, b, url = pair
    # The servers count in fixed windows of their own clock, which a test cannot move from
    # here. A run that a window's end split would start counting over: it is run again on a
    # fresh link, which a run of a second or so cannot split again.
    for _ in range(2):
        _email, token = _seed(url, a.url, staff=False)
        started = time.time()
        codes = []
        with httpx.Client() as client:
            for n in range(LIMIT + 2):
                server = a if n % 2 == 0 else b
                # A spoofed X-Forwarded-For is ignored: no TRUSTED_PROXIES are configured.
                headers = {"X-Forwarded-For": f"10.0.0.{n}"}
                codes.append(client.get(f"{server.url}/a/{token}", headers=headers).status_code)
        if started // WINDOW == time.time() // WINDOW:
            break
    assert codes[:LIMIT] == [200] * LIMIT
    assert codes[LIMIT:] == [429, 429]


def test_one_assessment_submitted_to_both_at_once_gives_one_result(
    pair: tuple[Server, Server, str],
) -> None:
    a, b, url = pair
    _email, token = _seed(url, a.url)
    q = ie_questionnaire()
    answers = answers_for(q)
    pages = q.pages()
    with httpx.Client(base_url=a.url) as client:
        assert client.post(f"/a/{token}/consent", data={"consent": "yes"}).status_code == 303
        for n, ids in enumerate(pages, start=1):
            go = "review" if n == len(pages) else "next"
            data = {f"item-{i}": str(answers[i]) for i in ids} | {"go": go}
            assert client.post(f"/a/{token}/q/{QID}/{n}", data=data).status_code == 303
    barrier = threading.Barrier(4)
    codes: list[int] = []

    def finish(server: Server) -> None:
        with httpx.Client(base_url=server.url) as client:
            barrier.wait()
            codes.append(client.post(f"/a/{token}/finish").status_code)

    threads = [threading.Thread(target=finish, args=(s,)) for s in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [303] * 4
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            count = session.exec(select(func.count()).select_from(Result)).one()
    finally:
        engine.dispose()
    assert count == 1
