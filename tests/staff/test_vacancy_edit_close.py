"""Editing, closing and reopening a vacancy on its pages (issue 15 point 3), and what a closed
vacancy refuses on every way in: the form, the CSV import, the open link, the candidate's link."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.config import Settings
from app.invitations.service import remind, resend, set_open_link
from app.models import AuditEvent, FitRecord, Invitation, Vacancy
from tests.factories import make_invitation, make_user, make_vacancy
from tests.htmlq import csrf_of, parse
from tests.webflow import STAFF_PASSWORD, consent, import_csv, login, token_of


def _post(client: TestClient, url: str, page_url: str, **data: str):
    page = client.get(page_url)
    return client.post(url, data={"csrf_token": csrf_of(page.text), **data}, follow_redirects=False)


def _events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_a_recruiter_edits_the_title_placement_and_language(staff: TestClient, db: Session) -> None:
    vacancy = make_vacancy(db, title="Client manager", placement="farmer", language="en")
    form = parse(staff.get(f"/vacancies/{vacancy.id}/edit").text)
    assert form.one("input", name="title").get("value") == "Client manager"
    r = _post(
        staff,
        f"/vacancies/{vacancy.id}/edit",
        f"/vacancies/{vacancy.id}/edit",
        title="  Account manager, Kazan ",
        placement="hunter",
        language="ru",
    )
    assert r.status_code == 303 and r.headers["location"] == f"/vacancies/{vacancy.id}"
    db.expire_all()
    saved = db.get(Vacancy, vacancy.id)
    assert saved is not None
    assert (saved.title, saved.placement, saved.language) == (
        "Account manager, Kazan",
        "hunter",
        "ru",
    )
    (event,) = _events(db, "vacancy.update")
    assert event.details == {"fields": ["title", "placement", "language"]}
    assert "The vacancy was saved." in staff.get(f"/vacancies/{vacancy.id}").text


def test_an_edit_with_errors_comes_back_marked_and_changes_nothing(
    staff: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db, title="Client manager")
    r = _post(
        staff,
        f"/vacancies/{vacancy.id}/edit",
        f"/vacancies/{vacancy.id}/edit",
        title="\u202e ",
        placement="astronaut",
        language="de",
    )
    assert r.status_code == 422
    page = parse(r.text)
    assert {e.get("id") for e in page.find_all("p", class_="field-error")} == {
        "title-error",
        "placement-error",
        "language-error",
    }
    assert "Enter a title of up to 200 characters." in r.text
    db.expire_all()
    assert db.get(Vacancy, vacancy.id).title == "Client manager"  # type: ignore[union-attr]
    assert _events(db, "vacancy.update") == []


def test_the_edit_page_speaks_russian(staff: TestClient, db: Session) -> None:
    vacancy = make_vacancy(db)
    page = staff.get(f"/vacancies/{vacancy.id}/edit?lang=ru").text
    assert "Изменить вакансию" in page and "Edit the vacancy" not in page


def test_a_new_placement_refits_the_finished_candidates(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    from app.scoring.service import refit_vacancy

    vacancy = make_vacancy(db, placement="farmer")
    inv = make_invitation(db, settings, vacancy=vacancy).invitation
    # A fit record as scoring stores it, made for the old placement.
    from app.matrix.service import current

    matrix = current(db)
    db.add(
        FitRecord(
            invitation_id=inv.id,
            matrix_version_id=matrix.version.id,
            type_code="ESI",
            type_probability=0.5,
            placement="farmer",
            best_role="farmer",
            best_fit=50.0,
            target_fit=50.0,
            too_close=False,
            quality_level="good",
            data={},
        )
    )
    db.commit()
    called: list[int] = []

    def spy(session: Session, *, vacancy_id: int, now=None) -> int:
        called.append(vacancy_id)
        return 0

    import app.staff.service as staff_service

    original = staff_service.refit_vacancy
    staff_service.refit_vacancy = spy  # type: ignore[assignment]
    try:
        _post(
            staff,
            f"/vacancies/{vacancy.id}/edit",
            f"/vacancies/{vacancy.id}/edit",
            title=vacancy.title,
            placement="farmer",
            language=vacancy.language,
        )
        assert called == []  # nothing changed: nothing re-computed
        _post(
            staff,
            f"/vacancies/{vacancy.id}/edit",
            f"/vacancies/{vacancy.id}/edit",
            title=vacancy.title,
            placement="hunter",
            language=vacancy.language,
        )
        assert called == [vacancy.id]
    finally:
        staff_service.refit_vacancy = original  # type: ignore[assignment]
    assert refit_vacancy is original


def test_a_hiring_manager_cannot_edit_close_or_reopen(client: TestClient, db: Session) -> None:
    from app.models import VacancyAssignment

    vacancy = make_vacancy(db)
    manager = make_user(
        db, email="mila@example.com", password=STAFF_PASSWORD, role="hiring_manager"
    )
    db.add(VacancyAssignment(vacancy_id=vacancy.id, user_id=manager.id))
    db.commit()
    login(client, manager.email, STAFF_PASSWORD)
    page = parse(client.get(f"/vacancies/{vacancy.id}").text)
    assert page.find_all("a", href=f"/vacancies/{vacancy.id}/edit") == []
    assert page.find_all("a", href=f"/vacancies/{vacancy.id}/close") == []
    for path in ("edit", "close", "reopen"):
        assert client.get(f"/vacancies/{vacancy.id}/{path}").status_code == 403
        csrf = csrf_of(client.get("/account").text)
        r = client.post(f"/vacancies/{vacancy.id}/{path}", data={"csrf_token": csrf})
        assert r.status_code == 403
    db.expire_all()
    assert db.get(Vacancy, vacancy.id).archived_at is None  # type: ignore[union-attr]


def test_closing_asks_first_then_closes_and_reopening_undoes_it(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    vacancy = make_vacancy(db)
    waiting = make_invitation(db, settings, vacancy=vacancy, name="Waits")
    underway = make_invitation(db, settings, vacancy=vacancy, name="Began", email=None)
    consent(staff, token_of(underway.link))
    # The vacancy page offers closing; the first step only asks.
    page = parse(staff.get(f"/vacancies/{vacancy.id}").text)
    assert page.one("a", href=f"/vacancies/{vacancy.id}/close")
    ask = parse(staff.get(f"/vacancies/{vacancy.id}/close").text)
    assert ask.one("li", **{"data-count": "waiting"}).text.startswith("1 candidate has a link")
    assert ask.one("li", **{"data-count": "underway"}).text.startswith("1 candidate has already")
    db.expire_all()
    assert db.get(Vacancy, vacancy.id).archived_at is None  # type: ignore[union-attr]
    assert _events(db, "vacancy.close") == []

    r = _post(staff, f"/vacancies/{vacancy.id}/close", f"/vacancies/{vacancy.id}/close")
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Vacancy, vacancy.id).is_closed  # type: ignore[union-attr]
    assert len(_events(db, "vacancy.close")) == 1
    page = parse(staff.get(f"/vacancies/{vacancy.id}").text)
    assert page.one("p", id="vacancy-closed")
    assert page.find_all("form", action=f"/vacancies/{vacancy.id}/invitations") == []
    # The list shows it apart: not among the open ones, listed under the closed ones.
    assert f'/vacancies/{vacancy.id}"' not in staff.get("/vacancies").text
    closed_list = parse(staff.get("/vacancies?state=closed").text)
    assert closed_list.one("tr", **{"data-vacancy": str(vacancy.id)})
    assert parse(staff.get("/vacancies").text).one("a", href="/vacancies?state=closed")

    ask = parse(staff.get(f"/vacancies/{vacancy.id}/reopen").text)
    assert ask.one("li", **{"data-count": "waiting"}).text.startswith("1 candidate")
    r = _post(staff, f"/vacancies/{vacancy.id}/reopen", f"/vacancies/{vacancy.id}/reopen")
    assert r.status_code == 303
    db.expire_all()
    assert not db.get(Vacancy, vacancy.id).is_closed  # type: ignore[union-attr]
    assert len(_events(db, "vacancy.reopen")) == 1
    # The waiting candidate's link works again.
    assert staff.get(f"/a/{token_of(waiting.link)}").status_code == 200


def _closed_vacancy(db: Session, settings: Settings) -> Vacancy:
    vacancy = make_vacancy(db)
    set_open_link(db, vacancy=vacancy, enabled=True)
    db.commit()
    return vacancy


def _close(db: Session, vacancy: Vacancy) -> None:
    from app.db import utcnow
    from app.staff.service import close_vacancy

    close_vacancy(db, vacancy=vacancy, now=utcnow())
    db.commit()


def test_a_closed_vacancy_takes_no_invitation_from_the_form(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    vacancy = _closed_vacancy(db, settings)
    _close(db, vacancy)
    r = _post(
        staff,
        f"/vacancies/{vacancy.id}/invitations",
        f"/vacancies/{vacancy.id}",
        name="Ivan",
        email="ivan@example.com",
        language="en",
    )
    assert r.status_code == 409
    assert "This vacancy is closed and takes no new invitations." in r.text
    assert db.exec(select(Invitation)).all() == []


def test_a_closed_vacancy_takes_no_csv_import(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    vacancy = _closed_vacancy(db, settings)
    _close(db, vacancy)
    page = parse(staff.get(f"/vacancies/{vacancy.id}/import").text)
    assert page.one("p", id="vacancy-closed")
    assert page.find_all("input", type="file") == []
    r = import_csv(staff, vacancy.id, b"name,email\nIvan,ivan@example.com\n")  # type: ignore[arg-type]
    assert r.status_code == 409 and "This vacancy is closed" in r.text
    assert db.exec(select(Invitation)).all() == []


def test_a_csv_previewed_before_the_close_is_not_confirmed_after_it(
    staff: TestClient, db: Session, settings: Settings
) -> None:
    vacancy = _closed_vacancy(db, settings)
    page = staff.get(f"/vacancies/{vacancy.id}/import")
    preview = staff.post(
        f"/vacancies/{vacancy.id}/import",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("l.csv", b"name,email\nIvan,ivan@example.com\n", "text/csv")},
    )
    upload = parse(preview.text).one("input", name="upload").get("value")
    _close(db, vacancy)
    r = staff.post(
        f"/vacancies/{vacancy.id}/import/confirm",
        data={"csrf_token": csrf_of(preview.text), "upload": upload, "known": "skip"},
    )
    assert r.status_code == 409 and "This vacancy is closed" in r.text
    assert db.exec(select(Invitation)).all() == []


def test_the_open_link_of_a_closed_vacancy_says_so_and_registers_nobody(
    client: TestClient, db: Session, settings: Settings
) -> None:
    from tests.factories import ensure_organisation

    ensure_organisation(db)
    vacancy = _closed_vacancy(db, settings)
    token = vacancy.open_token
    assert client.get(f"/join/{token}").status_code == 200
    _close(db, vacancy)
    r = client.get(f"/join/{token}")
    assert r.status_code == 410 and "This vacancy is closed" in r.text
    assert "privacy@northwind.example" in r.text  # the employer's contact: nobody invited them
    r = client.post(
        f"/join/{token}",
        data={"name": "Ivan", "email": "ivan@example.com", "consent": "yes", "language": "ru"},
    )
    assert r.status_code == 410 and "Эта вакансия закрыта" in r.text
    assert db.exec(select(Invitation)).all() == []


def test_a_link_not_yet_begun_says_closed_and_one_underway_may_finish(
    client: TestClient, db: Session, settings: Settings
) -> None:
    vacancy = make_vacancy(db)
    waiting = make_invitation(db, settings, vacancy=vacancy, name="Waits")
    underway = make_invitation(db, settings, vacancy=vacancy, name="Began")
    consent(client, token_of(underway.link))
    _close(db, vacancy)
    r = client.get(f"/a/{token_of(waiting.link)}")
    assert r.status_code == 410 and "This vacancy is closed" in r.text
    r = client.post(f"/a/{token_of(waiting.link)}/consent", data={"consent": "yes"})
    assert r.status_code == 410
    # The candidate who had agreed goes on to the questions.
    r = client.get(f"/a/{token_of(underway.link)}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/next")
    # Nothing sends the waiting candidate a link that only says "closed".
    with_waiting = db.get(Invitation, waiting.invitation.id)
    assert with_waiting is not None
    import pytest

    from app.invitations.service import ActionRefused

    with pytest.raises(ActionRefused):
        resend(db, settings=settings, invitation=with_waiting, created_by=None)
    with pytest.raises(ActionRefused):
        remind(db, settings=settings, invitation=with_waiting, created_by=None)
    db.rollback()
