"""/healthz, error pages without stack traces, security headers."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import make_engine
from tests.htmlq import parse


def test_healthz_is_ok_when_the_database_answers(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(app: FastAPI, tmp_path) -> None:
    with TestClient(app) as c:
        good = app.state.engine
        # A directory cannot be opened as a SQLite file: every connection fails.
        app.state.engine = make_engine(f"sqlite:///{tmp_path}")
        try:
            r = c.get("/healthz")
        finally:
            app.state.engine.dispose()
            app.state.engine = good
    assert r.status_code == 503
    assert r.json()["status"] != "ok"


def test_an_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert parse(r.text).one("h1").text == "Page not found"


def test_a_crash_shows_a_500_page_without_a_stack_trace(app: FastAPI, caplog) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.CRITICAL):
        r = c.get("/boom")
    assert r.status_code == 500
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert parse(r.text).one("h1").text == "Something went wrong on our side"


def test_pages_forbid_framing_and_referrers(client: TestClient) -> None:
    r = client.get("/login")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_pages_have_no_inline_scripts_or_styles(client: TestClient) -> None:
    page = parse(client.get("/login").text)
    assert all(s.get("src") for s in page.find_all("script"))
    assert page.find_all("style") == []
    assert [el for el in page.iter() if "style" in el.attrs] == []


def test_every_request_hands_its_database_connection_back(staff: TestClient, db) -> None:
    """The request's session is closed on every path: after a commit, after a read-only page
    (closed in a thread, as it rolls back), and after an error."""
    import gc

    pool = staff.app.state.engine.pool  # type: ignore[attr-defined]
    gc.disable()  # a leaked session must not be rescued by the garbage collector
    try:
        for path in ("/", "/vacancies", "/a/" + "x" * 40, "/healthz"):
            staff.get(path)
            assert pool.checkedout() == 0, path
    finally:
        gc.enable()


def test_many_read_only_requests_at_once_do_not_starve_the_connection_pool(settings, db) -> None:
    """More requests than pooled connections, one request thread: sessions that finished with
    a connection still open must close without waiting for a request thread, or the threads
    wait for connections that are waiting for threads (the load benchmark hung this way)."""
    import anyio
    import httpx

    from app.main import create_app

    app = create_app(settings.model_copy(update={"request_threads": 1}))  # pool: 7 + 10

    async def main() -> list[int]:
        async with app.router.lifespan_context(app):
            app.state.engine.pool._timeout = 5  # fail fast instead of after 30 s
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                statuses: list[int] = []

                async def one() -> None:
                    # An unknown link: looked up (a connection taken), refused, not committed.
                    statuses.append((await c.get("/a/" + "y" * 40)).status_code)

                with anyio.fail_after(60):
                    async with anyio.create_task_group() as tasks:
                        for _ in range(60):
                            tasks.start_soon(one)
                return statuses

    statuses = anyio.run(main)
    assert statuses == [404] * 60
    assert app.state.engine.pool.checkedout() == 0


def test_pages_name_an_icon_the_server_has(client: TestClient) -> None:
    # Without one, every browser asks for /favicon.ico and logs the 404 as a console error.
    icon = parse(client.get("/login").text).find("link", rel="icon")
    assert icon is not None
    r = client.get(icon.get("href") or "")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
