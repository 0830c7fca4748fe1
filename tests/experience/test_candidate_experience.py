"""Issue 15, point 10: the optional rating after the thank-you page, and the vacancy's
candidate-experience page (funnel, where candidates stopped, median time, average rating)."""

from __future__ import annotations

import statistics
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import AssessmentRating, AuditEvent, Invitation, Vacancy
from app.privacy.service import erase_candidate, export_candidate
from tests.factories import answers_for, ie_questionnaire, make_user, make_vacancy
from tests.htmlq import parse
from tests.webflow import (
    QID,
    STAFF_PASSWORD,
    answer_everything,
    consent,
    login,
    post_page,
    token_of,
)


def _invite(db: Session, settings, vacancy: Vacancy, name: str) -> tuple[Invitation, str]:
    invitation, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person(name, email=None, language="ru"),
        created_by=None,
    )
    db.commit()
    return invitation, token_of(link)


def _complete(client: TestClient, token: str) -> None:
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))


def test_after_finishing_a_candidate_may_rate_the_assessment_once(
    client: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db, language="ru")
    invitation, token = _invite(db, settings, vacancy, "Анна")
    consent(client, token)
    # Not before finishing.
    early = client.post(f"/a/{token}/rating", data={"rating": "5"}, follow_redirects=False)
    assert early.status_code == 303 and db.exec(select(AssessmentRating)).all() == []
    answer_everything(client, token, answers_for(ie_questionnaire()))
    page = parse(client.get(f"/a/{token}/done").text)
    form = page.one("form", action=f"/a/{token}/rating")
    assert len(form.find_all("input", type="radio")) == 5
    assert "Как вам этот опросник?" in form.text

    r = client.post(
        f"/a/{token}/rating",
        data={"rating": "4", "comment": "  Понятно, но длинно.\u202e "},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/a/{token}/done"
    row = db.exec(select(AssessmentRating)).one()
    assert (row.invitation_id, row.rating, row.comment) == (invitation.id, 4, "Понятно, но длинно.")
    after = parse(client.get(f"/a/{token}/done").text)
    assert after.find("form", action=f"/a/{token}/rating") is None
    assert "Спасибо за ответ" in after.text
    # Junk is not a rating; nothing said stores nothing new.
    client.post(f"/a/{token}/rating", data={"rating": "9", "comment": ""})
    db.expire_all()
    assert db.exec(select(AssessmentRating)).one().rating == 4


def test_the_experience_page_shows_the_funnel_stops_median_and_rating(
    client: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db, language="ru")
    _invite(db, settings, vacancy, "Никто")  # invited, never opened
    _, opened = _invite(db, settings, vacancy, "Открыл")
    client.get(f"/a/{opened}")
    _, consented = _invite(db, settings, vacancy, "Согласился")
    consent(client, consented)
    _, stopped = _invite(db, settings, vacancy, "Бросил")
    consent(client, stopped)
    first_page = ie_questionnaire().pages()[0]
    assert client.get(f"/a/{stopped}/q/{QID}/1").status_code == 200
    saved = post_page(client, stopped, 1, dict.fromkeys(first_page, 3), "next")
    assert saved.status_code == 303, saved.text
    assert client.get(f"/a/{stopped}/q/{QID}/2").status_code == 200
    done = []
    for name in ("Готов1", "Готов2", "Готов3"):
        invitation, token = _invite(db, settings, vacancy, name)
        _complete(client, token)
        done.append(invitation)
    # Known durations, so the median can be checked independently.
    minutes = [12, 30, 19]
    for invitation, m in zip(done, minutes, strict=True):
        db.refresh(invitation)
        assert invitation.completed_at is not None
        invitation.started_at = invitation.completed_at - timedelta(minutes=m)
        db.add(invitation)
    db.add(AssessmentRating(invitation_id=done[0].id, rating=5, comment="Хорошо"))
    db.add(AssessmentRating(invitation_id=done[1].id, rating=2, comment=""))
    db.commit()

    user = make_user(db, email="mila@example.com", password=STAFF_PASSWORD, role="recruiter")
    login(client, user.email, STAFF_PASSWORD)
    vacancy_page = parse(client.get(f"/vacancies/{vacancy.id}?lang=ru").text)
    assert vacancy_page.find("a", href=f"/vacancies/{vacancy.id}/experience") is not None
    page = parse(client.get(f"/vacancies/{vacancy.id}/experience?lang=ru").text)
    counts = {
        row.get("data-step"): row.find_all("td")[0].text
        for row in page.one("table", class_="funnel").find_all("tr")
        if row.get("data-step")
    }
    assert counts == {
        "invited": "7",
        "opened": "6",
        "consented": "5",
        "started": "4",
        "completed": "3",
    }
    stops = [
        (row.one("th").text.strip(), row.one("td").text)
        for row in page.one("table", class_="stops").find_all("tr")[1:]
    ]
    assert sorted(stops) == sorted(
        [
            ("Приветственная страница (согласие не дано)", "1"),
            ("После согласия, до первой страницы вопросов", "1"),
            ("Интроверсия и экстраверсия, страница 2", "1"),
        ]
    )
    median = statistics.median(minutes)
    assert f"{median:.0f} мин" in page.one("p", **{"data-figure": "median"}).text
    assert "Средняя оценка: 3,5 из 5 (2 ответа)" in page.one("p", **{"data-figure": "rating"}).text
    assert "Хорошо" in page.one("ul", class_="comments").text
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "experience.view")).one()


def test_a_comment_is_exported_and_erased_with_the_candidate(
    client: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db, language="ru")
    invitation, token = _invite(db, settings, vacancy, "Анна")
    _complete(client, token)
    client.post(f"/a/{token}/rating", data={"rating": "3", "comment": "Мой личный отзыв"})
    exported = export_candidate(db, candidate_id=invitation.candidate_id, actor=None)
    assert "Мой личный отзыв" in str(exported)
    erase_candidate(db, candidate_id=invitation.candidate_id, actor=None)
    db.commit()
    assert db.exec(select(AssessmentRating)).all() == []


def test_a_hiring_manager_of_another_vacancy_cannot_read_its_experience(
    client: TestClient, db: Session
) -> None:
    vacancy = make_vacancy(db)
    user = make_user(db, email="hm@example.com", password=STAFF_PASSWORD, role="hiring_manager")
    login(client, user.email, STAFF_PASSWORD)
    assert client.get(f"/vacancies/{vacancy.id}/experience").status_code == 404
    _ = utcnow
