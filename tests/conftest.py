"""Shared fixtures. The database comes from TEST_DATABASE_URL (default: a temporary SQLite
file); the real Alembic migrations build it once per session, and every test that asks for
``db`` (directly or through ``app``/``client``) starts from empty tables.

Tables are emptied rather than each test wrapped in a rolled-back transaction, because the
browser test drives a real server in another thread, which must see committed rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrations import upgrade
from app.models import Organisation, metadata
from tests.webflow import STAFF_PASSWORD, login

TEST_SECRET = "test-secret-key-for-the-suite-only-0123456789"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    engine = make_engine(url)
    # Start from nothing, so every migration runs from empty on every engine.
    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)
    engine.dispose()
    upgrade(url)
    return url


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the suite's kind, for running migrations over existing rows."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"{url.database}_scratch"
    admin = make_engine(url.render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def _empty_tables(engine: Engine) -> None:
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # SQLite has no TRUNCATE, and the append-only triggers refuse DELETE on the audit
            # log: lift them for the emptying and put them back as they were.
            triggers = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for t in tables:
                conn.execute(t.delete())
            for _name, sql in triggers:
                conn.execute(text(sql))


# Every test's employer: candidate links open only once an organisation is set (issue 15).
TEST_ORGANISATION = {
    "name": "Northwind",
    "legal_entity": "Northwind Trading LLC",
    "address": "1 Harbour Street, Saint Petersburg",
    "contact_email": "privacy@northwind.example",
}


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    _empty_tables(engine)
    with Session(engine) as session:
        session.add(Organisation(id=1, **TEST_ORGANISATION))
        session.commit()
        yield session


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        env="development",
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        base_url="http://testserver",
        default_language="en",
        mail_worker=False,  # tests run app.invitations.mailer.run_due_emails themselves
        webhook_worker=False,  # tests/api runs app.webhooks.service.deliver_due itself
        retention_worker=False,  # tests/privacy runs app.privacy.worker.run_retention itself
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def app(settings: Settings, db: Session) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def staff_user(db: Session):
    from tests.factories import make_user

    return make_user(db, email="rita@example.com", password=STAFF_PASSWORD, role="recruiter")


@pytest.fixture
def staff(client: TestClient, staff_user) -> TestClient:
    """A client logged in as a recruiter."""
    login(client, staff_user.email, STAFF_PASSWORD)
    return client
