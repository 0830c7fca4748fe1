"""After "New link", the old link says it was replaced by a newer one and whom to write to
(the organisation's contact), in the candidate's language; a wrong link still says "not
valid". The replaced links' hashes go with the candidate's other data on erasure and
retention."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.invitations.invite import Person
from app.invitations.service import create_invitation, remind, resend
from app.models import Invitation, ReplacedLink, Vacancy
from app.privacy.service import apply_retention, erase_candidate
from tests.factories import make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import token_of


def _invite(db: Session, settings, *, language: str = "ru") -> tuple[Invitation, str]:
    vacancy = make_vacancy(db)
    invitation, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Анна", email="anna@example.com", language=language),
        created_by=None,
    )
    db.commit()
    return invitation, link


def _new_link(staff: TestClient, invitation: Invitation) -> str:
    token = csrf_of(staff.get(f"/vacancies/{invitation.vacancy_id}").text)
    r = staff.post(f"/invitations/{invitation.id}/resend", data={"csrf_token": token})
    return parse(r.text).one("input", id="new-link").get("value") or ""


def test_the_old_link_says_it_was_replaced_and_whom_to_write_to(
    staff: TestClient, db: Session, settings
) -> None:
    invitation, old = _invite(db, settings, language="ru")
    new = _new_link(staff, invitation)
    staff.cookies.clear()  # the candidate, not the recruiter
    r = staff.get(f"/a/{token_of(old)}")
    assert r.status_code == 410
    page = parse(r.text)
    assert page.one("h1").text == "Эту ссылку заменили новой"
    contact = page.one(id="replaced-contact").text
    assert contact == (
        "Если не можете её найти, напишите в компанию Northwind: privacy@northwind.example"
    )
    assert "скопировали" not in r.text  # not the "not valid, copied fully?" page
    # Every page under the old link says the same; the new link opens.
    assert staff.get(f"/a/{token_of(old)}/next").status_code == 410
    assert staff.get(f"/a/{token_of(new)}").status_code == 200


def test_an_english_candidate_reads_it_in_english(
    client: TestClient, staff: TestClient, db: Session, settings
) -> None:
    invitation, old = _invite(db, settings, language="en")
    _new_link(staff, invitation)
    staff.cookies.clear()
    page = parse(staff.get(f"/a/{token_of(old)}").text)
    assert page.one("h1").text == "This link was replaced by a newer one"
    assert "privacy@northwind.example" in page.one(id="replaced-contact").text


def test_a_wrong_link_still_says_not_valid(client: TestClient, db: Session, settings) -> None:
    _invite(db, settings)
    r = client.get("/a/" + "x" * 43)
    assert r.status_code == 404
    assert parse(r.text).one("h1").text == "This link is not valid"


def test_every_replaced_link_of_an_invitation_says_so(db: Session, client, settings) -> None:
    invitation, first = _invite(db, settings)
    second = resend(db, settings=settings, invitation=invitation, created_by=None)
    # A reminder for a link that cannot be rebuilt replaces it too.
    invitation.token_nonce = None
    db.add(invitation)
    remind(db, settings=settings, invitation=invitation, created_by=None)
    db.commit()
    assert len(db.exec(select(ReplacedLink)).all()) == 2  # the first link and the second
    for link in (first, second):
        assert client.get(f"/a/{token_of(link)}").status_code == 410


def test_erasure_and_retention_remove_the_replaced_links(
    client: TestClient, db: Session, settings
) -> None:
    erased, erased_link = _invite(db, settings)
    resend(db, settings=settings, invitation=erased, created_by=None)
    expired, _ = _invite(db, settings)
    resend(db, settings=settings, invitation=expired, created_by=None)
    db.commit()
    assert len(db.exec(select(ReplacedLink)).all()) == 2
    erase_candidate(db, candidate_id=erased.candidate_id, actor=None)
    db.commit()
    left = db.exec(select(ReplacedLink)).all()
    assert [row.invitation_id for row in left] == [expired.id]
    # After the erasure nothing is left to say whose link it was.
    assert client.get(f"/a/{token_of(erased_link)}").status_code == 404
    vacancy = db.get(Vacancy, expired.vacancy_id)
    assert vacancy is not None
    vacancy.archived_at = utcnow() - timedelta(days=400)
    db.add(vacancy)
    db.commit()
    assert apply_retention(db, days=365, now=utcnow()) == [expired.candidate_id]
    db.commit()
    assert db.exec(select(ReplacedLink)).all() == []
