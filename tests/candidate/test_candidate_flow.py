"""The candidate flow of issue 5: autosave, resume on another device, progress across
questionnaires, the review, two tabs at once, the feedback page, expired links' contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import Answer, Invitation, Result, Vacancy
from tests.clock import Clock, client_on
from tests.factories import answers_for, ie_questionnaire, make_user, make_vacancy
from tests.htmlq import parse
from tests.webflow import QID, consent, post_page, token_of


def invite(db: Session, settings, vacancy: Vacancy | None = None, **kw) -> tuple[Invitation, str]:
    vacancy = vacancy or make_vacancy(db)
    invitation, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Anna", email="anna@example.com", language="en"),
        created_by=kw.get("created_by"),
    )
    db.commit()
    return invitation, token_of(link)


def save(client: TestClient, token: str, item: str, value: object, **headers: str):
    h = {"Content-Type": "application/json", "Origin": "http://testserver"} | headers
    body = {"questionnaire": QID, "item": item, "value": value}
    return client.post(f"/a/{token}/save", json=body, headers=h)


def stored(db: Session) -> dict[str, int]:
    db.expire_all()
    return {a.item_id: a.value for a in db.exec(select(Answer)).all()}


def test_autosave_stores_each_click_and_refuses_bad_requests(
    client: TestClient, db: Session, settings
) -> None:
    _, token = invite(db, settings)
    first, second = ie_questionnaire().pages()[0][:2]
    assert save(client, token, first, 3).status_code == 409  # no answer before consent
    assert stored(db) == {}
    consent(client, token)
    assert save(client, token, first, 3).json() == {"ok": True}
    assert save(client, token, first, 5).status_code == 200  # last write wins
    assert save(client, token, second, 9).status_code == 422
    assert save(client, token, "nope", 1).status_code == 422
    assert save(client, token, second, 2, Origin="https://evil.example").status_code == 403
    r = client.post(
        f"/a/{token}/save",
        content=f'{{"questionnaire": "{QID}", "item": "{second}", "value": 2}}',
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 415
    assert stored(db) == {first: 5}


def test_progress_counts_pages_and_answers_across_every_questionnaire(
    client: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    vacancy.questionnaire_ids = ["introversion_extraversion", "socionics_16"]
    db.add(vacancy)
    db.commit()
    _, token = invite(db, settings, vacancy)
    consent(client, token)
    catalog = client.app.state.questionnaires  # type: ignore[attr-defined]
    total_pages = sum(len(catalog[q].pages()) for q in vacancy.questionnaire_ids)
    page = parse(client.get(f"/a/{token}/q/socionics_16/1").text)
    label = page.one(id="progress-label").text
    ie_pages = len(catalog[QID].pages())
    assert f"Page {ie_pages + 1} of {total_pages}" in label and "0% answered" in label
    bar = page.one("progress")
    total_items = sum(len(catalog[q].items) for q in vacancy.questionnaire_ids)
    assert bar.get("max") == str(total_items) and bar.get("aria-labelledby") == "progress-label"


def test_the_candidate_resumes_on_another_device_where_they_stopped(
    app: FastAPI, db: Session, settings
) -> None:
    _, token = invite(db, settings)
    q = ie_questionnaire()
    answers = answers_for(q)
    pages = q.pages()
    with TestClient(app) as phone:
        consent(phone, token)
        post_page(phone, token, 1, {i: answers[i] for i in pages[0]}, "next")
        for item in pages[1][:2]:  # two clicks on page 2, then the phone is put away
            assert save(phone, token, item, answers[item]).status_code == 200
    with TestClient(app) as laptop:
        r = laptop.get(f"/a/{token}", follow_redirects=False)
        assert r.headers["location"] == f"/a/{token}/next"
        r = laptop.get(f"/a/{token}/next", follow_redirects=False)
        assert r.headers["location"] == f"/a/{token}/q/{QID}/2"
        page = parse(laptop.get(r.headers["location"]).text)
        for item in pages[1][:2]:
            radio = page.one("input", id=f"item-{item}-{answers[item]}")
            assert "checked" in radio.attrs
        for n, ids in enumerate(pages[1:], start=2):
            post_page(laptop, token, n, {i: answers[i] for i in ids}, "next")
        laptop.post(f"/a/{token}/finish")
    assert stored(db) == answers
    assert len(db.exec(select(Result)).all()) == 1


def test_two_tabs_answering_at_once_end_with_one_set_of_answers_and_one_result(
    app: FastAPI, db: Session, settings
) -> None:
    invitation, token = invite(db, settings)
    q = ie_questionnaire()
    a = answers_for(q, extravert=True)
    b = answers_for(q, extravert=False)
    with TestClient(app) as tab1, TestClient(app) as tab2:
        consent(tab1, token)
        for n, ids in enumerate(q.pages(), start=1):
            post_page(tab1, token, n, {i: a[i] for i in ids}, "next")
            for item in ids[:2]:  # the second tab overwrites two answers per page
                save(tab2, token, item, b[item])
        r1 = tab1.post(f"/a/{token}/finish", follow_redirects=False)
        r2 = tab2.post(f"/a/{token}/finish", follow_redirects=False)
        assert r1.headers["location"] == r2.headers["location"] == f"/a/{token}/done"
        late = save(tab2, token, q.pages()[0][0], a[q.pages()[0][0]])
        assert late.status_code == 410  # finished: no more answers
    expected = a | {i: b[i] for ids in q.pages() for i in ids[:2]}
    assert stored(db) == expected
    results = db.exec(select(Result)).all()
    assert len(results) == 1
    db.refresh(invitation)
    assert invitation.completed_at is not None


def test_the_feedback_page_describes_style_without_placement(
    client: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    vacancy.feedback_enabled = True
    db.add(vacancy)
    db.commit()
    _, token = invite(db, settings, vacancy)
    consent(client, token)
    q = ie_questionnaire()
    answers = answers_for(q, extravert=True)
    for n, ids in enumerate(q.pages(), start=1):
        post_page(client, token, n, {i: answers[i] for i in ids}, "next")
    client.post(f"/a/{token}/finish")
    done = parse(client.get(f"/a/{token}/done").text)
    assert done.find("a", href=f"/a/{token}/feedback") is not None
    text = parse(client.get(f"/a/{token}/feedback").text).one("dl").text.lower()
    assert "contact with people" in text
    for word in ("hunter", "farmer", "placement", "role", "%"):
        assert word not in text
    ru = client.get(f"/a/{token}/feedback?lang=ru").text
    assert "общение с людьми" in ru


def test_no_feedback_page_unless_the_vacancy_offers_it(
    client: TestClient, db: Session, settings
) -> None:
    _, token = invite(db, settings)
    consent(client, token)
    client.post(f"/a/{token}/finish")
    assert client.get(f"/a/{token}/feedback").status_code == 404


def test_an_expired_link_names_whom_to_contact(client: TestClient, db: Session, settings) -> None:
    user = make_user(db, email="recruiter@northwind.example")
    invitation, token = invite(db, settings, created_by=user)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.add(invitation)
    db.commit()
    r = client.get(f"/a/{token}")
    assert r.status_code == 410
    assert "recruiter@northwind.example" in parse(r.text).one("main").text


def test_consent_records_the_configured_version(app: FastAPI, db: Session, settings) -> None:
    app.state.settings = settings.model_copy(update={"consent_version": "2025-01"})
    invitation, token = invite(db, settings)
    with TestClient(app) as client:
        page = parse(client.get(f"/a/{token}").text)
        assert "2025-01" in page.one("div", class_="consent-text").text
        consent(client, token)
    db.refresh(invitation)
    assert invitation.consent_version == "2025-01" and invitation.consent_at is not None


def test_an_operator_can_supply_a_new_consent_text_version(
    app: FastAPI, db: Session, settings
) -> None:
    folder = settings.data_dir / "consent"
    folder.mkdir(parents=True)
    (folder / "2026-02.en.txt").write_text("We at {company} keep it short.\n\nAsk {contact}.")
    app.state.settings = settings.model_copy(update={"consent_version": "2026-02"})
    invitation, token = invite(db, settings)
    with TestClient(app) as client:
        text = parse(client.get(f"/a/{token}").text).one("div", class_="consent-text").text
        assert "keep it short" in text
        consent(client, token)
    db.refresh(invitation)
    assert invitation.consent_version == "2026-02"


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_candidate_page_speaks_the_chosen_language(
    client: TestClient, db: Session, settings, lang: str
) -> None:
    _, token = invite(db, settings)
    consent(client, token)
    for url in (f"/a/{token}/q/{QID}/1", f"/a/{token}/review"):
        page = parse(client.get(f"{url}?lang={lang}").text)
        assert page.one("html").get("lang") == lang


def test_requests_on_candidate_links_are_rate_limited_per_address(db: Session, settings) -> None:
    from app.main import create_app

    app = create_app(settings.model_copy(update={"rate_limit_candidate": 3}))
    _, token = invite(db, settings)
    with client_on(Clock(), app) as client:
        codes = [client.get(f"/a/{token}").status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        assert "Traceback" not in client.get(f"/a/{token}").text


def test_an_answer_arriving_after_another_tab_finished_is_refused_and_not_stored(
    engine, db: Session, settings
) -> None:
    """The race the link check cannot see: the invitation was read as open, then another tab
    finished it before this answer was written. The conditional write must refuse it."""
    from app.candidate.jobs import save_one
    from app.web.errors import LinkProblem

    invitation, _ = invite(db, settings)
    invitation.consent_at = utcnow()
    db.add(invitation)
    db.commit()
    q = ie_questionnaire()
    item = q.pages()[0][0]
    with Session(engine) as tab:
        stale = tab.get(Invitation, invitation.id)  # read while still open
        assert stale is not None and stale.completed_at is None
        invitation.completed_at = utcnow()  # the other tab finishes and commits
        db.add(invitation)
        db.commit()
        with pytest.raises(LinkProblem) as refused:
            save_one(
                tab.connection(),
                invitation_id=stale.id,
                language=stale.language,
                q=q,
                item_id=item,
                value=3,
                now=utcnow(),
            )
        assert refused.value.reason == "completed"
        tab.commit()
    assert stored(db) == {}


def test_an_autosaved_answer_marks_the_invitation_started_and_active(
    client: TestClient, db: Session, settings
) -> None:
    invitation, token = invite(db, settings)
    consent(client, token)
    db.refresh(invitation)
    assert invitation.started_at is None and invitation.last_activity_at is None
    item = ie_questionnaire().pages()[0][0]
    assert save(client, token, item, 2).json() == {"ok": True}
    db.refresh(invitation)
    started, active = invitation.started_at, invitation.last_activity_at
    assert started is not None and active is not None
    assert save(client, token, item, 4).json() == {"ok": True}
    db.refresh(invitation)
    assert invitation.started_at == started  # the first answer's time stays
    assert invitation.last_activity_at is not None and invitation.last_activity_at >= active
