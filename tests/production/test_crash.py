"""Crash safety: SIGKILL the server while candidates save answers; every acknowledged save
survives the restart, on SQLite and on PostgreSQL.

An answer is acknowledged when the server answered 200 to its save: the route commits before it
responds. A save in flight at the kill may or may not have been committed; either is correct,
so for each item the stored value must be the last acknowledged one or the one in flight.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.db import make_engine
from app.migrations import upgrade
from app.models import Answer, Invitation
from tests.factories import ie_questionnaire, make_invitation, make_vacancy
from tests.production.prodserver import SECRET, Server, fresh_postgres_database
from tests.webflow import QID, token_of

CANDIDATES = 8
MIN_SAVES = 5
EXTRA_SECONDS = 0.5


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    pg = os.environ.get("TEST_DATABASE_URL", "")
    if not pg.startswith("postgresql"):
        pytest.skip("set TEST_DATABASE_URL to a PostgreSQL database to run the PostgreSQL case")
    with fresh_postgres_database(pg) as url:
        yield url


@dataclass
class Candidate:
    token: str
    acknowledged: dict[str, int] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)
    saves: int = 0


def _answer_until_refused(server: Server, cand: Candidate, stop: threading.Event) -> None:
    q = ie_questionnaire()
    items = [(item.id, q.points_of(item)) for item in q.items]
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.post(f"/a/{cand.token}/consent", data={"consent": "yes"})
        n = 0
        while not stop.is_set():
            item, points = items[n % len(items)]
            value = (n // len(items)) % points + 1
            cand.in_flight = {item: value}
            try:
                r = client.post(
                    f"/a/{cand.token}/save",
                    json={"questionnaire": QID, "item": item, "value": value},
                )
            except httpx.HTTPError:
                return  # the server is gone: this save was never acknowledged
            if r.status_code == 200 and r.json().get("ok"):
                cand.acknowledged[item] = value
                cand.saves += 1
            cand.in_flight = {}
            n += 1


def test_acknowledged_answers_survive_a_sigkill(database: str, tmp_path: Path) -> None:
    upgrade(database)
    settings = Settings(
        database_url=database,
        secret_key=SECRET,
        _env_file=None,
    )
    engine = make_engine(database)
    with Session(engine) as session:
        vacancy = make_vacancy(session)
        candidates = [
            Candidate(token_of(make_invitation(session, settings, vacancy=vacancy).link))
            for _ in range(CANDIDATES)
        ]
    env = {"RATE_LIMIT_CANDIDATE": "1000000"}
    server = Server(database_url=database, data_dir=tmp_path / "data", **env).start()
    stop = threading.Event()
    threads = [
        threading.Thread(target=_answer_until_refused, args=(server, c, stop)) for c in candidates
    ]
    try:
        for t in threads:
            t.start()
        # Kill once every candidate has a few acknowledged saves (the machine may be busy).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and min(c.saves for c in candidates) < MIN_SAVES:
            time.sleep(0.05)
        time.sleep(EXTRA_SECONDS)
        server.kill()  # mid-way: the candidates are still saving
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        server.stop()
    assert all(c.saves >= MIN_SAVES for c in candidates), "every candidate saved before the kill"

    restarted = Server(database_url=database, data_dir=tmp_path / "data", **env).start()
    try:
        assert httpx.get(restarted.url + "/healthz").json() == {"status": "ok"}
        with Session(engine) as session:
            stored = {
                (a.invitation_id, a.item_id): a.value for a in session.exec(select(Answer)).all()
            }
            tokens = _invitation_ids(session, candidates)
    finally:
        restarted.stop()
        engine.dispose()
    lost = []
    for cand in candidates:
        inv = tokens[cand.token]
        for item, value in cand.acknowledged.items():
            got = stored.get((inv, item))
            if got != value and got != cand.in_flight.get(item):
                lost.append((cand.token[:6], item, value, got))
    assert lost == [], f"acknowledged answers lost or wrong: {lost[:10]}"
    assert sum(len(c.acknowledged) for c in candidates) > 0


def _invitation_ids(session: Session, candidates: list[Candidate]) -> dict[str, int]:
    from app.security.hashes import hash_token

    ids = {}
    for cand in candidates:
        inv = session.exec(
            select(Invitation).where(Invitation.token_hash == hash_token(cand.token))
        ).one()
        assert inv.id is not None
        ids[cand.token] = inv.id
    return ids
