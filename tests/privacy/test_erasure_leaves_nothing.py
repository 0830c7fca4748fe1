"""After an erasure or a retention run, no text or JSON column of any table still holds the
candidate's name or email, and neither does the log: the webhook outbox included."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest
from factories import answers_for, ie_questionnaire, make_invitation, make_user, make_vacancy
from fastapi.testclient import TestClient
from sqlalchemy import JSON, Engine, String, Text, select
from sqlalchemy import MetaData as SAMetaData
from sqlmodel import Session
from webflow import answer_everything, consent, token_of

from app.config import Settings
from app.db import utcnow
from app.models import Invitation, WebhookDelivery, WebhookEvent
from app.privacy.service import apply_retention, erase_candidate
from app.webhooks.service import create_endpoint, deliver_due

MARKER = "Zyxquorbl"
EMAIL = "zyxquorbl.marker@example.com"


def _hits(engine: Engine) -> list[str]:
    """Every text and JSON value of every table (reflected: later tables are covered too)
    that holds the marker or the email."""
    reflected = SAMetaData()
    reflected.reflect(bind=engine)
    found = []
    with engine.connect() as conn:
        for table in reflected.sorted_tables:
            columns = [
                c
                for c in table.columns
                if isinstance(c.type, String | Text | JSON)
                or str(c.type).upper() in ("JSON", "JSONB")
            ]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    text = str(value)
                    if MARKER.lower() in text.lower():
                        found.append(f"{table.name}.{column.name}")
    return found


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _completed_with_a_pending_webhook(
    client: TestClient, db: Session, settings: Settings, **kw
) -> Invitation:
    create_endpoint(db, url="http://ats.local/hooks", events=["assessment.completed"])
    db.commit()
    new = make_invitation(db, settings, name=f"Olga {MARKER}", email=EMAIL, **kw)
    token = token_of(new.link)
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))
    # The receiver is down: the delivery stays pending, to be retried later.
    down = httpx.Client(transport=httpx.MockTransport(_refuse))
    assert deliver_due(db, now=utcnow(), client=down) == 1
    delivery = db.exec(select(WebhookDelivery)).scalars().one()
    assert delivery.status == "pending"
    db.expire_all()
    return db.get(Invitation, new.invitation.id)  # type: ignore[return-value]


def test_erasure_leaves_the_name_and_email_in_no_table_and_no_log(
    client: TestClient,
    db: Session,
    settings: Settings,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = make_user(db, role="admin")
    inv = _completed_with_a_pending_webhook(client, db, settings)
    assert "webhook_events.payload" in _hits(engine)  # the scan finds what is there
    erase_candidate(db, candidate_id=inv.candidate_id, actor=admin)
    db.commit()
    assert _hits(engine) == []
    # Nothing is sent after the erasure: the pending delivery is gone, nothing to retry.
    sent: list[httpx.Request] = []
    up = httpx.Client(
        transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    )
    assert deliver_due(db, now=utcnow() + timedelta(days=3), client=up) == 0
    assert sent == []
    assert db.exec(select(WebhookDelivery)).scalars().all() == []
    event = db.exec(select(WebhookEvent)).scalars().one()
    assert event.payload == {"erased": True}
    log = caplog.text.lower()
    assert MARKER.lower() not in log and EMAIL not in log


def test_retention_leaves_the_name_and_email_in_no_table(
    client: TestClient, db: Session, settings: Settings, engine: Engine
) -> None:
    old = make_vacancy(db, title="Closed long ago")
    inv = _completed_with_a_pending_webhook(client, db, settings, vacancy=old)
    now = utcnow()
    old = db.merge(old)
    old.archived_at = now - timedelta(days=200)
    db.add(old)
    db.commit()
    assert apply_retention(db, days=180, now=now) == [inv.candidate_id]
    db.commit()
    assert _hits(engine) == []
    assert db.exec(select(WebhookDelivery)).scalars().all() == []
