"""Password rules, login throttling and lockout, session expiry, logout everywhere."""

from __future__ import annotations

import types

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.service import create_user
from app.cli import main
from app.models import AuditEvent, Role, User
from app.security.passwords import WeakPassword, check_password
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, login


@pytest.mark.parametrize(
    "password",
    ["short pw", "password123456", "qwertyuiop123", "aaaaaaaaaaaaaaaa", "rita@example.com!!"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_password(password, email="rita@example.com")


def test_a_password_containing_the_email_name_is_refused() -> None:
    with pytest.raises(WeakPassword, match="email"):
        check_password("margarita-Lantern-42", email="margarita@example.com")


def test_a_few_unrelated_words_are_accepted() -> None:
    check_password("copper lantern walks east", email="rita@example.com")


def test_create_user_applies_the_rules(db: Session) -> None:
    with pytest.raises(WeakPassword):
        create_user(db, email="a@example.com", password="123456789012", role=Role.admin)


def test_the_cli_refuses_a_weak_password(
    db: Session, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    args = ["create-user", "--email", "x@example.com", "--password", "password1234"]
    assert main([*args, "--role", "admin"]) == 2
    assert "too easy to guess" in capsys.readouterr().err


def _post_login(client: TestClient, email: str, password: str):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def _alert(response) -> str:
    return parse(response.text).find("p", class_="alert").text


class _Clock:
    """The rate limiter's clock, moved by hand: waits are checked without sleeping."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_failures_slow_one_address_and_never_lock_out_the_real_user(
    staff_user: User, client: TestClient, app: FastAPI, db: Session
) -> None:
    from app.security import throttle

    clock = _Clock()
    limiter = app.state.limiter
    limiter.clock = clock
    settings = app.state.settings
    attacker = TestClient(app, client=("203.0.113.66", 4000))
    real = TestClient(app, client=("198.51.100.7", 5000))
    # Over HTTP: three typos cost nothing, then the waits grow 1, 2, 4 s, capped at 5 s.
    waits = []
    for _ in range(8):
        r = _post_login(attacker, staff_user.email, "wrong password!")
        assert r.status_code in (401, 429)
        wait = int(r.headers.get("Retry-After", 0))
        waits.append(wait)
        # While waiting, even the right password from this address is not checked.
        if wait:
            assert _post_login(attacker, staff_user.email, STAFF_PASSWORD).status_code == 429
        clock.now += wait
    assert waits == [0, 0, 0, 1, 2, 4, 5, 5]
    # 1,000 wrong passwords in all from that address (the rest counted directly: each HTTP
    # try would also hash a password).
    for _ in range(1000 - 8):
        assert (
            throttle.login_failed(limiter, settings, email=staff_user.email, address="203.0.113.66")
            <= settings.login_max_delay_seconds
        )
    # The real user, from another address, logs in at once with no wait.
    r = _post_login(real, staff_user.email, STAFF_PASSWORD)
    assert r.status_code == 303, r.text
    # The attacker's address is still slowed: a wait of at most the cap, on every failure.
    r = _post_login(attacker, staff_user.email, STAFF_PASSWORD)
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= settings.login_max_delay_seconds
    clock.now += settings.login_max_delay_seconds
    r = _post_login(attacker, staff_user.email, "wrong password!")
    assert r.status_code == 429 and r.headers["Retry-After"] == "5"
    # One audit entry for the pair's first slowdown, not one per failure.
    slowed = db.exec(select(AuditEvent).where(AuditEvent.action == "user.login_locked")).all()
    assert [e.object_id for e in slowed] == [str(staff_user.id)]


def test_an_unknown_account_is_slowed_with_the_same_words(
    staff_user: User, client: TestClient, app: FastAPI, db: Session
) -> None:
    app.state.limiter.clock = clock = _Clock()
    alerts = []
    for email in (staff_user.email, "nobody@example.com"):
        codes = [_post_login(client, email, "wrong password!").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        alerts.append(_alert(_post_login(client, email, "x" * 12)))
        clock.now += 1
    assert alerts[0] == alerts[1]  # the wait reveals nothing about which email is an account


def test_unlock_from_the_command_line_and_the_users_page_clears_the_waits(
    staff_user: User,
    client: TestClient,
    app: FastAPI,
    db: Session,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
    tmp_path,
) -> None:
    from tests.factories import make_user

    app.state.limiter.clock = _Clock()
    attacker = TestClient(app, client=("203.0.113.66", 4000))
    for _ in range(5):
        _post_login(attacker, staff_user.email, "wrong password!")
    assert _post_login(attacker, staff_user.email, STAFF_PASSWORD).status_code == 429
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["unlock", "--email", staff_user.email.upper()]) == 0
    assert "cleared" in capsys.readouterr().out
    assert _post_login(attacker, staff_user.email, STAFF_PASSWORD).status_code == 303

    # The administrator's button on the users page does the same, and is audited.
    boss = make_user(db, email="boss@example.com", password=STAFF_PASSWORD, role="admin")
    other = TestClient(app, client=("203.0.113.67", 4000))
    for _ in range(5):
        _post_login(other, staff_user.email, "wrong password!")
    assert _post_login(other, staff_user.email, STAFF_PASSWORD).status_code == 429
    login(client, boss.email, STAFF_PASSWORD)
    page = client.get("/admin/users")
    form = parse(page.text).find("form", action=f"/admin/users/{staff_user.id}/unlock")
    assert form is not None
    r = client.post(
        form.get("action"), data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert _post_login(other, staff_user.email, STAFF_PASSWORD).status_code == 303
    unlocks = db.exec(select(AuditEvent).where(AuditEvent.action == "user.unlock")).all()
    assert [e.object_id for e in unlocks] == [str(staff_user.id)]


def test_an_idle_session_ends(staff: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import app.auth.deps as deps

    assert staff.get("/vacancies", follow_redirects=False).status_code == 200
    later = time.time() + 121 * 60  # SESSION_IDLE_MINUTES is 120
    monkeypatch.setattr(deps, "time", types.SimpleNamespace(time=lambda: later))
    r = staff.get("/vacancies", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_used_session_still_ends_after_session_hours(
    staff: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import app.auth.deps as deps

    start = time.time()
    # Requests every 100 minutes keep it from going idle; at 12 h 20 min it ends anyway.
    for minutes in range(100, 12 * 60 + 21, 100):
        now = start + minutes * 60
        monkeypatch.setattr(deps, "time", types.SimpleNamespace(time=lambda now=now: now))
        r = staff.get("/vacancies", follow_redirects=False)
        expected = 200 if minutes <= 12 * 60 else 303
        assert r.status_code == expected, minutes


def test_a_cookie_copied_before_logout_is_refused_after_it(
    staff_user: User, staff: TestClient, app: FastAPI
) -> None:
    copied = TestClient(app)  # the same cookie in another browser, copied while logged in
    copied.cookies.update(dict(staff.cookies.items()))
    assert copied.get("/admin/users", follow_redirects=False).status_code in (200, 403)
    assert copied.get("/vacancies", follow_redirects=False).status_code == 200
    page = staff.get("/account")
    r = staff.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    r = copied.get("/vacancies", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # Logging in again starts a new session, which works.
    login(staff, staff_user.email, STAFF_PASSWORD)
    assert staff.get("/vacancies", follow_redirects=False).status_code == 200


def test_logout_everywhere_ends_every_session(
    staff_user: User, staff: TestClient, app: FastAPI
) -> None:
    # A second browser on the running app (no second lifespan: it would swap the app's engine).
    other = TestClient(app)
    login(other, staff_user.email, STAFF_PASSWORD)
    assert other.get("/vacancies", follow_redirects=False).status_code == 200
    page = staff.get("/account")
    r = staff.post(
        "/logout-everywhere",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert other.get("/vacancies", follow_redirects=False).status_code == 303
    assert staff.get("/vacancies", follow_redirects=False).status_code == 303


def test_changing_the_password_logs_out_the_other_devices(
    staff_user: User, staff: TestClient, app: FastAPI, db: Session
) -> None:
    def change(current: str, new: str, confirm: str | None = None):
        page = staff.get("/account")
        data = {"current": current, "new": new, "confirm": confirm or new}
        data["csrf_token"] = csrf_of(page.text)
        return staff.post("/account/password", data=data, follow_redirects=False)

    other = TestClient(app)  # a second browser on the running app
    login(other, staff_user.email, STAFF_PASSWORD)
    wrong = change("not my password", "copper lantern walks east")
    assert wrong.status_code == 400
    assert parse(wrong.text).find("p", id="current-error") is not None
    weak = change(STAFF_PASSWORD, "password12345")
    assert weak.status_code == 400
    assert parse(weak.text).find("p", id="new-error") is not None
    differ = change(STAFF_PASSWORD, "copper lantern walks east", "copper lantern walks west")
    assert parse(differ.text).find("p", id="confirm-error") is not None
    assert other.get("/vacancies", follow_redirects=False).status_code == 200
    ok = change(STAFF_PASSWORD, "copper lantern walks east")
    assert ok.status_code == 303
    assert staff.get("/vacancies", follow_redirects=False).status_code == 200
    assert other.get("/vacancies", follow_redirects=False).status_code == 303
    db.expire_all()
    login(staff, staff_user.email, "copper lantern walks east")
    changes = db.exec(select(AuditEvent).where(AuditEvent.action == "user.password_change")).all()
    assert len(changes) == 1 and changes[0].actor_id == staff_user.id
