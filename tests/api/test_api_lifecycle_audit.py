"""The API uses the staff pages' invitation lifecycle (emails queued, revoke cancels them) and
writes an audit event for every change, naming the API key that made it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models import ApiKey, AuditEvent, Candidate, EmailStatus, Invitation, OutgoingEmail


def new_vacancy(api: TestClient) -> dict:
    r = api.post("/api/v1/vacancies", json={"title": "Farmer", "language": "en"})
    assert r.status_code == 201, r.text
    return r.json()


def invite(api: TestClient, vacancy_id: int, *people: dict):
    return api.post(f"/api/v1/vacancies/{vacancy_id}/invitations", json={"candidates": people})


def events(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        ).all()
    )


def the_key(db: Session) -> ApiKey:
    return db.exec(select(ApiKey).where(ApiKey.scope == "read_write")).one()


def test_an_api_invitation_with_an_email_queues_one_email_in_the_candidates_language(
    api: TestClient, db: Session
) -> None:
    v = new_vacancy(api)
    r = invite(
        api,
        v["id"],
        {"name": "Anna Petrova", "email": "anna@example.com", "language": "ru"},
        {"name": "Boris Orlov"},  # no address: no email
    )
    assert r.status_code == 201, r.text
    anna = r.json()["invitations"][0]
    email = db.exec(select(OutgoingEmail)).one()
    assert email.to_email == "anna@example.com" and email.invitation_id == anna["id"]
    assert email.kind == "invitation" and email.status == EmailStatus.queued
    assert "приглашение" in email.subject  # Russian, though the vacancy is in English


def test_one_bad_address_refuses_every_invitation_and_every_email(
    api: TestClient, db: Session
) -> None:
    v = new_vacancy(api)
    r = invite(
        api,
        v["id"],
        {"name": "Anna", "email": "anna@example.com"},
        {"name": "Boris", "email": "boris@localhost"},  # the schema's pattern lets it through
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["candidates[1].email"]
    db.expire_all()
    assert db.exec(select(Invitation)).all() == []
    assert db.exec(select(Candidate)).all() == []
    assert db.exec(select(OutgoingEmail)).all() == []
    assert events(db, "invitation.create") == []


def test_revoking_through_the_api_cancels_the_unsent_email(api: TestClient, db: Session) -> None:
    v = new_vacancy(api)
    made = invite(api, v["id"], {"name": "Anna", "email": "anna@example.com"}).json()
    invitation_id = made["invitations"][0]["id"]
    r = api.post(f"/api/v1/invitations/{invitation_id}/revoke")
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    db.expire_all()
    email = db.exec(select(OutgoingEmail)).one()
    assert email.status == EmailStatus.failed and email.next_attempt_at is None
    assert email.last_error is not None and "revoked" in email.last_error


def test_api_writes_are_audited_with_the_keys_prefix(api: TestClient, db: Session) -> None:
    key = the_key(db)
    v = new_vacancy(api)
    api.patch(f"/api/v1/vacancies/{v['id']}", json={"title": "Senior farmer"})
    made = invite(api, v["id"], {"name": "Anna"}, {"name": "Boris"}).json()["invitations"]
    api.post(f"/api/v1/invitations/{made[0]['id']}/revoke")
    api.post(f"/api/v1/invitations/{made[0]['id']}/revoke")  # again: nothing changes
    api.patch(f"/api/v1/vacancies/{v['id']}", json={"title": "Senior farmer"})  # the same
    api.post(f"/api/v1/vacancies/{v['id']}/close")
    api.post(f"/api/v1/vacancies/{v['id']}/close")  # again: nothing changes
    api.post(f"/api/v1/vacancies/{v['id']}/reopen")
    api.post(f"/api/v1/vacancies/{v['id']}/reopen")  # again: nothing changes

    expected = {
        "vacancy.create": [("vacancy", str(v["id"]))],
        "vacancy.update": [("vacancy", str(v["id"]))],
        "vacancy.close": [("vacancy", str(v["id"]))],
        "vacancy.reopen": [("vacancy", str(v["id"]))],
        "invitation.create": [("invitation", str(m["id"])) for m in made],
        "invitation.revoke": [("invitation", str(made[0]["id"]))],
    }
    for action, objects in expected.items():
        rows = events(db, action)
        assert [(e.object_type, e.object_id) for e in rows] == objects, action
        for e in rows:
            assert e.actor_id is None and e.vacancy_id == v["id"]
            assert e.actor_email == f"API key {key.prefix} ({key.name})"
            # What changed, by name (never the values: a title may name a person).
            own = {"fields": ["title"]} if action == "vacancy.update" else {}
            assert e.details == {"api_key_id": key.id, "api_key": key.prefix, **own}


def test_a_refused_write_leaves_no_audit_event(
    api: TestClient, reader: TestClient, db: Session
) -> None:
    v = new_vacancy(api)
    assert reader.post(f"/api/v1/vacancies/{v['id']}/close").status_code == 403
    assert api.patch(f"/api/v1/vacancies/{v['id']}", json={"placement": "boss"}).status_code == 422
    assert events(db, "vacancy.close") == [] and events(db, "vacancy.update") == []
