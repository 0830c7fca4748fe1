"""Each email exactly once: two app instances share the queue on PostgreSQL while the SMTP
server is slow; every message arrives once, none is re-queued as stuck while it is sent."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.invitations.invite import Person
from app.invitations.mailer import run_due_emails
from app.invitations.service import create_invitation
from app.models import EmailStatus, OutgoingEmail
from tests.factories import make_vacancy
from tests.mail.mailhelpers import Collector, smtp_server

SPEED = 120  # one real second is two minutes on the instances' clocks
SEND_SECONDS = 1.0


class SlowCollector(Collector):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(SEND_SECONDS)
        return await super().handle_DATA(server, session, envelope)


def test_two_instances_and_a_slow_smtp_server_send_each_email_once(
    db: Session, settings: Settings
) -> None:
    if db.bind is None or db.bind.dialect.name != "postgresql":
        pytest.skip("several instances share one queue on PostgreSQL")
    vacancy = make_vacancy(db)
    for n in range(6):
        create_invitation(
            db,
            settings=settings,
            vacancy=vacancy,
            invitee=Person(f"Кандидат {n}", email=f"c{n}@example.com", language="ru"),
            created_by=None,
        )
    db.commit()
    start, t0 = utcnow(), time.monotonic()

    def clock() -> datetime:
        return start + timedelta(seconds=(time.monotonic() - t0) * SPEED)

    handler = SlowCollector()
    errors: list[BaseException] = []
    with smtp_server(handler) as server:
        slow = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_tls": "none"}
        )

        def instance(pause: float) -> None:
            try:
                with Session(db.get_bind()) as session:
                    run_due_emails(session, settings=slow, clock=clock)
                    # Later, past ten minutes on the clock, while the other is still sending:
                    # its rows in "sending" must not look stuck.
                    time.sleep(pause)
                    run_due_emails(session, settings=slow, clock=clock)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=instance, args=(p,)) for p in (0.0, 5.5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert errors == []
    counts = Counter(str(m["Message-ID"]) for m in handler.messages())
    assert len(counts) == 6 and set(counts.values()) == {1}, counts
    db.expire_all()
    assert {r.status for r in db.exec(select(OutgoingEmail)).all()} == {EmailStatus.sent}
