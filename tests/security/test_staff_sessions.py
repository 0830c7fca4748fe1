"""The account page lists the user's live sessions; ending one refuses its cookie everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.auth.service import browser_summary, forget_dead_sessions
from app.db import utcnow
from app.models import AuditEvent, StaffSession, User
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, login

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
YANDEX_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0 YaBrowser/24.10 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (FIREFOX_WINDOWS, "Firefox, Windows"),
        (YANDEX_ANDROID, "Yandex Browser, Android"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Version/17.5 Safari/605.1.15",
            "Safari, macOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", ""),
    ],
)
def test_the_browser_is_kept_as_a_short_summary(agent: str, shown: str) -> None:
    assert browser_summary(agent) == shown


def _sessions(page: str) -> list[tuple[str, str]]:
    """(text, end-form action) of each listed session."""
    items = parse(page).find_all("li", class_="session-item")
    return [(li.text, str(li.one("form").get("action"))) for li in items]


def _session_rows(page: str) -> list[str]:
    return [text for text, _action in _sessions(page)]


def test_the_account_page_lists_each_live_session_with_its_browser(
    staff_user: User, staff: TestClient, app: FastAPI
) -> None:
    other = TestClient(app, headers={"user-agent": YANDEX_ANDROID})
    login(other, staff_user.email, STAFF_PASSWORD)
    rows = _session_rows(staff.get("/account").text)
    assert len(rows) == 2
    assert any("Yandex Browser, Android" in row for row in rows)
    badges = parse(staff.get("/account").text).find_all("span", class_="badge")
    assert [b.text for b in badges] == ["this session"]


def test_ending_another_session_refuses_its_cookie_and_is_audited(
    staff_user: User, staff: TestClient, app: FastAPI, db: Session
) -> None:
    other = TestClient(app, headers={"user-agent": FIREFOX_WINDOWS})
    login(other, staff_user.email, STAFF_PASSWORD)
    assert other.get("/vacancies", follow_redirects=False).status_code == 200
    page = staff.get("/account")
    target = next(action for text, action in _sessions(page.text) if "Firefox, Windows" in text)
    r = staff.post(target, data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?ended=1"
    assert other.get("/vacancies", follow_redirects=False).status_code == 303
    # This browser is still logged in and now sees one session.
    assert len(_session_rows(staff.get("/account").text)) == 1
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_id == staff_user.id))
    assert "user.session_end" in list(actions)


def test_no_one_can_end_a_session_of_another_user(
    staff_user: User, staff: TestClient, app: FastAPI, db: Session
) -> None:
    from tests.factories import make_user

    mallory = make_user(db, email="mallory@example.com", password=STAFF_PASSWORD, role="recruiter")
    intruder = TestClient(app)
    login(intruder, mallory.email, STAFF_PASSWORD)
    victim_key = db.exec(select(StaffSession.id).where(StaffSession.user_id == staff_user.id)).one()
    page = intruder.get("/account")
    r = intruder.post(
        f"/account/sessions/{victim_key}/end",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert staff.get("/vacancies", follow_redirects=False).status_code == 200


def test_ending_this_session_from_the_list_logs_out(staff: TestClient) -> None:
    page = staff.get("/account")
    [(_text, action)] = _sessions(page.text)
    r = staff.post(action, data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.headers["location"] == "/login"
    assert staff.get("/vacancies", follow_redirects=False).status_code == 303


def test_sessions_past_their_lifetime_are_deleted(
    staff_user: User, staff: TestClient, db: Session
) -> None:
    assert db.exec(select(StaffSession)).all()
    forget_dead_sessions(db, now=utcnow() + timedelta(hours=13), hours=12)
    db.commit()
    assert db.exec(select(StaffSession)).all() == []
    # Its cookie no longer opens anything.
    assert staff.get("/vacancies", follow_redirects=False).status_code == 303


def test_only_a_hash_of_the_session_id_is_stored(staff: TestClient, db: Session) -> None:
    import hashlib

    row = db.exec(select(StaffSession)).one()
    assert len(row.id) == 64 and all(c in "0123456789abcdef" for c in row.id)
    assert row.id != hashlib.sha256(b"").hexdigest()


def test_the_daily_retention_run_deletes_sessions_past_their_lifetime(
    staff: TestClient, app: FastAPI, db: Session
) -> None:
    from app.privacy.worker import tick

    tick(app.state.engine, days=365, session_hours=0)
    db.expire_all()
    assert db.exec(select(StaffSession)).all() == []
