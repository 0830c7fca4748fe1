"""Security headers on every kind of response, and request body size limits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from app.auth.sessions import StaffSessionMiddleware
from app.config import Settings
from app.main import create_app
from app.security.headers import CSP, SecurityHeadersMiddleware
from tests.factories import make_invitation
from tests.webflow import token_of


def test_the_policy_allows_no_inline_code_and_no_framing() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


@pytest.mark.parametrize("path", ["/login", "/vacancies", "/no-such-page", "/static/app.css"])
def test_every_response_carries_the_headers(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.headers["Content-Security-Policy"] == CSP
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in r.headers  # BASE_URL is http here


def test_candidate_pages_send_no_referrer_and_are_not_cached(
    client: TestClient, db: Session, settings: Settings
) -> None:
    token = token_of(make_invitation(db, settings).link)
    r = client.get(f"/a/{token}")
    assert r.status_code == 200
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"


def test_a_header_the_response_sets_itself_is_kept() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        own = {"Cache-Control": "private, max-age=60", "X-Frame-Options": "SAMEORIGIN"}
        await PlainTextResponse("ok", headers=own)(scope, receive, send)

    client = TestClient(SecurityHeadersMiddleware(app, hsts=False))
    r = client.get("/a/some-token")
    assert r.headers.get_list("cache-control") == ["private, max-age=60"]
    assert r.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert r.headers["Content-Security-Policy"] == CSP  # and the others are added
    assert client.get("/login").headers.get_list("cache-control") == ["private, max-age=60"]


def test_candidate_links_do_not_decode_the_staff_session() -> None:
    seen: dict[str, bool] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        seen[scope["path"]] = "session" in scope
        await PlainTextResponse("ok")(scope, receive, send)

    client = TestClient(StaffSessionMiddleware(app, secret_key="k" * 32))
    for path in ("/a/some-token/save", "/login", "/about/a/"):
        assert client.get(path).status_code == 200
    assert seen == {"/a/some-token/save": False, "/login": True, "/about/a/": True}


def test_a_signed_in_staff_member_opening_a_candidate_link_stays_signed_in(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    token = token_of(make_invitation(db, settings).link)
    page = staff.get(f"/a/{token}")
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    assert staff.get("/vacancies", follow_redirects=False).status_code == 200


def test_hsts_is_sent_when_the_site_is_https(settings: Settings, db: Session) -> None:
    https = settings.model_copy(update={"base_url": "https://rolefit.example.com"})
    with TestClient(create_app(https), base_url="https://testserver") as client:
        r = client.get("/login")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_body_over_the_limit_is_refused_with_413(settings: Settings, db: Session) -> None:
    small = settings.model_copy(update={"max_body_bytes": 2048, "max_upload_bytes": 8192})
    with TestClient(create_app(small)) as client:
        r = client.post("/login", data={"email": "a@example.com", "password": "p" * 5000})
        assert r.status_code == 413
        assert "Content-Security-Policy" in r.headers
        # A streamed body without Content-Length is counted as it arrives.
        chunks = (b"x" * 1024 for _ in range(4))
        r = client.post(
            "/login", content=chunks, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert r.status_code == 413
        # Multipart uploads get the larger limit: 5 KB passes the size check (then fails CSRF).
        r = client.post("/login", files={"file": ("a.csv", b"a" * 5000, "text/csv")})
        assert r.status_code == 403
        r = client.post("/login", files={"file": ("a.csv", b"a" * 9000, "text/csv")})
        assert r.status_code == 413
