"""The staff's candidate search (issue 15 point 3): by a part of the name or email, whatever
the case (Cyrillic too, on SQLite and PostgreSQL), within the vacancies the user may see;
erased candidates are never found."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.db import utcnow
from app.models import VacancyAssignment
from app.privacy.service import erase_candidate
from app.staff.service import SEARCH_LIMIT, search_candidates
from tests.factories import make_invitation, make_user, make_vacancy
from tests.htmlq import parse
from tests.webflow import STAFF_PASSWORD, login


def _found(client: TestClient, q: str) -> list[str]:
    r = client.get("/search", params={"q": q})
    assert r.status_code == 200
    table = parse(r.text).find_all("tr")
    return [row.get("data-invitation") or "" for row in table if row.get("data-invitation")]


def test_search_ignores_case_in_cyrillic_and_latin_and_reads_yo_as_ye(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    vacancy = make_vacancy(db, title="Менеджер")
    petr = make_invitation(
        db, settings, vacancy=vacancy, name="Пётр ЁЛКИН", email="Petr.Yolkin@Example.COM"
    ).invitation
    make_invitation(db, settings, vacancy=vacancy, name="Анна Смирнова", email="anna@example.com")
    for q in ("пётр", "ПЕТР", "ёлкин", "елкин", "ЕлКиН", "petr.yolkin@example", "EXAMPLE.COM"):
        found = _found(staff, q)
        if q == "EXAMPLE.COM":
            assert str(petr.id) in found and len(found) == 2
        else:
            assert found == [str(petr.id)], q
    assert _found(staff, "нет такого") == []
    # Wildcards are plain characters: "%" and "_" match only themselves.
    assert _found(staff, "%%") == [] and _found(staff, "__") == []


def test_the_results_show_the_vacancy_the_status_and_the_report_link(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    vacancy = make_vacancy(db, title="Hunter, Kazan")
    inv = make_invitation(db, settings, vacancy=vacancy, name="Ольга Иванова").invitation
    inv.completed_at = utcnow()
    inv.started_at = utcnow()
    db.add(inv)
    db.commit()
    page = parse(staff.get("/search", params={"q": "ольга", "lang": "ru"}).text)
    row = page.one("tr", **{"data-invitation": str(inv.id)})
    assert row.one("a", href=f"/vacancies/{vacancy.id}").text == "Hunter, Kazan"
    assert row.one("a", href=f"/invitations/{inv.id}/report")
    assert row.one("span", class_="status-completed").text == "Завершено"


def test_a_hiring_manager_finds_only_candidates_of_their_vacancies(
    client: TestClient, db: Session, settings: Settings
) -> None:
    mine = make_vacancy(db, title="Mine")
    theirs = make_vacancy(db, title="Theirs")
    seen = make_invitation(db, settings, vacancy=mine, name="Ivan Mine").invitation
    make_invitation(db, settings, vacancy=theirs, name="Ivan Theirs")
    manager = make_user(
        db, email="mila@example.com", password=STAFF_PASSWORD, role="hiring_manager"
    )
    db.add(VacancyAssignment(vacancy_id=mine.id, user_id=manager.id))
    db.commit()
    login(client, manager.email, STAFF_PASSWORD)
    assert _found(client, "ivan") == [str(seen.id)]
    assert _found(client, "theirs") == []


def test_a_recruiter_finds_candidates_of_every_vacancy_closed_ones_too(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    a = make_invitation(db, settings, vacancy=make_vacancy(db, title="A"), name="Ivan A")
    closed = make_vacancy(db, title="B")
    b = make_invitation(db, settings, vacancy=closed, name="Ivan B")
    closed.archived_at = utcnow()
    db.add(closed)
    db.commit()
    assert set(_found(staff, "ivan")) == {str(a.invitation.id), str(b.invitation.id)}


def test_erased_candidates_are_never_found(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    new = make_invitation(db, settings, name="Erased Person", email="gone@example.com")
    assert _found(staff, "erased") == [str(new.invitation.id)]
    erase_candidate(db, candidate_id=new.invitation.candidate_id, actor=None)
    db.commit()
    assert _found(staff, "erased") == []
    assert _found(staff, "gone@") == []
    assert _found(staff, "—") == []  # the name an erased candidate is shown with


def test_a_renamed_candidate_is_found_by_the_new_name(db: Session, settings: Settings) -> None:
    admin = make_user(db, role="admin")
    new = make_invitation(db, settings, name="Old Name")
    candidate = db.get(type(new.candidate), new.candidate.id)
    assert candidate is not None
    candidate.name = "Новое Имя"
    db.add(candidate)
    db.commit()
    now = utcnow()
    assert search_candidates(db, user=admin, query="old", now=now).rows == []
    assert len(search_candidates(db, user=admin, query="НОВОЕ", now=now).rows) == 1


def test_a_short_query_asks_for_more_and_a_broad_one_says_it_is_cut(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    page = parse(staff.get("/search", params={"q": "a"}).text)
    assert page.one("p", id="search-too-short")
    vacancy = make_vacancy(db)
    for n in range(SEARCH_LIMIT + 1):
        make_invitation(db, settings, vacancy=vacancy, name=f"Same {n}", email=None)
    page = parse(staff.get("/search", params={"q": "same"}).text)
    assert page.one("p", id="search-more")
    assert len(page.one("table", id="search-results").find_all("tr")) == SEARCH_LIMIT + 1


def test_every_staff_page_has_the_search_box(staff: TestClient, db: Session) -> None:
    page = parse(staff.get("/vacancies").text)
    form = page.one("form", role="search")
    assert form.get("action") == "/search" and form.one("input", name="q")
