"""Privacy in the web interface (admins export and erase one candidate) and the retention
policy on a schedule (the service run, the lifespan worker, several instances)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.main import create_app
from app.models import Answer, AuditEvent, Candidate, Erasure, Invitation, Result, Vacancy
from app.privacy import worker
from app.privacy.service import ERASED_NAME
from app.privacy.worker import RETENTION_LOCK, run_retention
from tests.factories import answers_for, ie_questionnaire, make_invitation, make_user, make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, answer_everything, consent, login, token_of

NAME = "Olga Ivanova"


def _completed(client: TestClient, db: Session, settings: Settings, **kw) -> Invitation:
    new = make_invitation(db, settings, **kw)
    token = token_of(new.link)
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))
    db.expire_all()
    return db.get(Invitation, new.invitation.id)  # type: ignore[return-value]


def _events(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_an_admin_exports_the_candidates_data_as_json(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    inv = _completed(client, db, settings, name=NAME, email="olga@example.com")
    login(client, admin.email, STAFF_PASSWORD)
    report = parse(client.get(f"/invitations/{inv.id}/report").text)
    link = report.find(id="privacy-link")
    assert link is not None and link.get("href") == f"/candidates/{inv.candidate_id}/privacy"
    page = client.get(f"/candidates/{inv.candidate_id}/privacy")
    assert page.status_code == 200
    root = parse(page.text)
    assert root.one(id="candidate-name").text.strip() == NAME
    assert root.find(id="export-json") is not None and root.find(id="erase-form") is not None

    r = client.get(f"/candidates/{inv.candidate_id}/export.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    data = json.loads(r.content)
    assert data["candidate"]["name"] == NAME
    assert len(data["tables"]["answers"]) == len(ie_questionnaire().items)
    (invitation,) = data["tables"]["invitations"]
    assert invitation["consent_at"] and invitation["consent_version"] == settings.consent_version
    assert "token_hash" not in invitation
    events = _events(db, "data.export")
    assert [(e.actor_id, e.object_id) for e in events] == [(admin.id, str(inv.candidate_id))]


def test_an_admin_erases_a_candidate_after_confirming(
    client: TestClient, db: Session, settings: Settings
) -> None:
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    inv = _completed(client, db, settings, name=NAME, email="olga@example.com")
    cid = inv.candidate_id
    login(client, admin.email, STAFF_PASSWORD)
    csrf = csrf_of(client.get(f"/candidates/{cid}/privacy").text)

    # Without the box ticked: the form again with a message, nothing erased.
    r = client.post(f"/candidates/{cid}/erase", data={"csrf_token": csrf})
    assert r.status_code == 422
    assert parse(r.text).find(id="confirm-error") is not None
    assert db.exec(select(Erasure)).all() == []
    # Without the CSRF token: refused.
    r = client.post(f"/candidates/{cid}/erase", data={"confirm": "yes"})
    assert r.status_code == 403
    assert db.exec(select(Erasure)).all() == []

    r = client.post(
        f"/candidates/{cid}/erase",
        data={"confirm": "yes", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/candidates/{cid}/privacy?erased=1"
    result = client.get(r.headers["location"])
    root = parse(result.text)
    assert root.find(id="erased-result") is not None and root.find(id="erase-form") is None
    assert NAME not in result.text and "olga@example.com" not in result.text

    db.expire_all()
    candidate = db.get(Candidate, cid)
    assert candidate is not None and (candidate.name, candidate.email) == (ERASED_NAME, None)
    assert db.exec(select(Answer).where(Answer.invitation_id == inv.id)).all() == []
    assert len(db.exec(select(Result).where(Result.invitation_id == inv.id)).all()) == 1
    kept = db.get(Invitation, inv.id)
    assert kept is not None and kept.consent_at is not None
    (event,) = _events(db, "data.erase")
    assert (event.actor_id, event.object_id) == (admin.id, str(cid))
    assert NAME not in json.dumps(event.details)

    # The report and the vacancy's table show an erased candidate, without a name.
    report = client.get(f"/invitations/{inv.id}/report")
    assert report.status_code == 200
    assert parse(report.text).find(id="erased-notice") is not None
    assert NAME not in report.text
    table = client.get(f"/vacancies/{inv.vacancy_id}/candidates")
    assert table.status_code == 200 and NAME not in table.text

    # A second click (a retry) changes nothing and records nothing more.
    r = client.post(f"/candidates/{cid}/erase", data={"confirm": "yes", "csrf_token": csrf})
    assert r.status_code == 200
    assert len(db.exec(select(Erasure)).all()) == 1 and len(_events(db, "data.erase")) == 1


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager"])
def test_other_roles_may_neither_export_nor_erase(
    role: str, client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, email="someone@example.com", password=STAFF_PASSWORD, role=role)
    inv = make_invitation(db, settings, name=NAME).invitation
    cid = inv.candidate_id
    login(client, user.email, STAFF_PASSWORD)
    csrf = csrf_of(client.get("/account").text)
    assert client.get(f"/candidates/{cid}/privacy").status_code == 403
    assert client.get(f"/candidates/{cid}/export.json").status_code == 403
    r = client.post(f"/candidates/{cid}/erase", data={"confirm": "yes", "csrf_token": csrf})
    assert r.status_code == 403
    assert db.exec(select(Erasure)).all() == []
    assert _events(db, "data.export") == []
    if role == "recruiter":  # recruiters see reports, without the privacy link
        report = client.get(f"/invitations/{inv.id}/report")
        assert report.status_code == 200 and parse(report.text).find(id="privacy-link") is None


def test_an_unknown_candidate_is_404(client: TestClient, db: Session) -> None:
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, admin.email, STAFF_PASSWORD)
    csrf = csrf_of(client.get("/account").text)
    assert client.get("/candidates/999999/privacy").status_code == 404
    assert client.get("/candidates/999999/export.json").status_code == 404
    r = client.post("/candidates/999999/erase", data={"confirm": "yes", "csrf_token": csrf})
    assert r.status_code == 404


# --- retention on a schedule ----------------------------------------------------------------


def _closed(db: Session, title: str, days_ago: int, vacancy: Vacancy | None = None) -> Vacancy:
    vacancy = vacancy or make_vacancy(db, title=title)
    vacancy.archived_at = utcnow() - timedelta(days=days_ago)
    db.add(vacancy)
    db.commit()
    return vacancy


def _names(db: Session) -> dict[int | None, str]:
    db.expire_all()
    return {c.id: c.name for c in db.exec(select(Candidate)).all()}


def test_one_scheduled_run_erases_the_old_and_spares_the_young(
    client: TestClient, db: Session, settings: Settings
) -> None:
    days = settings.retention_days_after_close
    # Finished while the vacancy was open (a closed one's new links say it is closed).
    old = make_vacancy(db, title="Closed long ago")
    gone = _completed(client, db, settings, vacancy=old, name="Gone", email="gone@example.com")
    _closed(db, "", days + 1, vacancy=old)
    young = _closed(db, "Closed recently", days - 1)
    stays = make_invitation(db, settings, vacancy=young, name="Stays").invitation

    assert run_retention(db, days=days, now=utcnow()) == [gone.candidate_id]
    names = _names(db)
    assert names[gone.candidate_id] == ERASED_NAME and names[stays.candidate_id] == "Stays"
    assert db.exec(select(Answer).where(Answer.invitation_id == gone.id)).all() == []
    assert len(db.exec(select(Result).where(Result.invitation_id == gone.id)).all()) == 1
    (event,) = _events(db, "data.erase")
    assert event.actor_id is None and event.details["reason"] == "retention"
    # Idempotent: the next run finds nothing more to do.
    assert run_retention(db, days=days, now=utcnow()) == []
    assert len(db.exec(select(Erasure)).all()) == 1
    # Two days on, the younger vacancy's candidate is due in turn.
    assert run_retention(db, days=days, now=utcnow() + timedelta(days=2)) == [stays.candidate_id]


def test_a_second_instance_skips_while_the_first_holds_the_lock(
    engine: Engine, db: Session, settings: Settings
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite runs a single instance")
    days = settings.retention_days_after_close
    old = _closed(db, "Closed long ago", days + 1)
    due = make_invitation(db, settings, vacancy=old, name="Due").invitation
    with engine.connect() as other:  # the other instance, mid-run
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": RETENTION_LOCK})
        assert run_retention(db, days=days, now=utcnow()) is None
        assert _names(db)[due.candidate_id] == "Due"
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RETENTION_LOCK})
        other.commit()
    assert run_retention(db, days=days, now=utcnow()) == [due.candidate_id]


def test_the_server_applies_retention_on_its_own_when_the_worker_is_on(
    db: Session, settings: Settings
) -> None:
    days = settings.retention_days_after_close
    old = _closed(db, "Closed long ago", days + 1)
    due = make_invitation(db, settings, vacancy=old, name="Due").invitation
    app = create_app(settings.model_copy(update={"retention_worker": True}))
    with TestClient(app):
        # The worker's first run starts with the server; wait for it (bounded), no timing assert.
        for _ in range(200):
            if _names(db)[due.candidate_id] == ERASED_NAME:
                break
            time.sleep(0.05)
    assert _names(db)[due.candidate_id] == ERASED_NAME


def test_the_worker_is_off_when_the_setting_says_so(db: Session, settings: Settings) -> None:
    days = settings.retention_days_after_close
    old = _closed(db, "Closed long ago", days + 1)
    due = make_invitation(db, settings, vacancy=old, name="Due").invitation
    assert settings.retention_worker is False  # the test settings
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
    assert _names(db)[due.candidate_id] == "Due"
    # The worker's own tick does the same work as the service when called.
    assert worker.tick(db.get_bind(), days=days) == [due.candidate_id]  # type: ignore[arg-type]
