"""Assessing the current team: a link from the team page, the employee consent text (stored
with its version), the result attached to the employee and kept off hiring pages, and
withdrawal by the employee or by an admin, which erases the assessment."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.models import (
    Answer,
    AuditEvent,
    Employee,
    FitRecord,
    Invitation,
    OutgoingEmail,
    Result,
    Vacancy,
)
from app.outcomes.service import add_employee, hire, invite_employee
from tests.factories import answers_for, ensure_organisation, ie_questionnaire, make_user
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, answer_everything, consent, login, token_of


@pytest.fixture
def admin(client: TestClient, db: Session) -> TestClient:
    ensure_organisation(db)
    make_user(db, email="boss@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, "boss@example.com", STAFF_PASSWORD)
    client.get("/team?lang=ru")
    return client


def _csrf(client: TestClient) -> str:
    return csrf_of(client.get("/account").text)


def _employee(db: Session, *, email: str | None = "olga@example.com") -> Employee:
    row = add_employee(
        db,
        name="Ольга Белова",
        email=email,
        role="farmer",
        team="Москва",
        started_on=date(2024, 2, 1),
    )
    db.commit()
    return row


def _link(db: Session, settings: Settings, employee: Employee) -> str:
    sent = invite_employee(
        db, settings=settings, employee=employee, created_by=None, title="Team assessment"
    )
    db.commit()
    return token_of(sent.link)


def _emailed_link(db: Session) -> str:
    row = db.exec(select(OutgoingEmail).where(OutgoingEmail.kind == "employee")).one()
    msg = message_from_bytes(row.message)
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    return next(w for w in body.split() if "/a/" in w)


def test_an_admin_emails_an_employee_a_link_with_the_employee_consent(
    admin: TestClient, db: Session, settings: Settings
) -> None:
    employee = _employee(db)
    r = admin.post(
        f"/team/employees/{employee.id}/invite",
        data={"csrf_token": _csrf(admin)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    email = db.exec(select(OutgoingEmail)).one()
    assert (email.kind, email.to_email) == ("employee", "olga@example.com")
    assert "вакансию" not in email.subject
    token = token_of(_emailed_link(db))
    welcome = admin.get(f"/a/{token}?lang=ru")
    assert welcome.status_code == 200
    text = parse(welcome.text).text
    assert "На вашу работу и зарплату это не влияет" in text
    assert "Как отозвать согласие" in text and "рассмотрения вашей кандидатуры" not in text
    consent(admin, token)
    db.expire_all()
    invitation = db.exec(select(Invitation)).one()
    assert invitation.consent_version == "employee-2026-12"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "employee.invite")).one()
    page = parse(admin.get("/team").text)
    assert "ссылка отправлена" in page.one("tr", data_employee=str(employee.id)).text


def test_the_consent_record_keeps_the_saved_employee_text_version(
    admin: TestClient, db: Session, settings: Settings
) -> None:
    r = admin.post(
        "/admin/texts/employee_consent/en",
        data={
            "csrf_token": _csrf(admin),
            "body": "We, {operator} ({address}), ask staff of {company}. It does not affect "
            "your pay. Withdraw at {contact}.",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    token = _link(db, settings, _employee(db))
    assert "It does not affect your pay" in admin.get(f"/a/{token}?lang=en").text
    consent(admin, token)
    db.expire_all()
    assert db.exec(select(Invitation)).one().consent_version == "employee.en.1"
    # Candidates still read the candidates' consent.
    org_page = admin.get("/admin/organisation").text
    assert "/admin/texts/employee_consent/ru" in org_page


def test_the_result_attaches_to_the_employee_and_not_to_a_hiring_page(
    admin: TestClient, db: Session, settings: Settings
) -> None:
    employee = _employee(db)
    token = _link(db, settings, employee)
    consent(admin, token)
    answer_everything(admin, token, answers_for(ie_questionnaire()))
    db.expire_all()
    row = db.get(Employee, employee.id)
    invitation = db.exec(select(Invitation)).one()
    assert row is not None and row.invitation_id == invitation.id
    team = db.exec(select(Vacancy).where(Vacancy.kind == "team")).one()
    assert f"/vacancies/{team.id}" not in admin.get("/vacancies").text
    assert f"/vacancies/{team.id}" not in admin.get("/").text
    # No second link for someone whose assessment counts.
    r = admin.post(f"/team/employees/{employee.id}/invite", data={"csrf_token": _csrf(admin)})
    assert r.status_code == 409
    assert db.exec(select(Invitation)).all() == [invitation]


def test_the_employee_withdraws_on_the_thank_you_page_and_the_answers_are_erased(
    admin: TestClient, db: Session, settings: Settings
) -> None:
    employee = _employee(db)
    token = _link(db, settings, employee)
    consent(admin, token)
    answer_everything(admin, token, answers_for(ie_questionnaire()))
    db.expire_all()
    inv_id = db.exec(select(Invitation)).one().id
    done = parse(admin.get(f"/a/{token}/done").text)
    assert done.one("form", action=f"/a/{token}/withdraw")
    # Without the box ticked, nothing is erased and the page asks again.
    r = admin.post(f"/a/{token}/withdraw", data={}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/done?confirm=1")
    assert db.exec(select(Result).where(Result.invitation_id == inv_id)).all()
    r = admin.post(f"/a/{token}/withdraw", data={"confirm": "yes"})
    assert r.status_code == 200 and parse(r.text).one(id="withdrawn")
    db.expire_all()
    for table in (Answer, Result, FitRecord):
        assert db.exec(select(table).where(table.invitation_id == inv_id)).all() == []
    row = db.get(Employee, employee.id)
    assert row is not None and row.invitation_id is None  # still on the team
    invitation = db.get(Invitation, inv_id)
    assert invitation is not None and invitation.consent_version == "employee-2026-12"
    assert admin.get(f"/a/{token}").status_code == 404  # the link is dead
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "employee.withdraw")).one()
    assert event.details["via"] == "employee" and event.details["removed"]["results"] >= 1


def test_a_candidates_link_offers_no_withdrawal_here(
    admin: TestClient, db: Session, settings: Settings
) -> None:
    from tests.factories import make_invitation

    new = make_invitation(db, settings)
    token = token_of(new.link)
    consent(admin, token)
    answer_everything(admin, token, answers_for(ie_questionnaire()))
    assert f"/a/{token}/withdraw" not in admin.get(f"/a/{token}/done").text
    assert admin.post(f"/a/{token}/withdraw", data={"confirm": "yes"}).status_code == 404


def test_an_admin_withdraws_consent_for_an_employee_who_wrote_in(
    admin: TestClient, db: Session, settings: Settings
) -> None:
    employee = _employee(db)
    token = _link(db, settings, employee)
    consent(admin, token)
    answer_everything(admin, token, answers_for(ie_questionnaire()))
    url = f"/team/employees/{employee.id}/withdraw"
    assert admin.post(url, data={"csrf_token": _csrf(admin)}).status_code == 422
    r = admin.post(url, data={"csrf_token": _csrf(admin), "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    db.expire_all()
    assert db.exec(select(Result)).all() == [] and db.exec(select(Answer)).all() == []
    row = db.get(Employee, employee.id)
    assert row is not None and row.invitation_id is None
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "employee.withdraw")).one()
    assert event.details["via"] == "admin" and event.actor_id is not None


def test_erasing_an_employee_on_request_takes_their_assessment_too(
    admin: TestClient, db: Session, settings: Settings
) -> None:
    """The employee consent promises the answers and result go; an erasure, asked for on the
    privacy page, must not keep more than a withdrawal does."""
    employee = _employee(db)
    person = employee.candidate_id
    token = _link(db, settings, employee)
    consent(admin, token)
    answer_everything(admin, token, answers_for(ie_questionnaire()))
    # The team page leads to the employee's personal data.
    team = parse(admin.get("/team").text)
    assert team.one("a", href=f"/candidates/{person}/privacy")
    page = admin.get(f"/candidates/{person}/privacy").text
    assert "Персональные данные сотрудника" in page
    r = admin.post(
        f"/candidates/{person}/erase",
        data={"csrf_token": _csrf(admin), "confirm": "yes"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.expire_all()
    for table in (Answer, Result, FitRecord):
        assert db.exec(select(table)).all() == []
    assert db.exec(select(Employee)).all() == []
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "data.erase")).one()
    assert event.details["scores_kept"] is False
    assert "сделки остаются без имени" in admin.get(f"/candidates/{person}/privacy?erased=1").text


def test_sending_to_everyone_reaches_only_those_without_a_result_or_link(
    admin: TestClient, db: Session, settings: Settings, client: TestClient
) -> None:
    _employee(db, email="a@example.com")
    add_employee(
        db, name="B", email="b@example.com", role="hunter", team="", started_on=date(2024, 1, 1)
    )
    add_employee(
        db, name="No email", email=None, role="hunter", team="", started_on=date(2024, 1, 1)
    )
    add_employee(
        db,
        name="Left",
        email="left@example.com",
        role="hunter",
        team="",
        started_on=date(2020, 1, 1),
        ended_on=date(2021, 1, 1),
    )
    db.commit()
    r = admin.post("/team/invite-all", data={"csrf_token": _csrf(admin)}, follow_redirects=False)
    assert r.headers["location"] == "/team?invited=2"
    assert sorted(e.to_email for e in db.exec(select(OutgoingEmail)).all()) == [
        "a@example.com",
        "b@example.com",
    ]
    # Again: everyone reachable has an open link now.
    r = admin.post("/team/invite-all", data={"csrf_token": _csrf(admin)}, follow_redirects=False)
    assert r.headers["location"] == "/team?invited=0"
    assert len(db.exec(select(OutgoingEmail)).all()) == 2


def test_an_employee_without_email_gets_the_link_shown_once(admin: TestClient, db: Session) -> None:
    employee = _employee(db, email=None)
    r = admin.post(f"/team/employees/{employee.id}/invite", data={"csrf_token": _csrf(admin)})
    assert r.status_code == 200
    assert "/a/" in parse(r.text).one(id="new-link").text


def test_a_hired_candidate_keeps_their_result_and_gets_no_second_link(
    admin: TestClient, db: Session, settings: Settings
) -> None:
    from tests.factories import make_invitation

    new = make_invitation(db, settings, name="Hired", email="hired@example.com")
    token = token_of(new.link)
    consent(admin, token)
    answer_everything(admin, token, answers_for(ie_questionnaire()))
    db.expire_all()
    invitation = db.get(Invitation, new.invitation.id)
    assert invitation is not None
    row = hire(db, invitation=invitation, role="hunter", team="", started_on=date(2025, 1, 1))
    db.commit()
    assert row.invitation_id == invitation.id
    page = parse(admin.get("/team").text)
    assert "/invite" not in str(page.one("tr", data_employee=str(row.id)).text)
    r = admin.post(f"/team/employees/{row.id}/invite", data={"csrf_token": _csrf(admin)})
    assert r.status_code == 409
