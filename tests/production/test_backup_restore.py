"""Backup and restore as docs/deployment.md describes: pg_dump a database with a completed
assessment, pg_restore it into a fresh database, and the report built from each is the same."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.migrations import upgrade
from tests.factories import answers_for, ie_questionnaire, make_invitation, make_user
from tests.htmlq import parse
from tests.production.prodserver import SECRET, fresh_postgres_database
from tests.webflow import STAFF_PASSWORD, answer_everything, consent, login, token_of

PG = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not PG.startswith("postgresql") or shutil.which("pg_dump") is None,
    reason="needs TEST_DATABASE_URL on PostgreSQL and pg_dump/pg_restore",
)


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        secret_key=SECRET,
        base_url="http://testserver",
        default_language="en",
        mail_worker=False,
        _env_file=None,
    )


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _report(url: str, tmp_path: Path, invitation_id: int) -> str:
    with TestClient(create_app(_settings(url, tmp_path))) as client:
        login(client, "backup@example.com", STAFF_PASSWORD)
        r = client.get(f"/invitations/{invitation_id}/report")
        assert r.status_code == 200
    assert parse(r.text).find("main") is not None
    # The CSRF token differs per session and chart element ids per render (rfc<n>-<hash>);
    # everything else must be identical.
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", r.text.split("<main", 1)[1])
    return re.sub(r"rfc\d+-[0-9a-f]+", "rfc", page)


def test_a_restored_backup_gives_the_same_report(tmp_path: Path) -> None:
    with fresh_postgres_database(PG) as source, fresh_postgres_database(PG) as target:
        upgrade(source)
        settings = _settings(source, tmp_path)
        engine = make_engine(source)
        with Session(engine) as session:
            make_user(session, email="backup@example.com", role="admin")
            new = make_invitation(session, settings, name="Backup Candidate")
            invitation_id = new.invitation.id
        engine.dispose()
        assert invitation_id is not None
        token = token_of(new.link)
        with TestClient(create_app(settings)) as client:
            consent(client, token)
            answer_everything(client, token, answers_for(ie_questionnaire()))
        before = _report(source, tmp_path, invitation_id)
        dump = tmp_path / "rolefit.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "-f", str(dump), _libpq(source)],
            check=True,
        )
        subprocess.run(["pg_restore", "--no-owner", "-d", _libpq(target), str(dump)], check=True)
        after = _report(target, tmp_path, invitation_id)
        assert "Backup Candidate" in before
        assert after == before
