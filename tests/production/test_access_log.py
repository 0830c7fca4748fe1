"""The access log never holds a candidate's link token: it is the candidate's credential."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from sqlmodel import Session

from app.config import Settings
from app.db import make_engine
from app.migrations import upgrade
from app.security.logs import RedactLinkTokens, redact_path
from tests.factories import make_invitation
from tests.production.prodserver import SECRET, Server
from tests.webflow import token_of

TOKEN = "Abc123_-" * 5


def test_a_candidate_links_token_is_replaced_in_access_log_lines() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", f"/a/{TOKEN}/q/ie/2?check=1", "1.1", 200),
        None,
    )
    assert RedactLinkTokens().filter(record)
    assert TOKEN not in record.getMessage()
    assert "/a/[token]/q/ie/2?check=1" in record.getMessage()
    assert redact_path(f"/a/{TOKEN}") == "/a/[token]"
    assert redact_path("/vacancies/3") == "/vacancies/3"


def test_the_running_servers_log_shows_no_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'logs.db'}"
    upgrade(url)
    settings = Settings(database_url=url, secret_key=SECRET, _env_file=None)
    engine = make_engine(url)
    with Session(engine) as session:
        token = token_of(make_invitation(session, settings).link)
    engine.dispose()
    server = Server(database_url=url, data_dir=tmp_path / "data").start()
    try:
        assert httpx.get(f"{server.url}/a/{token}").status_code == 200
        assert httpx.get(f"{server.url}/a/{token}/q/x/1").status_code in (303, 404)
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert '"GET /a/[token] HTTP/1.1" 200' in log
    assert token not in log
