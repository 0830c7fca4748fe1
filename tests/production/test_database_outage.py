"""A database outage is an outage, not a crash: while PostgreSQL refuses connections, staff
pages, candidates' links and the API answer 503 with Retry-After in the reader's language, and
the same app serves again once the database is back, without a restart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from tests.factories import make_invitation, make_user
from tests.webflow import STAFF_PASSWORD, login, token_of


def _switch(url: str, allow: bool) -> None:
    """Refuse (or allow) new connections to the test database and end the open ones."""
    target = make_url(url)
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(
                text(f'ALTER DATABASE "{target.database}" ALLOW_CONNECTIONS {str(allow).lower()}')
            )
            if not allow:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": target.database},
                )
    finally:
        admin.dispose()


@pytest.fixture
def outage(database_url: str) -> Iterator[None]:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("refusing connections is a PostgreSQL server's setting")
    yield
    _switch(database_url, True)


def test_pages_answer_503_while_the_database_is_down_and_recover(
    outage: None, db: Session, settings: Settings, database_url: str
) -> None:
    make_user(db, email="rita@example.com", password=STAFF_PASSWORD, role="recruiter")
    token = token_of(make_invitation(db, settings, language="ru").link)
    db.close()
    with TestClient(create_app(settings)) as client:
        login(client, "rita@example.com", STAFF_PASSWORD)
        assert client.get("/vacancies").status_code == 200
        _switch(database_url, False)
        try:
            staff = client.get("/vacancies")
            candidate = client.get(f"/a/{token}?lang=ru")
            api = client.get("/api/v1/vacancies", headers={"Authorization": "Bearer rf_x" * 4})
            health = client.get("/healthz")
        finally:
            _switch(database_url, True)
        for r in (staff, candidate, api):
            assert r.status_code == 503, (r.request.url, r.status_code, r.text[:300])
            assert int(r.headers["Retry-After"]) > 0
        assert "Сервис ненадолго недоступен" in candidate.text
        assert "briefly unavailable" in staff.text
        assert api.headers["content-type"].startswith("application/problem+json")
        assert health.status_code == 503
        # Back without a restart.
        assert client.get("/vacancies").status_code == 200
        assert client.get(f"/a/{token}").status_code == 200
