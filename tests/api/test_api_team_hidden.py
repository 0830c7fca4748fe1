"""The team's internal vacancy (issue 18) through the API and the webhooks: the employee
consent names only the company's admins and recruiters as seeing the result, so an ATS gets
neither the vacancy, nor an employee as a candidate, nor an event about their link."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.models import Invitation, WebhookEvent
from app.webhooks.service import create_endpoint, sweep_expired
from tests.api.helpers import complete
from tests.factories import make_employee_link, make_invitation


def test_no_api_path_by_id_reaches_the_team_vacancy_or_an_employee(
    api: TestClient, db: Session, settings: Settings
) -> None:
    done = make_employee_link(db, settings, name="Olga Belova").invitation
    complete(db, done)
    open_link = make_employee_link(db, settings, name="Ivan Orlov").invitation
    candidate = make_invitation(db, settings).invitation
    team_id = done.vacancy_id
    gone = [
        api.get(f"/api/v1/vacancies/{team_id}"),
        api.patch(f"/api/v1/vacancies/{team_id}", json={"title": "Hunter"}),
        api.post(f"/api/v1/vacancies/{team_id}/close"),
        api.post(f"/api/v1/vacancies/{team_id}/reopen"),
        api.post(f"/api/v1/vacancies/{team_id}/invitations", json={"candidates": [{"name": "A"}]}),
        api.get(f"/api/v1/candidates/{done.id}"),
        api.get(f"/api/v1/candidates/{done.id}/results"),
        api.get(f"/api/v1/candidates/{done.id}/report.pdf"),
        api.post(f"/api/v1/invitations/{open_link.id}/revoke"),
    ]
    assert [r.status_code for r in gone] == [404] * len(gone)
    db.expire_all()
    assert db.get(Invitation, open_link.id).revoked_at is None  # type: ignore[union-attr]
    listed = api.get("/api/v1/candidates").json()["data"]
    assert [c["id"] for c in listed] == [candidate.id]
    assert api.get(f"/api/v1/candidates?vacancy_id={team_id}").json()["data"] == []
    # The hiring candidate is still there.
    assert api.get(f"/api/v1/candidates/{candidate.id}").status_code == 200


def test_an_employees_finished_or_expired_link_sends_no_webhook(
    db: Session, settings: Settings
) -> None:
    create_endpoint(
        db, url="http://ats.local/hooks", events=["assessment.completed", "invitation.expired"]
    )
    db.commit()
    complete(db, make_employee_link(db, settings, name="Olga Belova").invitation)
    late = make_employee_link(db, settings, name="Ivan Orlov").invitation
    late.expires_at = utcnow() - timedelta(minutes=1)
    db.add(late)
    db.commit()
    assert sweep_expired(db, now=utcnow()) == 0
    db.commit()
    assert db.exec(select(WebhookEvent)).all() == []
    # A candidate's finish is still announced.
    complete(db, make_invitation(db, settings).invitation)
    assert [e.event for e in db.exec(select(WebhookEvent)).all()] == ["assessment.completed"]
