"""A real server's log never holds a candidate's name or email, through failed emails, a
webhook receiver that is down, completion and erasure (issue 16, point 1)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlmodel import Session, select

from app.config import Settings
from app.db import make_engine
from app.invitations.service import remind
from app.migrations import upgrade
from app.models import Invitation, WebhookDelivery
from app.webhooks.service import create_endpoint
from tests.factories import answers_for, ie_questionnaire, make_invitation
from tests.production.prodserver import ROOT, SECRET, Server, free_port
from tests.webflow import answer_everything, consent, token_of

MARKER = "Zyxquorbl"
EMAIL = "zyxquorbl.marker@example.com"


def _wait_for(what: str, check, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def test_the_running_servers_log_never_holds_a_candidates_name_or_email(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'log-privacy.db'}"
    upgrade(url)
    settings = Settings(database_url=url, secret_key=SECRET, _env_file=None)
    engine = make_engine(url)
    closed = free_port()  # nothing listens here: the SMTP server and the ATS are both down
    with Session(engine) as session:
        create_endpoint(
            session, url=f"http://127.0.0.1:{closed}/hooks", events=["assessment.completed"]
        )
        new = make_invitation(session, settings, name=f"Olga {MARKER}", email=EMAIL)
        remind(session, settings=settings, invitation=new.invitation, created_by=None)
        session.commit()
        token, invitation_id = token_of(new.link), new.invitation.id
        candidate_id = new.invitation.candidate_id
    server = Server(
        database_url=url,
        data_dir=tmp_path / "data",
        MAIL_WORKER="true",
        MAIL_POLL_SECONDS="0.2",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(closed),
        WEBHOOK_WORKER="true",
        WEBHOOK_POLL_SECONDS="0.2",
        WEBHOOK_ALLOW_PRIVATE="true",
    ).start()
    try:
        with httpx.Client(base_url=server.url) as candidate:
            consent(candidate, token)  # type: ignore[arg-type]
            answer_everything(candidate, token, answers_for(ie_questionnaire()))  # type: ignore[arg-type]
        _wait_for("the failed email in the log", lambda: "failed" in server.log_path.read_text())

        def webhook_tried() -> bool:
            with Session(engine) as s:
                delivery = s.exec(select(WebhookDelivery)).first()
                return delivery is not None and delivery.attempts >= 1

        _wait_for("a webhook attempt", webhook_tried)
        erased = subprocess.run(
            [sys.executable, "-m", "app", "erase-candidate", str(candidate_id), "--yes"],
            cwd=ROOT,
            env={**server.env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert erased.returncode == 0, erased.stderr
        time.sleep(1)  # a few more worker rounds after the erasure
    finally:
        server.stop()
    with Session(engine) as s:
        assert s.get(Invitation, invitation_id) is not None
    engine.dispose()
    log = server.log_path.read_text()
    assert "failed" in log  # the email failure was logged: the scan below reads real lines
    assert MARKER.lower() not in log.lower()
    assert EMAIL not in log
    assert "zyxquorbl" not in log.lower()
