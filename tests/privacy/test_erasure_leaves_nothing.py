"""After an erasure or a retention run, no text or JSON column of any table still holds the
candidate's name or email, and neither does the log: the webhook outbox included.

The marker goes into every field a person types about the candidate: the name and email, the
hiring manager's decision note and checklist comment, the candidate's own rating comment; a
reminder is queued, the vacancy is exported, and the candidate is hired into the sales team.
An employee assessed through the team's own link is covered the same way."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, Engine, LargeBinary, String, Text, select
from sqlalchemy import MetaData as SAMetaData
from sqlmodel import Session

from app.config import Settings
from app.db import utcnow
from app.decisions.service import record_decision
from app.invitations.mailer import run_due_emails
from app.invitations.service import remind
from app.models import Employee, Erasure, Invitation, WebhookDelivery, WebhookEvent
from app.outcomes.service import add_employee, hire, invite_employee
from app.privacy.service import apply_retention, erase_candidate
from app.reports.checklist import save_checklist
from app.webhooks.service import create_endpoint, deliver_due
from socionics.portrait import load_portrait
from tests.factories import (
    answers_for,
    ensure_organisation,
    ie_questionnaire,
    make_invitation,
    make_user,
    make_vacancy,
)
from tests.webflow import STAFF_PASSWORD, answer_everything, consent, login, token_of

MARKER = "Zyxquorbl"
EMAIL = "zyxquorbl.marker@example.com"


BEFORE = {
    "candidates.name",
    "candidates.email",
    "decisions.note",
    "checklist_answers.comment",
    "assessment_ratings.comment",
    "outgoing_emails.to_email",
    "outgoing_emails.message",
    "employees.team",
    "webhook_events.payload",
}


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
                if isinstance(c.type, String | Text | JSON | LargeBinary)
                or str(c.type).upper() in ("JSON", "JSONB")
            ]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        # A MIME message: its headers may be encoded, its body is not.
                        text = bytes(value).decode("utf-8", "replace")
                    else:
                        text = str(value)
                    if MARKER.lower() in text.lower():
                        found.append(f"{table.name}.{column.name}")
    return found


def _files_with_marker(settings: Settings) -> list[str]:
    """Files the application wrote (the outbox of emails among them) that hold the marker."""
    return [
        str(path)
        for path in settings.data_dir.rglob("*")
        if path.is_file() and MARKER.lower() in path.read_bytes().decode("utf-8", "replace").lower()
    ]


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _completed_with_a_pending_webhook(
    client: TestClient, db: Session, settings: Settings, **kw
) -> Invitation:
    create_endpoint(db, url="http://ats.local/hooks", events=["assessment.completed"])
    db.commit()
    manager = make_user(db, role="admin", password=STAFF_PASSWORD)
    new = make_invitation(db, settings, name=f"Olga {MARKER}", email=EMAIL, **kw)
    token = token_of(new.link)
    consent(client, token)
    invitation = db.get(Invitation, new.invitation.id)
    assert invitation is not None
    remind(db, settings=settings, invitation=invitation, created_by=manager)
    db.commit()
    # No SMTP server is set: the reminder is written to the outbox folder.
    assert run_due_emails(db, settings=settings, now=utcnow()) == 1
    answer_everything(client, token, answers_for(ie_questionnaire()))
    r = client.post(
        f"/a/{token}/rating",
        data={"rating": "4", "comment": f"Long but clear, {MARKER}"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.expire_all()
    invitation = db.get(Invitation, new.invitation.id)
    assert invitation is not None
    record_decision(
        db, invitation=invitation, author=manager, decision="advance", note=f"Strong {MARKER}"
    )
    trait = load_portrait().traits[0].id
    save_checklist(
        db,
        invitation_id=invitation.id,  # type: ignore[arg-type]
        form={f"checked-{trait}": "yes", f"comment-{trait}": f"Asked about {MARKER}"},
        author=manager,
    )
    hire(db, invitation=invitation, role="hunter", team=f"Team {MARKER}", started_on=date.today())
    db.commit()
    login(client, manager.email, STAFF_PASSWORD)
    export = client.get(f"/vacancies/{invitation.vacancy_id}/export.csv")
    assert export.status_code == 200 and MARKER in export.text
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
    admin = make_user(db, role="admin", email="eraser@example.com")
    inv = _completed_with_a_pending_webhook(client, db, settings)
    # The scan finds what is there, in every place the marker went.
    assert set(_hits(engine)) >= BEFORE
    assert _files_with_marker(settings)
    erase_candidate(db, candidate_id=inv.candidate_id, actor=admin)
    db.commit()
    assert _hits(engine) == []
    erasure = db.exec(select(Erasure)).scalars().one()
    assert _files_with_marker(settings) == [], erasure.removed
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
    # Hired, the candidate follows the employee rule: erased a year after they left.
    employee = (
        db.exec(select(Employee).where(Employee.candidate_id == inv.candidate_id)).scalars().one()
    )
    employee.ended_on = date.today() - timedelta(days=400)
    db.add(employee)
    db.commit()
    assert set(_hits(engine)) >= BEFORE and _files_with_marker(settings)
    assert apply_retention(db, days=180, now=now) == []
    assert apply_retention(db, days=180, now=now, leaver_days=365) == [inv.candidate_id]
    db.commit()
    assert _hits(engine) == []
    assert _files_with_marker(settings) == []
    assert db.exec(select(WebhookDelivery)).scalars().all() == []


def test_an_employees_team_assessment_leaves_nothing_after_an_erasure(
    client: TestClient, db: Session, settings: Settings, engine: Engine
) -> None:
    ensure_organisation(db)
    employee = add_employee(
        db,
        name=f"Olga {MARKER}",
        email=EMAIL,
        role="farmer",
        team=f"Team {MARKER}",
        started_on=date(2024, 1, 1),
    )
    db.commit()
    sent = invite_employee(
        db, settings=settings, employee=employee, created_by=None, title="Team assessment"
    )
    db.commit()
    # No SMTP server is set: the invitation is written to the outbox folder.
    assert run_due_emails(db, settings=settings, now=utcnow()) == 1
    token = token_of(sent.link)
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))
    r = client.post(f"/a/{token}/rating", data={"comment": f"Fine, {MARKER}"})
    assert r.status_code == 200
    assert {"candidates.name", "employees.team", "assessment_ratings.comment"} <= set(_hits(engine))
    assert _files_with_marker(settings)
    erase_candidate(db, candidate_id=employee.candidate_id, actor=None)
    db.commit()
    assert _hits(engine) == []
    assert _files_with_marker(settings) == []
