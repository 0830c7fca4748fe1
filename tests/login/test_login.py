"""Staff login, session cookie, CSRF, logout; anonymous visitors reach nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_invitation, make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, login

STAFF_GET_URLS = [
    "/",
    "/vacancies",
    "/vacancies/new",
    "/vacancies/{vacancy}",
    "/invitations/{invitation}/report",
]
STAFF_POST_URLS = ["/vacancies", "/vacancies/{vacancy}/invitations"]


@pytest.fixture
def ids(db: Session, settings) -> dict[str, int]:
    new = make_invitation(db, settings)
    return {"vacancy": new.invitation.vacancy_id, "invitation": new.invitation.id}


@pytest.mark.parametrize("url", STAFF_GET_URLS)
def test_every_staff_page_sends_an_anonymous_visitor_to_login(
    client: TestClient, ids: dict[str, int], url: str
) -> None:
    r = client.get(url.format(**ids), follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("url", STAFF_POST_URLS)
def test_an_anonymous_visitor_can_change_nothing(
    client: TestClient, ids: dict[str, int], url: str
) -> None:
    token = csrf_of(client.get("/login").text)
    data = {"csrf_token": token, "title": "X", "name": "Y", "placement": "hunter", "language": "en"}
    r = client.post(url.format(**ids), data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_login_sets_a_signed_httponly_lax_cookie(client: TestClient, staff_user) -> None:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={
            "email": staff_user.email,
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/vacancies"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/vacancies").status_code == 200


def test_login_returns_to_the_page_first_asked_for(client: TestClient, staff_user) -> None:
    page = client.get("/login?next=/vacancies/new")
    form = parse(page.text)
    assert form.one("input", name="next").get("value") == "/vacancies/new"
    r = client.post(
        "/login",
        data={
            "email": staff_user.email,
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/vacancies/new",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/vacancies/new"


def test_login_never_redirects_off_site(client: TestClient, staff_user) -> None:
    page = client.get("/login")
    data = {"email": staff_user.email, "password": STAFF_PASSWORD}
    data |= {"csrf_token": csrf_of(page.text), "next": "//evil.example/x"}
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.headers["location"] == "/vacancies"


@pytest.mark.parametrize("email", ["rita@example.com", "nobody@example.com"])
def test_a_wrong_password_does_not_reveal_whether_the_email_exists(
    client: TestClient, staff_user, email: str
) -> None:
    page = client.get("/login")
    data = {"email": email, "password": "wrong password", "csrf_token": csrf_of(page.text)}
    r = client.post("/login", data=data)
    assert r.status_code == 401
    assert parse(r.text).one(role="alert").text == "Wrong email or password."
    assert client.get("/vacancies", follow_redirects=False).status_code == 303


def test_login_without_the_csrf_token_is_refused(client: TestClient, staff_user) -> None:
    client.get("/login")
    data = {"email": staff_user.email, "password": STAFF_PASSWORD}
    r = client.post("/login", data=data)
    assert r.status_code == 403
    assert client.get("/vacancies", follow_redirects=False).status_code == 303


def test_a_staff_form_without_the_csrf_token_changes_nothing(
    staff: TestClient, db: Session
) -> None:
    r = staff.post("/vacancies", data={"title": "T", "placement": "hunter", "language": "en"})
    assert r.status_code == 403
    r = staff.post(
        "/vacancies",
        data={"title": "T", "placement": "hunter", "language": "en", "csrf_token": "forged"},
    )
    assert r.status_code == 403
    assert "Vacancies" in staff.get("/vacancies").text
    from app.staff.service import list_vacancies

    assert list_vacancies(db) == []


def test_logout_ends_the_session(staff: TestClient) -> None:
    token = csrf_of(staff.get("/vacancies").text)
    r = staff.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert staff.get("/vacancies", follow_redirects=False).status_code == 303


def test_raising_the_session_version_logs_the_user_out_everywhere(
    staff: TestClient, staff_user, db: Session
) -> None:
    staff_user.session_version += 1
    db.add(staff_user)
    db.commit()
    assert staff.get("/vacancies", follow_redirects=False).status_code == 303


def test_a_deactivated_user_cannot_log_in(client: TestClient, staff_user, db: Session) -> None:
    staff_user.is_active = False
    db.add(staff_user)
    db.commit()
    page = client.get("/login")
    data = {"email": staff_user.email, "password": STAFF_PASSWORD}
    r = client.post("/login", data=data | {"csrf_token": csrf_of(page.text)})
    assert r.status_code == 401


def test_passwords_are_stored_as_argon2_hashes(staff_user) -> None:
    assert staff_user.password_hash.startswith("$argon2id$")
    assert STAFF_PASSWORD not in staff_user.password_hash


def test_every_role_may_log_in(client: TestClient, db: Session) -> None:
    from tests.factories import make_user

    for role in ("admin", "recruiter", "hiring_manager"):
        user = make_user(db, role=role)
        login(client, user.email, "correct horse battery")
        assert client.get("/vacancies").status_code == 200
        client.cookies.clear()


def test_the_staff_language_switch_is_kept_in_a_cookie(staff: TestClient, db: Session) -> None:
    make_vacancy(db)
    page = parse(staff.get("/vacancies?lang=ru").text)
    assert page.one("html").get("lang") == "ru"
    page = parse(staff.get("/vacancies").text)
    assert page.one("html").get("lang") == "ru"
    assert page.one("h1").text == "Вакансии"
