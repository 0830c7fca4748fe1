"""Staff pages of issue 5: invitation actions, bulk CSV upload with its report, the email
queue and outbox, vacancy options, and the open registration link."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.invitations.invite import Person
from app.invitations.mailer import run_due_emails
from app.invitations.service import create_invitation
from app.mail.transport import list_outbox
from app.models import (
    AuditEvent,
    Candidate,
    EmailStatus,
    Invitation,
    OutgoingEmail,
    Vacancy,
)
from tests.factories import make_user, make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, import_csv, login, token_of


def _csrf(staff: TestClient, url: str) -> str:
    return csrf_of(staff.get(url).text)


def _invite(db: Session, settings, vacancy: Vacancy, email: str | None = "a@example.com"):
    invitation, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Anna", email=email, language="en"),
        created_by=None,
    )
    db.commit()
    return invitation, link


def upload(staff: TestClient, vacancy: Vacancy, data: bytes, name: str = "list.csv"):
    assert vacancy.id is not None
    return import_csv(staff, vacancy.id, data, name)


def test_inviting_with_an_email_queues_the_invitation_email(staff: TestClient, db: Session) -> None:
    vacancy = make_vacancy(db)
    token = _csrf(staff, f"/vacancies/{vacancy.id}")
    data = {"name": "Oleg", "email": "oleg@example.com", "language": "ru", "csrf_token": token}
    r = staff.post(f"/vacancies/{vacancy.id}/invitations", data=data)
    assert r.status_code == 200
    email = db.exec(select(OutgoingEmail)).one()
    assert email.to_email == "oleg@example.com" and email.status == EmailStatus.queued
    assert "приглашение" in email.subject
    page = parse(r.text)
    assert page.one("input", id="new-link").get("value", "").startswith("http://testserver/a/")


def test_a_csv_with_broken_rows_invites_the_valid_ones_and_reports_the_rest(
    staff: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db)
    csv = (
        "name;email;language\nAnna;anna@example.com;en\n;nobody@example.com;ru\n"
        "Boris;not-an-email;ru\nVera;vera@example.com;ru\n"
    )
    r = upload(staff, vacancy, csv.encode("utf-8-sig"))
    assert r.status_code == 200
    names = sorted(c.name for c in db.exec(select(Candidate)).all())
    assert names == ["Anna", "Vera"]
    page = parse(r.text)
    rows = page.one("table").find_all("tr")[1:]
    assert [row.find_all("td")[0].text for row in rows] == ["3", "4"]
    assert len(db.exec(select(OutgoingEmail)).all()) == 2
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "invitation.import")).one()
    assert event.details == {"created": 2, "rejected": 2, "skipped": 0, "reminded": 0}  # no names


def test_a_file_that_is_not_csv_or_too_large_creates_nothing(
    staff: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db)
    r = upload(staff, vacancy, b"PK\x03\x04" + b"\x00" * 200, "book.xlsx")
    assert r.status_code == 422
    assert parse(r.text).find(role="alert") is not None
    r = upload(staff, vacancy, b"name\n" + b"A" * 1_000_100)
    assert r.status_code in (413, 422)
    assert "Traceback" not in r.text
    assert db.exec(select(Invitation)).all() == []


def test_the_import_report_speaks_the_staff_language(staff: TestClient, db: Session) -> None:
    vacancy = make_vacancy(db)
    staff.get("/vacancies?lang=ru")
    r = upload(staff, vacancy, b"name,email\nAnna,broken\n")
    cell = parse(r.text).one("table").find_all("tr")[1].find_all("td")[1].text
    assert any("а" <= ch <= "я" for ch in cell.lower())


def test_revoke_resend_extend_and_remind_from_the_vacancy_page(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    invitation, link = _invite(db, settings, vacancy)
    old_hash = invitation.token_hash
    token = _csrf(staff, f"/vacancies/{vacancy.id}")
    base = f"/invitations/{invitation.id}"
    staff.post(f"{base}/remind", data={"csrf_token": token})
    kinds = sorted(e.kind for e in db.exec(select(OutgoingEmail)).all())
    assert kinds == ["invitation", "reminder"]
    before = invitation.expires_at
    staff.post(f"{base}/extend", data={"csrf_token": token, "days": "7"})
    db.refresh(invitation)
    assert (invitation.expires_at - before).days == 7
    staff.post(f"{base}/revoke", data={"csrf_token": token, "confirm": "yes"})
    db.refresh(invitation)
    assert invitation.revoked_at is not None
    assert staff.get(link.removeprefix("http://testserver")).status_code == 410
    r = staff.post(f"{base}/resend", data={"csrf_token": token})
    db.refresh(invitation)
    assert invitation.revoked_at is None and invitation.token_hash != old_hash
    new_link = parse(r.text).one("input", id="new-link").get("value") or ""
    assert token_of(new_link) != token_of(link)
    assert staff.get(new_link.removeprefix("http://testserver")).status_code == 200
    assert staff.get(link.removeprefix("http://testserver")).status_code == 410  # replaced
    # Each action is in the audit log, in the order it was taken.
    audited = db.exec(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "invitation", AuditEvent.object_id == invitation.id)
        .order_by(col(AuditEvent.id))
    ).all()
    assert audited == [
        "invitation.remind",
        "invitation.extend",
        "invitation.revoke",
        "invitation.resend",
    ]


def test_actions_need_the_csrf_token(staff: TestClient, db: Session, settings) -> None:
    vacancy = make_vacancy(db)
    invitation, _ = _invite(db, settings, vacancy)
    r = staff.post(f"/invitations/{invitation.id}/revoke", data={})
    assert r.status_code == 403
    db.refresh(invitation)
    assert invitation.revoked_at is None


def test_the_outbox_lists_messages_and_shows_one_in_a_sandboxed_frame(
    client: TestClient, db: Session, settings
) -> None:
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, admin.email, STAFF_PASSWORD)
    staff = client
    vacancy = make_vacancy(db)
    _invite(db, settings, vacancy)
    run_due_emails(db, settings=settings)
    page = parse(staff.get("/outbox").text)
    link = page.one("table").find("a")
    assert link is not None
    detail = parse(staff.get(link.get("href") or "").text)
    frame = detail.one("iframe")
    assert frame.get("sandbox") == "" and "<html" in (frame.get("srcdoc") or "").lower()
    assert staff.get("/outbox/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert len(list_outbox(settings.outbox_path)) == 1


def test_failed_emails_are_listed_with_their_error_and_can_be_retried(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    _invite(db, settings, vacancy)
    email = db.exec(select(OutgoingEmail)).one()
    email.status, email.last_error, email.attempts = EmailStatus.failed, "550 no such user", 6
    db.add(email)
    db.commit()
    page = staff.get("/emails")
    assert "550 no such user" in page.text
    staff.post(f"/emails/{email.id}/retry", data={"csrf_token": csrf_of(page.text)})
    db.refresh(email)
    assert email.status == EmailStatus.queued and email.attempts == 0


def test_a_vacancy_chooses_its_questionnaires_and_feedback(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    token = _csrf(staff, f"/vacancies/{vacancy.id}")
    staff.post(
        f"/vacancies/{vacancy.id}/options",
        data={"csrf_token": token, "questionnaires": ["socionics_16"], "feedback": "on"},
    )
    db.refresh(vacancy)
    assert vacancy.questionnaire_ids == ["socionics_16"] and vacancy.feedback_enabled
    invitation, _ = _invite(db, settings, vacancy)
    assert invitation.questionnaire_ids == ["socionics_16"]
    staff.post(f"/vacancies/{vacancy.id}/options", data={"csrf_token": token})
    db.refresh(vacancy)
    assert vacancy.questionnaire_ids == ["socionics_16"]  # none chosen: refused, unchanged


def test_the_open_link_registers_once_per_email(staff: TestClient, db: Session) -> None:
    vacancy = make_vacancy(db)
    token = _csrf(staff, f"/vacancies/{vacancy.id}")
    staff.post(f"/vacancies/{vacancy.id}/open-link", data={"csrf_token": token, "enabled": "on"})
    db.refresh(vacancy)
    assert vacancy.open_token
    url = f"/join/{vacancy.open_token}"
    assert staff.get(url).status_code == 200
    data = {"name": "Self", "email": "self@example.com", "consent": "yes"}
    r = staff.post(url, data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/a/")
    invitation = db.exec(select(Invitation)).one()
    assert invitation.consent_at is not None and invitation.consent_version
    # The same address again: no second invitation, no link shown to whoever typed it.
    r = staff.post(url, data=data | {"email": "SELF@example.com"}, follow_redirects=False)
    assert r.status_code == 200 and "/a/" not in r.text
    assert len(db.exec(select(Invitation)).all()) == 1
    r = staff.post(url, data={"name": "X", "email": "x@example.com"}, follow_redirects=False)
    assert r.status_code == 422  # no consent
    staff.post(f"/vacancies/{vacancy.id}/open-link", data={"csrf_token": token, "enabled": "off"})
    assert staff.get(url).status_code == 404


def test_a_recruiter_cannot_read_the_outbox(staff: TestClient) -> None:
    assert staff.get("/outbox").status_code == 403
