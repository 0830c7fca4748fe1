"""The candidate's link: consent, pages, missing and invalid answers, submission, bad links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import utcnow
from app.models import Answer, Invitation, PageEvent, Result
from tests.factories import answers_for, ie_questionnaire, make_invitation
from tests.htmlq import parse
from tests.webflow import QID, answer_everything, consent, post_page, token_of


@pytest.fixture
def invited(db: Session, settings):
    new = make_invitation(db, settings)
    return new, token_of(new.link)


def test_an_unknown_link_says_so_with_404(client: TestClient) -> None:
    r = client.get("/a/" + "x" * 43)
    assert r.status_code == 404
    assert parse(r.text).one("h1").text == "This link is not valid"
    assert "Traceback" not in r.text


def test_an_expired_link_says_so_with_410(client: TestClient, db: Session, settings) -> None:
    new = make_invitation(db, settings, expired=True)
    r = client.get(f"/a/{token_of(new.link)}")
    assert r.status_code == 410
    assert parse(r.text).one("h1").text == "This link has expired"


def test_the_welcome_page_explains_and_asks_for_consent(client: TestClient, invited) -> None:
    _, token = invited
    page = parse(client.get(f"/a/{token}").text)
    headings = [h.text for h in page.find_all("h2")]
    assert {"How long it takes", "Your consent"} <= set(headings)
    consent_text = page.one("div", class_="consent-text").text
    assert "152-FZ" in consent_text and "GDPR" in consent_text
    box = page.one("input", type="checkbox", name="consent")
    assert page.one("label", **{"for": box.get("id")})


def test_answering_needs_consent_first(client: TestClient, invited, db: Session) -> None:
    new, token = invited
    r = client.get(f"/a/{token}/q/{QID}/1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/a/{token}"
    r = client.post(f"/a/{token}/consent", data={}, follow_redirects=False)
    assert r.status_code == 400
    assert parse(r.text).find(role="alert") is not None
    db.refresh(new.invitation)
    assert new.invitation.consent_at is None


def test_consent_is_recorded_with_its_version(client: TestClient, invited, db: Session) -> None:
    new, token = invited
    consent(client, token)
    db.refresh(new.invitation)
    assert new.invitation.consent_at is not None
    assert new.invitation.consent_version


def test_every_item_is_a_labelled_fieldset(client: TestClient, invited) -> None:
    _, token = invited
    consent(client, token)
    page = parse(client.get(f"/a/{token}/q/{QID}/1").text)
    fieldsets = page.find_all("fieldset")
    assert len(fieldsets) == len(ie_questionnaire().pages()[0])
    for fs in fieldsets:
        assert fs.find("legend") is not None and fs.find("legend").text
        for radio in fs.find_all("input", type="radio"):
            label = fs.find("label", **{"for": radio.get("id")})
            assert label is not None and label.text


def test_a_full_run_stores_one_result_with_version_and_time(
    client: TestClient, invited, db: Session
) -> None:
    new, token = invited
    consent(client, token)
    q = ie_questionnaire()
    r = answer_everything(client, token, answers_for(q, extravert=True))
    done = client.get(r.headers["location"])
    assert done.status_code == 200 and "/done" in str(done.url)
    results = db.exec(select(Result)).all()
    assert len(results) == 1
    res = results[0]
    assert (res.questionnaire_id, res.questionnaire_version) == (q.id, q.version)
    assert res.seconds_taken >= 0
    assert res.data["dichotomies"]["EI"]["pole"] == "E"
    db.refresh(new.invitation)
    assert new.invitation.completed_at is not None and new.invitation.started_at is not None
    views = db.exec(select(PageEvent).where(PageEvent.kind == "view")).all()
    assert len(views) >= len(q.pages())


def test_a_completed_link_says_so_with_410(client: TestClient, invited) -> None:
    _, token = invited
    consent(client, token)
    answer_everything(client, token, answers_for(ie_questionnaire()))
    r = client.get(f"/a/{token}")
    assert r.status_code == 410
    assert "already completed" in parse(r.text).one("h1").text


def test_a_second_submission_changes_nothing(client: TestClient, invited, db: Session) -> None:
    _, token = invited
    consent(client, token)
    q = ie_questionnaire()
    answer_everything(client, token, answers_for(q, extravert=True))
    before = db.exec(select(Result)).one().data
    flipped = answers_for(q, extravert=False)
    last = len(q.pages())
    r = post_page(client, token, last, {i: flipped[i] for i in q.pages()[-1]}, "finish")
    assert r.status_code == 410
    db.expire_all()
    assert db.exec(select(Result)).one().data == before
    stored = {a.item_id: a.value for a in db.exec(select(Answer)).all()}
    assert stored == answers_for(q, extravert=True)


def test_unanswered_items_are_listed_on_the_review_and_marked_on_their_page(
    client: TestClient, invited, db: Session
) -> None:
    _, token = invited
    consent(client, token)
    ids = ie_questionnaire().pages()[0]
    given = {ids[0]: 2, ids[2]: 4}
    r = post_page(client, token, 1, given, "next")
    assert r.status_code == 303 and r.headers["location"] == f"/a/{token}/q/{QID}/2"
    review = parse(client.get(f"/a/{token}/review").text)
    links = [a.get("href") for a in review.find_all("a") if "check=1" in (a.get("href") or "")]
    assert f"/a/{token}/q/{QID}/1?check=1#q-{ids[1]}" in links
    assert not any(f"#q-{ids[0]}" in href for href in links)
    page = parse(client.get(f"/a/{token}/q/{QID}/1?check=1").text)
    marked = {fs.get("id") for fs in page.find_all("fieldset", class_="item-missing")}
    assert marked == {f"q-{i}" for i in ids if i not in given}
    for item_id, value in given.items():
        radio = page.one("input", id=f"item-{item_id}-{value}")
        assert "checked" in radio.attrs
    stored = {a.item_id: a.value for a in db.exec(select(Answer)).all()}
    assert stored == given


def test_finishing_anyway_with_a_gap_scores_what_was_answered(
    client: TestClient, invited, db: Session
) -> None:
    _, token = invited
    consent(client, token)
    q = ie_questionnaire()
    answers = answers_for(q)
    pages = q.pages()
    skipped = pages[1][0]
    for n, ids in enumerate(pages, start=1):
        post_page(client, token, n, {i: answers[i] for i in ids if i != skipped}, "next")
    review = parse(client.get(f"/a/{token}/review").text)
    assert review.find("a", href=f"/a/{token}/q/{QID}/2?check=1#q-{skipped}") is not None
    assert db.exec(select(Result)).all() == []
    r = client.post(f"/a/{token}/finish", follow_redirects=False)
    assert r.headers["location"] == f"/a/{token}/done"
    result = db.exec(select(Result)).one()
    scale = result.data["scales"]["extraversion"]
    assert scale["answered"] == scale["total"] - 1
    assert scale["prorated"] is True


@pytest.mark.parametrize("value", ["0", "6", "-1", "abc", "3.5", ""])
def test_a_value_out_of_range_is_rejected_and_nothing_is_stored(
    client: TestClient, invited, db: Session, value: str
) -> None:
    _, token = invited
    consent(client, token)
    ids = ie_questionnaire().pages()[0]
    data = {f"item-{ids[0]}": "3", f"item-{ids[1]}": value, "go": "next"}
    r = client.post(f"/a/{token}/q/{QID}/1", data=data, follow_redirects=False)
    assert r.status_code == 422
    assert "Traceback" not in r.text
    assert db.exec(select(Answer)).all() == []


def test_an_unknown_item_is_rejected(client: TestClient, invited, db: Session) -> None:
    _, token = invited
    consent(client, token)
    r = client.post(f"/a/{token}/q/{QID}/1", data={"item-nope": "3"}, follow_redirects=False)
    assert r.status_code == 422
    assert db.exec(select(Answer)).all() == []


def test_saving_the_same_item_twice_keeps_one_row_with_the_last_value(
    client: TestClient, invited, db: Session
) -> None:
    _, token = invited
    consent(client, token)
    item = ie_questionnaire().pages()[0][0]
    post_page(client, token, 1, {item: 2}, "next")
    post_page(client, token, 1, {item: 5}, "next")  # a second tab
    rows = db.exec(select(Answer)).all()
    assert [(a.item_id, a.value) for a in rows] == [(item, 5)]


def test_an_unknown_page_or_questionnaire_is_404(client: TestClient, invited) -> None:
    _, token = invited
    consent(client, token)
    assert client.get(f"/a/{token}/q/{QID}/99").status_code == 404
    assert client.get(f"/a/{token}/q/socionics_16/1").status_code == 404


def test_the_candidate_can_switch_language_at_any_time(
    client: TestClient, invited, db: Session
) -> None:
    new, token = invited
    consent(client, token)
    en = parse(client.get(f"/a/{token}/q/{QID}/1").text)
    assert en.one("html").get("lang") == "en"
    ru = parse(client.get(f"/a/{token}/q/{QID}/1?lang=ru").text)
    assert ru.one("html").get("lang") == "ru"
    q = ie_questionnaire()
    first = q.item(q.pages()[0][0])
    legend = ru.find_all("legend")[0].text
    assert first.text is not None and first.text.ru in legend
    db.refresh(new.invitation)
    assert new.invitation.language == "ru"


def test_the_link_stops_working_when_it_expires_mid_way(
    client: TestClient, invited, db: Session
) -> None:
    new, token = invited
    consent(client, token)
    inv = db.get(Invitation, new.invitation.id)
    assert inv is not None
    inv.expires_at = utcnow() - timedelta(seconds=1)
    db.add(inv)
    db.commit()
    r = post_page(client, token, 1, {ie_questionnaire().pages()[0][0]: 3}, "next")
    assert r.status_code == 410


def test_the_language_switch_after_a_failed_form_stays_on_the_link(
    client: TestClient, invited
) -> None:
    _, token = invited
    r = client.post(f"/a/{token}/consent", data={})
    switch = parse(r.text).one("nav", class_="lang-switch")
    assert [a.get("href") for a in switch.find_all("a")] == [f"/a/{token}?lang=ru"]
