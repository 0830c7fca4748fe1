"""Withdrawing a link asks first, on a page of its own (no script needed): the vacancy page
links to it, the page changes nothing, and only its form withdraws; a second click neither
withdraws again nor adds to the audit log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import AuditEvent, Invitation
from tests.factories import make_vacancy
from tests.htmlq import csrf_of, form_fields, parse


def _invitation(db: Session, settings) -> Invitation:
    vacancy = make_vacancy(db)
    invitation, _ = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Анна Петрова", email="anna@example.com", language="ru"),
        created_by=None,
    )
    db.commit()
    return invitation


def _revokes(db: Session) -> int:
    db.expire_all()
    return len(db.exec(select(AuditEvent).where(AuditEvent.action == "invitation.revoke")).all())


def test_the_vacancy_page_links_to_the_question_which_changes_nothing(
    staff: TestClient, db: Session, settings
) -> None:
    invitation = _invitation(db, settings)
    vacancy_page = parse(staff.get(f"/vacancies/{invitation.vacancy_id}?lang=ru").text)
    url = f"/invitations/{invitation.id}/revoke"
    assert vacancy_page.find_all("a", href=url)
    assert not vacancy_page.find_all("form", action=url)  # no one-click withdrawal left
    r = staff.get(url)
    assert r.status_code == 200
    page = parse(r.text)
    assert page.one("h1").text == "Отозвать ссылку?"
    assert page.one(id="revoke-name").text == "Анна Петрова"
    assert page.one("form", id="revoke-form")
    db.refresh(invitation)
    assert invitation.revoked_at is None and _revokes(db) == 0


def test_a_post_without_the_confirmation_only_asks(
    staff: TestClient, db: Session, settings
) -> None:
    invitation = _invitation(db, settings)
    token = csrf_of(staff.get(f"/vacancies/{invitation.vacancy_id}").text)
    r = staff.post(f"/invitations/{invitation.id}/revoke", data={"csrf_token": token})
    assert r.status_code == 200 and parse(r.text).one("form", id="revoke-form")
    db.refresh(invitation)
    assert invitation.revoked_at is None and _revokes(db) == 0


def test_confirming_withdraws_once(staff: TestClient, db: Session, settings) -> None:
    invitation = _invitation(db, settings)
    fields = form_fields(staff.get(f"/invitations/{invitation.id}/revoke").text, id="revoke-form")
    r = staff.post(f"/invitations/{invitation.id}/revoke", data=fields, follow_redirects=False)
    assert r.status_code == 303
    db.refresh(invitation)
    first = invitation.revoked_at
    assert first is not None and _revokes(db) == 1
    again = staff.post(f"/invitations/{invitation.id}/revoke", data=fields, follow_redirects=False)
    assert again.status_code == 303
    db.refresh(invitation)
    assert invitation.revoked_at == first and _revokes(db) == 1
    # The question page now says it is done, and offers no button.
    page = parse(staff.get(f"/invitations/{invitation.id}/revoke").text)
    assert page.one(id="revoke-state") and not page.find("form", id="revoke-form")


def test_a_completed_assessment_is_not_offered_for_withdrawal(
    staff: TestClient, db: Session, settings
) -> None:
    invitation = _invitation(db, settings)
    invitation.completed_at = utcnow()
    db.add(invitation)
    db.commit()
    page = parse(staff.get(f"/invitations/{invitation.id}/revoke").text)
    assert page.one(id="revoke-state") and not page.find("form", id="revoke-form")
