"""Vacancies, invitations and the candidate list."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.models import Invitation, Vacancy
from app.security.hashes import hash_token
from tests.factories import make_invitation, make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import token_of


def test_a_recruiter_creates_a_vacancy(staff: TestClient, db: Session) -> None:
    form = staff.get("/vacancies/new")
    placements = [
        o.get("value")
        for o in parse(form.text).one("select", name="placement").iter()
        if o.tag == "option"
    ]
    assert placements == ["hunter", "farmer", "sales_operations", "universal", "undecided"]
    data = {"title": "Hunter, Moscow", "placement": "hunter", "language": "ru"}
    r = staff.post(
        "/vacancies", data=data | {"csrf_token": csrf_of(form.text)}, follow_redirects=False
    )
    assert r.status_code == 303
    vacancy = db.exec(select(Vacancy)).one()
    assert (vacancy.title, vacancy.placement, vacancy.language) == (
        "Hunter, Moscow",
        "hunter",
        "ru",
    )
    # New vacancies ask for both questionnaires unless the form says otherwise.
    assert vacancy.questionnaire_ids == ["introversion_extraversion", "socionics_16"]
    assert r.headers["location"] == f"/vacancies/{vacancy.id}"
    listing = parse(staff.get("/vacancies").text)
    assert listing.one("a", href=f"/vacancies/{vacancy.id}").text == "Hunter, Moscow"


def test_a_vacancy_form_with_errors_comes_back_with_them_marked(
    staff: TestClient, db: Session
) -> None:
    form = staff.get("/vacancies/new")
    data = {"title": "  ", "placement": "astronaut", "language": "de"}
    r = staff.post("/vacancies", data=data | {"csrf_token": csrf_of(form.text)})
    assert r.status_code == 422
    page = parse(r.text)
    assert {e.get("id") for e in page.find_all("p", class_="field-error")} == {
        "title-error",
        "placement-error",
        "language-error",
    }
    assert db.exec(select(Vacancy)).all() == []


def test_inviting_shows_the_link_once_and_stores_only_its_hash(
    staff: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db)
    page = staff.get(f"/vacancies/{vacancy.id}")
    data = {"name": "Oleg Ivanov", "email": "oleg@example.com", "language": "ru"}
    r = staff.post(
        f"/vacancies/{vacancy.id}/invitations", data=data | {"csrf_token": csrf_of(page.text)}
    )
    assert r.status_code == 200
    link = parse(r.text).one("input", id="new-link").get("value")
    assert link and link.startswith("http://testserver/a/")
    token = token_of(link)
    assert len(token) >= 43  # 32 random bytes
    invitation = db.exec(select(Invitation)).one()
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.language == "ru"
    lifetime = invitation.expires_at - invitation.created_at
    assert lifetime == timedelta(days=14)
    again = parse(staff.get(f"/vacancies/{vacancy.id}").text)
    assert again.find("input", id="new-link") is None


def test_an_invitation_needs_a_name(staff: TestClient, db: Session) -> None:
    vacancy = make_vacancy(db)
    page = staff.get(f"/vacancies/{vacancy.id}")
    data = {"name": "", "email": "not-an-email", "language": "en"}
    r = staff.post(
        f"/vacancies/{vacancy.id}/invitations", data=data | {"csrf_token": csrf_of(page.text)}
    )
    assert r.status_code == 422
    errors = {e.get("id") for e in parse(r.text).find_all("p", class_="field-error")}
    assert errors == {"name-error", "email-error"}
    assert db.exec(select(Invitation)).all() == []


def test_the_vacancy_page_lists_candidates_with_their_status(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    make_invitation(db, settings, vacancy=vacancy, name="Invited One")
    started = make_invitation(db, settings, vacancy=vacancy, name="Started One")
    done = make_invitation(db, settings, vacancy=vacancy, name="Done One")
    make_invitation(db, settings, vacancy=vacancy, name="Expired One", expired=True)
    started.invitation.started_at = utcnow()
    done.invitation.started_at = done.invitation.completed_at = utcnow()
    db.add(started.invitation)
    db.add(done.invitation)
    db.commit()
    page = parse(staff.get(f"/vacancies/{vacancy.id}").text)
    rows = page.one("tbody").find_all("tr")
    status = {
        tr.find("td").text.split(" ")[0] + " One": tr.find("span", class_="status").text
        for tr in rows
    }
    assert status == {
        "Invited One": "Invited",
        "Started One": "Started",
        "Done One": "Completed",
        "Expired One": "Expired",
    }
    reports = page.find_all("a", href=f"/invitations/{done.invitation.id}/report")
    assert len(reports) == 1


def test_an_unknown_vacancy_is_404(staff: TestClient) -> None:
    r = staff.get("/vacancies/9999")
    assert r.status_code == 404
    assert parse(r.text).one("h1").text == "Page not found"


def test_a_vacancy_can_ask_for_socionics_only(staff: TestClient, db: Session) -> None:
    form = staff.get("/vacancies/new")
    checked = parse(form.text).one("input", id="questionnaires-both")
    assert checked.get("checked") is not None  # the default
    data = {"title": "Ops", "placement": "sales_operations", "language": "en"}
    data |= {"questionnaires": "socionics", "csrf_token": csrf_of(form.text)}
    assert staff.post("/vacancies", data=data, follow_redirects=False).status_code == 303
    assert db.exec(select(Vacancy)).one().questionnaire_ids == ["socionics_16"]
    data |= {"questionnaires": "astrology"}
    assert staff.post("/vacancies", data=data).status_code == 422


def test_the_vacancy_page_links_to_its_table_exports_and_comparison(
    staff: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db)
    page = parse(staff.get(f"/vacancies/{vacancy.id}").text)
    tools = page.one("nav", class_="tools")
    links = {a.get("href") for a in tools.find_all("a")}
    base = f"/vacancies/{vacancy.id}"
    # Comparing starts in the candidate table, where candidates are ticked.
    assert {
        f"{base}/candidates",
        f"{base}/export.zip",
        f"{base}/export.csv",
        f"{base}/export.csv?sep=semicolon",
        f"{base}/export.xlsx",
        f"{base}/experience",
    } <= links
